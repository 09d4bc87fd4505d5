"""Operator order: the topological order of a graph with the smallest peak of live memory.

What is alive while an operator runs follows TFLM's lifetimes
(micro_allocation_info.cc): a tensor from the operator that writes it (graph
inputs from the start) to the last operator that reads it (graph outputs to the
end), plus the running operator's scratch buffers.  After a set ``S`` of
operators has run, the live bytes of the next operator ``o`` are

    live(S, o) = bytes of tensors written in S (or graph inputs) that some
                 operator outside S still reads, or that are graph outputs
               + bytes of o's outputs + o's scratch bytes

so the best order is a shortest path (minimising the maximum) through the sets
of operators closed under "runs before".  ``best_order`` walks those sets one
operator at a time, keeping the ``beam_width`` best per step: exact whenever no
step has more sets than that (small branching: chains, a few skips, condensers'
side branches), a beam search beyond.

Only single-subgraph models without variable tensors are reordered (control
flow and state make order matter beyond data dependencies); others keep theirs.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class OrderResult:
    order: list  # old operator indices in the new order
    peak_bytes: int  # peak live bytes of that order
    original_peak_bytes: int
    exact: bool  # every reachable set was kept (the order is optimal for peak live bytes)
    reason: str = ""  # why the model keeps its order, if it does

    @property
    def changed(self):
        return self.order != sorted(self.order)


def _graph(model, estimate):
    sg = model.subgraphs[0]
    size = {}
    scratch = [0] * len(sg.operators)
    for p in estimate.tensors:
        if p.subgraph != 0:
            continue
        if p.tensor_index >= 0:
            size[p.tensor_index] = p.size
        elif p.scratch_op is not None:
            scratch[p.scratch_op] += p.size
    producer = {}
    consumers = {}
    for op in sg.operators:
        for t in op.outputs:
            if t >= 0:
                producer[t] = op.index
        for t in op.inputs:
            if t >= 0:
                consumers.setdefault(t, set()).add(op.index)
    return sg, size, scratch, producer, consumers


def order_peak(model, estimate, order):
    """Peak live bytes (TFLM's lifetimes) when the operators run in ``order``."""
    sg, size, scratch, producer, consumers = _graph(model, estimate)
    pos = {op: k for k, op in enumerate(order)}
    n = len(order)
    live = [0] * (n + 1)  # time 0 = before the first operator, k + 1 = the k-th operator
    outputs = set(sg.outputs)
    for t, nbytes in size.items():
        first = pos[producer[t]] + 1 if t in producer else 0
        readers = [pos[c] + 1 for c in consumers.get(t, ())]
        last = n if t in outputs else max(readers + [first])
        for k in range(first, last + 1):
            live[k] += nbytes
    for op, k in pos.items():
        live[k + 1] += scratch[op]
    return max(live, default=0)


def best_order(model, estimate, beam_width=4096):
    """The topological order of subgraph 0 with the smallest peak live bytes (see the module docstring)."""
    sg = model.subgraphs[0]
    n = len(sg.operators)
    identity = list(range(n))
    if len(model.subgraphs) != 1:
        return OrderResult(identity, 0, 0, False, "the model has more than one subgraph")
    if any(t.is_variable for t in sg.tensors):
        return OrderResult(identity, 0, 0, False, "the model has variable tensors")
    original = order_peak(model, estimate, identity)
    if n < 3:
        return OrderResult(identity, original, original, True)
    sg, size, scratch, producer, consumers = _graph(model, estimate)
    outputs = set(sg.outputs)
    preds = [0] * n
    for op in sg.operators:
        for t in op.inputs:
            if t >= 0 and t in producer and producer[t] != op.index:
                preds[op.index] |= 1 << producer[t]
    out_bytes = [sum(size.get(t, 0) for t in set(op.outputs) if t >= 0) for op in sg.operators]
    # tensors that stay alive while some reader has not run: (bytes, reader mask, producer bit or 0)
    tensors = []
    for t, nbytes in size.items():
        mask = 0
        for c in consumers.get(t, ()):
            mask |= 1 << c
        tensors.append((nbytes, mask, 1 << producer[t] if t in producer else 0, t in outputs))

    def base(done):
        total = 0
        for nbytes, mask, prod, is_output in tensors:
            if prod and not (done & prod):
                continue
            if is_output or (mask & ~done):
                total += nbytes
        return total

    # layer: {done mask: (peak so far, order tuple)}
    layer = {0: (0, ())}
    exact = True
    full = (1 << n) - 1
    for _ in range(n):
        nxt = {}
        for done, (peak, order) in layer.items():
            b = base(done)
            for o in range(n):
                bit = 1 << o
                if done & bit or (preds[o] & ~done):
                    continue
                cost = max(peak, b + out_bytes[o] + scratch[o])
                key = done | bit
                if key not in nxt or (cost, order + (o,)) < (nxt[key][0], nxt[key][1]):
                    nxt[key] = (cost, order + (o,))
        if len(nxt) > beam_width:
            exact = False
            kept = sorted(nxt.items(), key=lambda kv: (kv[1][0], base(kv[0]), kv[1][1]))[:beam_width]
            nxt = dict(kept)
        layer = nxt
    peak, order = layer[full]
    order = list(order)
    peak = order_peak(model, estimate, order)
    if peak >= original:
        return OrderResult(identity, original, original, exact)
    return OrderResult(order, peak, original, exact)
