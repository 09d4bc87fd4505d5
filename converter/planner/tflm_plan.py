"""The buffers of TFLM's memory plan, an optimized placement of them, and TFLM's offline plan format.

``tflm_buffers(estimate)`` takes every buffer TFLM plans (tensors and kernel
scratch buffers) with its lifetime exactly as TFLM's AllocationInfoBuilder
marks it, from :func:`converter.tflm.arena.estimate_arena` (one place computes
them).  ``plan_for_tflm(model, estimate)`` places them with
:func:`converter.planner.placement.place`: tensors go into the offline plan,
scratch buffers stay online (TFLM plans them itself, around the offline
tensors, largest first), so the head found is the head TFLM will use.  The
input and output of an operator TFLM runs in place (RESHAPE: its kernel skips
the copy when both share an address) are placed as one buffer.

The ``OfflineMemoryAllocation`` metadata (tensorflow/lite/micro/docs/
memory_management.md, micro_allocation_info.cc ``GetOfflinePlannedOffsets``):
int32 little endian ``[version 1, number of subgraphs, number of tensors of all
subgraphs, offset of tensor 0, ...]``, offsets from the start of the head, -1
for a tensor TFLM plans at run time (constant tensors and variables here).
"""

from __future__ import annotations

import json
import struct
from dataclasses import dataclass, field

from attendnets_base.errors import InvalidOfflinePlanError
from converter.planner.placement import Buffer, Placement, lower_bound, place
from converter.tflm.memory_planner import IN_PLACE_OPS, ONLINE_PLANNED

OFFLINE_PLAN_METADATA = "OfflineMemoryAllocation"
#: Our marker: which target the plan was made for, and its figures (JSON).
PLAN_INFO_METADATA = "attendnets_plan"
OFFLINE_PLAN_VERSION = 1


def encode_offline_plan(offsets, subgraph_count):
    """The metadata bytes for ``offsets`` (one per tensor of all subgraphs, -1 = online)."""
    return struct.pack(f"<3i{len(offsets)}i", OFFLINE_PLAN_VERSION, subgraph_count, len(offsets), *offsets)


def decode_offline_plan(raw):
    """[offsets] of an OfflineMemoryAllocation buffer (no check of the count against the model)."""
    if len(raw) < 12:
        raise InvalidOfflinePlanError("the OfflineMemoryAllocation metadata is truncated")
    count = struct.unpack_from("<I", raw, 8)[0]
    if len(raw) < 12 + 4 * count:
        raise InvalidOfflinePlanError("the OfflineMemoryAllocation metadata is truncated")
    return list(struct.unpack_from(f"<{count}i", raw, 12))


