"""``attendnets optimize``: a model that stock TFLM runs in a smaller arena, outputs bit for bit the same.

1. The model's own plan is dropped (a previous ``OfflineMemoryAllocation``);
   TFLM's greedy plan of it is the baseline.
2. Optionally the operators are put into the topological order with the
   smallest peak of live memory (:mod:`converter.planner.reorder`), written
   back into the flatbuffer.
3. For each candidate order the buffers are placed
   (:mod:`converter.planner.tflm_plan`), the tensors' offsets written as TFLM's
   offline plan, and the result estimated again by the exact arena model
   (which replays TFLM with the offline plan); its plan is checked by an
   independent overlap check.  TFLM's own plan of each order (no offline plan)
   is a candidate too.  The candidate with the smallest required arena wins
   (on a tie: without an offline plan, in the original order), so the result is
   never worse than TFLM's greedy plan.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field

from attendnets_base import __version__
from converter.planner import rewrite
from converter.planner.check import plan_violations
from converter.planner.placement import Buffer
from converter.planner.reorder import best_order
from converter.planner.tflm_plan import (
    OFFLINE_PLAN_METADATA,
    PLAN_INFO_METADATA,
    encode_offline_plan,
    in_place_aliases,
    plan_for_tflm,
    tflm_buffers,
)
from converter.tflm.arena import estimate_arena
from converter.planner.tflm_plan import plan_info
from converter.tflite_model import load_model

TARGETS = {"cortex-m": 4, "host": 8}


@dataclass
class OptimizeResult:
    data: bytes  # the optimized model
    before: object  # ArenaEstimate of the model as given
    greedy: object  # ArenaEstimate of TFLM's own plan (the model without an offline plan)
    after: object  # ArenaEstimate of the optimized model
    lower_bound_bytes: int  # of the optimized model's order
    original_lower_bound_bytes: int  # of the original order
    reordered: bool
    order: list  # the operator order written (old indices)
    order_exact: bool
    method: str
    optimal: bool  # the head is proven smallest for this order
    target: str
    kernels: str
    cmsis_nn_arch: str | None
    seconds: float
    notes: list = field(default_factory=list)

    def rows(self):
        """(label, before, after) rows of the before/after table, bytes."""
        return [
            ("head (memory plan)", self.before.head_bytes, self.after.head_bytes),
            ("tail (persistent)", self.before.tail_bytes, self.after.tail_bytes),
            ("total (arena used)", self.before.total_bytes, self.after.total_bytes),
            ("required arena", self.before.required_bytes, self.after.required_bytes),
            ("lower bound of head", self.original_lower_bound_bytes, self.lower_bound_bytes),
        ]

    def to_dict(self):
        return {
            "target": self.target,
            "kernels": self.kernels,
            "cmsis_nn_arch": self.cmsis_nn_arch,
            "before": _figures(self.before),
            "greedy": _figures(self.greedy),
            "after": _figures(self.after),
            "lower_bound_bytes": self.lower_bound_bytes,
            "original_lower_bound_bytes": self.original_lower_bound_bytes,
            "reordered": self.reordered,
            "order": self.order,
            "order_exact": self.order_exact,
            "method": self.method,
            "optimal": self.optimal,
            "seconds": round(self.seconds, 3),
            "notes": self.notes,
        }


def _figures(est):
    return {"head_bytes": est.head_bytes, "tail_bytes": est.tail_bytes, "total_bytes": est.total_bytes,
            "required_bytes": est.required_bytes}  # fmt: skip


def verify_plan(model, estimate):
    """Raise AssertionError if two planned buffers overlap in lifetime and address (independent check)."""
    buffers = tflm_buffers(estimate)
    plain = [b.buffer for b in buffers]
    bad = plan_violations(plain, [p.offset for p in estimate.tensors], in_place_aliases(model, buffers))
    if bad:
        i, j = bad[0]
        raise AssertionError(f"planned buffers overlap: {buffers[i].name} and {buffers[j].name}")


def optimize_model(data, target="cortex-m", kernels="reference", cmsis_nn_arch="dsp", reorder=True,
                   in_place=True, time_limit_s=2.0):
    """Optimize the memory plan of the model in ``data`` (bytes); see the module docstring."""
    started = time.perf_counter()
    pointer_bytes = TARGETS[target]
    arch = cmsis_nn_arch if kernels == "cmsis-nn" else None
    options = dict(pointer_bytes=pointer_bytes, kernels=kernels, cmsis_nn_arch=cmsis_nn_arch)
    data = bytes(data)
    model = load_model(data)
    before = estimate_arena(model, **options)  # also refuses an invalid offline plan
    stale = {name: None for name in (OFFLINE_PLAN_METADATA, PLAN_INFO_METADATA) if name in model.metadata}
    base = rewrite.set_metadata(data, stale) if stale else data
    base_model = load_model(base)
    greedy = estimate_arena(base_model, **options)
    candidates = [(base, base_model, greedy, list(range(len(base_model.subgraphs[0].operators))), True)]
    notes = []
    order_exact = False
    if reorder:
        result = best_order(base_model, greedy)
        if result.reason:
            notes.append(f"operator order kept: {result.reason}")
        elif result.changed:
            moved = rewrite.permute_operators(base, result.order)
            moved_model = load_model(moved)
            candidates.append((moved, moved_model, estimate_arena(moved_model, **options), result.order, result.exact))
        order_exact = result.exact
    best = None
    original_lower = None
    share = time_limit_s / len(candidates)
    for cand_data, cand_model, cand_est, order, exact in candidates:
        plan = plan_for_tflm(cand_model, cand_est, time_limit_s=share, in_place=in_place)
        if original_lower is None:
            original_lower = plan.lower_bound_bytes
        reordered = order != sorted(order)
        info = {
            "tool": "attendnets optimize",
            "version": __version__,
            "target": target,
            "kernels": kernels,
            "cmsis_nn_arch": arch,
            "head_bytes": plan.head_bytes,
            "greedy_head_bytes": greedy.head_bytes,
            "lower_bound_bytes": plan.lower_bound_bytes,
            "reordered": reordered,
        }
        planned = rewrite.set_metadata(cand_data, {
            OFFLINE_PLAN_METADATA: encode_offline_plan(plan.offline_offsets, len(cand_model.subgraphs)),
            PLAN_INFO_METADATA: json.dumps({**info, "plan": "offline"}, sort_keys=True).encode(),
        })  # fmt: skip
        # TFLM's own plan of this order is a candidate too: the result is never above greedy,
        # and where the offline plan gains nothing the model keeps no offline plan.
        kept = rewrite.set_metadata(cand_data, {
            PLAN_INFO_METADATA: json.dumps({**info, "plan": "greedy", "head_bytes": cand_est.head_bytes},
                                           sort_keys=True).encode(),
        })  # fmt: skip
        for out, has_plan in ((planned, True), (kept, False)):
            out_model = load_model(out)
            after = estimate_arena(out_model, **options)
            verify_plan(out_model, after)
            key = (after.required_bytes, after.head_bytes, has_plan, reordered)
            if best is None or key < best[0]:
                method = plan.placement.method if has_plan else "TFLM's greedy plan kept"
                optimal = plan.placement.optimal if has_plan else after.head_bytes <= plan.lower_bound_bytes
                best = (key, out, after, plan, order, method, optimal)
    _, out, after, plan, order, method, optimal = best
    reordered = order != sorted(order)
    return OptimizeResult(
        data=out,
        before=before,
        greedy=greedy,
        after=after,
        lower_bound_bytes=plan.lower_bound_bytes,
        original_lower_bound_bytes=original_lower,
        reordered=reordered,
        order=order,
        order_exact=order_exact,
        method=method,
        optimal=optimal,
        target=target,
        kernels=kernels,
        cmsis_nn_arch=arch,
        seconds=time.perf_counter() - started,
        notes=notes,
    )


def written_by_us(path):
    """True if ``path`` holds a .tflite that ``attendnets optimize`` wrote (may be replaced)."""
    try:
        return plan_info(load_model(path)) is not None
    except Exception:  # noqa: BLE001 - anything unreadable is not ours
        return False


__all__ = ["Buffer", "OptimizeResult", "optimize_model", "verify_plan", "written_by_us"]