def plan_info(model):
    """The attendnets_plan marker of a model as a dict, or None (no marker, or not ours)."""
    raw = model.metadata.get(PLAN_INFO_METADATA)
    if raw is None:
        return None
    try:
        info = json.loads(bytes(raw).decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return None
    return info if isinstance(info, dict) and info.get("tool") == "attendnets optimize" else None


def check_plan_target(model, kernels, cmsis_nn_arch="dsp"):
    """Refuse a model whose offline plan attendnets made for another kernel set / CMSIS-NN path.

    The plan places the tensors around the scratch buffers of the kernels it was
    made for; other kernels ask for other scratch buffers, which TFLM then puts
    above the plan.
    """
    info = plan_info(model)
    if info is None or OFFLINE_PLAN_METADATA not in model.metadata:
        return
    want = (kernels, cmsis_nn_arch if kernels == "cmsis-nn" else None)
    made = (info.get("kernels"), info.get("cmsis_nn_arch") if info.get("kernels") == "cmsis-nn" else None)
    if want != made:
        made_text = made[0] + (f"/{made[1]}" if made[1] else "")
        want_text = want[0] + (f"/{want[1]}" if want[1] else "")
        raise InvalidOfflinePlanError(
            f"the model's memory plan was made for {made_text} kernels, not {want_text}; "
            f"run `attendnets optimize` with --kernels {want[0]} on the original model"
        )


def describe_memory_plan(model, kernels, cmsis_nn_arch="dsp"):
    """(one line saying who plans the head, a warning or None) for reports."""
    raw = model.metadata.get(OFFLINE_PLAN_METADATA)
    if raw is None:
        return "TFLM's GreedyMemoryPlanner (no offline plan)", None
    try:
        offsets = decode_offline_plan(raw)
    except InvalidOfflinePlanError as exc:
        return "offline plan (invalid)", str(exc)
    fixed = sum(1 for o in offsets if o != ONLINE_PLANNED)
    text = f"offline plan (OfflineMemoryAllocation: {fixed} tensors at fixed offsets, scratch buffers by TFLM)"
    info = plan_info(model)
    if info:
        made = info.get("kernels", "?") + (f"/{info['cmsis_nn_arch']}" if info.get("cmsis_nn_arch") else "")
        text += f", by attendnets optimize for {info.get('target', '?')} {made} kernels"
    try:
        check_plan_target(model, kernels, cmsis_nn_arch)
    except InvalidOfflinePlanError as exc:
        return text, str(exc)
    return text, None


@dataclass
class TflmBuffer:
    """One buffer of TFLM's plan, in the order the estimator lists them."""

    buffer: Buffer  # size and lifetime in TFLM's allocation scopes
    tensor_index: int  # -1: a scratch buffer
    subgraph: int
    name: str
    online: bool  # TFLM places it at run time (scratch buffers)


def tflm_buffers(estimate):
    """Every buffer of the estimate's memory plan, with TFLM's lifetimes."""
    return [
        TflmBuffer(
            buffer=Buffer(p.size, p.first_time_used, p.last_time_used),
            tensor_index=p.tensor_index,
            subgraph=p.subgraph,
            name=p.name,
            online=p.tensor_index < 0,
        )
        for p in estimate.tensors
    ]


def in_place_aliases(model, buffers):
    """Pairs (i, j) of buffer indices that may share an address: input and output of an IN_PLACE_OPS operator."""
    where = {(b.subgraph, b.tensor_index): k for k, b in enumerate(buffers) if b.tensor_index >= 0}
    pairs = []
    for sg in model.subgraphs:
        for op in sg.operators:
            if op.name not in IN_PLACE_OPS or not op.inputs or not op.outputs:
                continue
            a, b = where.get((sg.index, op.inputs[0])), where.get((sg.index, op.outputs[0]))
            if a is not None and b is not None and buffers[a].buffer.size_bytes == buffers[b].buffer.size_bytes:
                pairs.append((a, b))
    return pairs


@dataclass
class TflmPlan:
    offline_offsets: list  # one per tensor of all subgraphs, -1 = online
    placement: Placement  # over the merged buffers
    head_bytes: int  # the head TFLM will use with this plan (scratch buffers placed by TFLM)
    lower_bound_bytes: int
    greedy_head_bytes: int  # TFLM's own plan of the same buffers
    buffers: list = field(default_factory=list)  # TflmBuffer
    offsets: list = field(default_factory=list)  # per buffer of ``buffers``
    aliases: list = field(default_factory=list)


def plan_for_tflm(model, estimate, time_limit_s=2.0, in_place=True):
    """An offline plan for ``model`` whose head is at most the greedy one (see the module docstring)."""
    buffers = tflm_buffers(estimate)
    aliases = in_place_aliases(model, buffers) if in_place else []
    # Merge alias groups (union-find) into one buffer each.
    parent = list(range(len(buffers)))

    def find(i):
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for a, b in aliases:
        parent[find(b)] = find(a)
    groups = {}
    for k in range(len(buffers)):
        groups.setdefault(find(k), []).append(k)
    merged, members = [], []
    for root in sorted(groups):
        ks = groups[root]
        merged.append(
            Buffer(
                max(buffers[k].buffer.size_bytes for k in ks),
                min(buffers[k].buffer.first_op for k in ks),
                max(buffers[k].buffer.last_op for k in ks),
            )
        )
        members.append(ks)
    online = [m for m, ks in enumerate(members) if buffers[ks[0]].online]
    placement = place(merged, time_limit_s=time_limit_s, online=online)
    offsets = [0] * len(buffers)
    for m, ks in enumerate(members):
        for k in ks:
            offsets[k] = placement.offsets[m]
    base, starts = 0, {}
    for sg in model.subgraphs:
        starts[sg.index] = base
        base += len(sg.tensors)
    offline = [ONLINE_PLANNED] * base
    for k, b in enumerate(buffers):
        if b.tensor_index >= 0:
            offline[starts[b.subgraph] + b.tensor_index] = offsets[k]
    return TflmPlan(
        offline_offsets=offline,
        placement=placement,
        head_bytes=placement.head_bytes,
        lower_bound_bytes=lower_bound(merged),
        greedy_head_bytes=estimate.head_bytes,
        buffers=buffers,
        offsets=offsets,
        aliases=aliases,
    )
