"""The validation loop: stream inputs to the firmware, compare with the tflite-micro interpreter, measure.

``run_validation(session, model_data, inputs, ...)`` sends every input of an :class:`InputSet`,
compares each OUTPUT byte for byte with the ``tflite-micro`` Python interpreter's output for the
same input, and collects cycles (and per-operator cycles). Ctrl-C ends the loop: what was
measured so far is returned, marked ``interrupted``. :func:`summarize` turns it into the one
dict the text, JSON and HTML writers share.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from attendnets_base.errors import BadInputError
from attendnets_base.fsutil import atomic_output_file
from codegen.context import tensor_info
from converter.report.macs import model_macs
from validation.float_reference import predicted_outputs
from validation.metrics import classification_report, output_metrics

MAX_SAVED_MISMATCHES = 5
MIB = 1 << 20


class Reference:
    """The tflite-micro interpreter (reference kernels) on the host: raw output bytes per input."""

    def __init__(self, model_data: bytes, input_infos, output_infos):
        from tflite_micro.python.tflite_micro import runtime

        self.interpreter = runtime.Interpreter.from_bytes(model_data, arena_size=64 * MIB)
        self.input_infos = input_infos
        self.output_infos = output_infos

    def outputs(self, flat_inputs) -> list[np.ndarray]:
        """``flat_inputs``: one flat array per input tensor (or the one input's array)."""
        if isinstance(flat_inputs, np.ndarray):
            flat_inputs = [flat_inputs]
        for i, (x, info) in enumerate(zip(flat_inputs, self.input_infos)):
            self.interpreter.set_input(x.reshape(info["shape"]), i)
        self.interpreter.invoke()
        return [np.asarray(self.interpreter.get_output(i)).reshape(-1) for i in range(len(self.output_infos))]


def split_outputs(raw: bytes, output_infos) -> list[np.ndarray]:
    out, offset = [], 0
    for info in output_infos:
        dtype = np.dtype(info["dtype"]).newbyteorder("<")
        out.append(np.frombuffer(raw, dtype=dtype, count=info["num_elements"], offset=offset))
        offset += info["size_bytes"]
    return out


@dataclass
class Record:
    sequence: int
    cycles: int
    op_cycles: tuple
    bit_exact: bool
    max_abs_diff: float
    device_class: int | None
    reference_class: int | None
    label: int | None


@dataclass
class ValidationRun:
    hello: object
    records: list = field(default_factory=list)
    requested: int = 0
    interrupted: bool = False
    saved_mismatches: list = field(default_factory=list)
    retried_frames: int = 0
    device_outputs: list = field(default_factory=list)  # per input, the device's output arrays (for the metrics)


def run_validation(session, model_data: bytes, model, inputs, mismatch_dir=None, progress=None) -> ValidationRun:
    """``progress``: called with 1 after each input (a progress bar's update)."""
    sg = model.main_subgraph
    if len(inputs.more_inputs) + 1 != len(sg.inputs):
        raise BadInputError(f"the data has {len(inputs.more_inputs) + 1} input array(s); the model {len(sg.inputs)}")
    input_infos = [tensor_info(sg.tensor(i), "input", n) for n, i in enumerate(sg.inputs)]
    output_infos = [tensor_info(sg.tensor(i), "output", n) for n, i in enumerate(sg.outputs)]
    reference = Reference(model_data, input_infos, output_infos)
    classify = output_infos[0]["num_elements"] > 1
    run = ValidationRun(session.hello, requested=len(inputs.inputs))
    try:
        for seq in range(len(inputs.inputs)):
            x = inputs.sample(seq)
            out = session.infer(seq, [t.tobytes() for t in x])
            device = split_outputs(out.data, output_infos)
            expected = reference.outputs(x)
            exact = all(d.tobytes() == np.ascontiguousarray(e, d.dtype).tobytes() for d, e in zip(device, expected))
            diff = max(float(np.max(np.abs(d.astype(np.float64) - e.astype(np.float64)))) if d.size else 0.0
                       for d, e in zip(device, expected))
            label = int(inputs.labels[seq]) if inputs.labels is not None else None
            run.device_outputs.append([d.copy() for d in device])
            run.records.append(Record(seq, out.cycles, out.op_cycles, exact, diff,
                                      int(np.argmax(device[0])) if classify else None,
                                      int(np.argmax(expected[0])) if classify else None, label))
            if not exact and mismatch_dir is not None and len(run.saved_mismatches) < MAX_SAVED_MISMATCHES:
                run.saved_mismatches.append(save_mismatch(mismatch_dir, seq, x, device, expected, label))
            if progress is not None:
                progress(1)
    except KeyboardInterrupt:
        run.interrupted = True
    run.retried_frames = session.retried
    return run


def save_mismatch(folder, seq, x, device, expected, label) -> str:
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"mismatch_{seq:05d}.npz"
    # input 0 as "input", further inputs as "input1", "input2", ...
    arrays = {"input": x[0], "label": np.array(-1 if label is None else label)}
    arrays.update({f"input{i}": t for i, t in enumerate(x[1:], start=1)})
    for i, (d, e) in enumerate(zip(device, expected)):
        arrays[f"device_output{i}"] = d
        arrays[f"reference_output{i}"] = e
    with atomic_output_file(path) as tmp:
        with open(tmp, "wb") as f:
            np.savez(f, **arrays)
    return str(path)


def _stats(values):
    if not values:
        return None
    return {"min": min(values), "median": statistics.median(values), "max": max(values)}


def modelled_timing(run: ValidationRun, timing) -> tuple[dict | None, list]:
    """The timing model's figures (codegen.runners.cycle_model.QemuTiming after QEMU exited): a
    summary dict and, per inference, its cycle_model.Invocation (empty when not attributable)."""
    if timing is None:
        return None, []
    invocations = timing.invocations()
    n = len(run.records)
    if invocations is None or not n or not n <= len(invocations) <= n + 1:
        seen = "no result" if invocations is None else f"{len(invocations)} inferences"
        return {"note": f"timing model: {seen} for {n} inputs; no modelled figures"}, []
    invocations = invocations[:n]
    instructions = [inv.total.instructions for inv in invocations]
    cycles = [inv.total.cycles for inv in invocations]
    note = (f"counted by the timing-model plugin between the platform_cycles() calls around model_invoke(); "
            f"docs/timing.md")
    if timing.reason:
        note += f"; no cycle figure: {timing.reason}"
    return {"instructions_label": "instructions (QEMU)", "instructions": _stats(instructions),
            "cycles_label": None if timing.reason else timing.settings.cycles_label,
            "cycles": None if timing.reason else _stats(cycles), "note": note}, invocations


def summarize(run: ValidationRun, model, model_path, board, runtime, transport_name, data_source,
              emulated: bool, timing=None, inputs=None, float_reference=None) -> dict:
    """Everything the report shows, JSON-able. Under QEMU (``emulated``) the SysTick ticks become
    instructions: ``-icount shift=0`` retires one instruction per virtual ns. ``timing``: the
    Cortex-M4 timing model that rode on the QEMU run (codegen.runners.cycle_model.QemuTiming).
    ``inputs``: the InputSet sent (class names and input names for the classification report);
    ``float_reference``: ``(outputs, description)`` of the float model on the same inputs
    (validation.float_reference), compared with the device's outputs by ST's metrics."""
    hello = run.hello
    n = len(run.records)
    ticks_to_unit = (1e9 / hello.clock_hz) if emulated else 1.0
    unit = "instructions" if emulated else "cycles"
    counter = "DWT CYCCNT" if hello.cycle_counter == "dwt" else "SysTick"
    if emulated:
        unit_note = (f"QEMU -icount shift=0: one instruction per virtual ns; {counter} ticks at "
                     f"{hello.clock_hz / 1e6:g} MHz x {ticks_to_unit:g} = instructions (resolution "
                     f"{ticks_to_unit:g} instructions), not cycles")
    else:
        unit_note = f"{counter} at {hello.clock_hz / 1e6:g} MHz"
    totals = [r.cycles * ticks_to_unit for r in run.records]
    latency = _stats(totals)
    if latency is not None:
        latency["ms"] = {k: v / ticks_to_unit / hello.clock_hz * 1e3 for k, v in latency.items()}
    exact = sum(r.bit_exact for r in run.records)
    labelled = [r for r in run.records if r.label is not None and r.device_class is not None]
    accuracy = None
    if labelled:
        accuracy = {"images": len(labelled),
                    "device_int8": sum(r.device_class == r.label for r in labelled) / len(labelled),
                    "host_int8": sum(r.reference_class == r.label for r in labelled) / len(labelled),
                    "float": None,
                    "float_note": "float accuracy needs the Keras model: attendnets evaluate"}
    modelled, invocations = modelled_timing(run, timing)
    if modelled and modelled.get("cycles") and latency is not None:
        modelled["ms_at_board_clock"] = modelled["cycles"]["median"] / hello.clock_hz * 1e3
    profile = None
    if hello.profile and run.records and run.records[0].op_cycles:
        sg = model.main_subgraph
        macs = model_macs(model)
        per_op = list(zip(*[r.op_cycles for r in run.records]))
        ops = []
        for i, values in enumerate(per_op):
            med = statistics.median(values) * ticks_to_unit
            name = sg.operators[i].name if i < len(sg.operators) else f"op {i}"
            m = macs[i] if i < len(macs) else 0
            op = {"index": i, "name": name, unit: med, "macs": m, f"macs_per_{unit[:-1]}": (m / med) if med else None}
            if invocations and all(len(inv.operators) == len(per_op) for inv in invocations):
                op["model_instructions"] = statistics.median(inv.operators[i].instructions for inv in invocations)
                if modelled.get("cycles"):
                    op["model_cycles"] = statistics.median(inv.operators[i].cycles for inv in invocations)
                    op["macs_per_model_cycle"] = m / op["model_cycles"] if op["model_cycles"] else None
            ops.append(op)
        op_sum = sum(o[unit] for o in ops)
        total_median = latency["median"]
        ops_total = sum(o[unit] for o in ops)
        for o in ops:
            o["share"] = o[unit] / ops_total if ops_total else 0.0
        overhead_bound = len(ops) * (hello.hook_cycles + 1) * ticks_to_unit + 2 * ticks_to_unit
        profile = {"operators": ops, "sum": op_sum, "total_median": total_median,
                   "unaccounted": total_median - op_sum,
                   "hook_pair": hello.hook_cycles * ticks_to_unit,
                   "overhead_bound": overhead_bound,
                   "within_overhead": 0 <= total_median - op_sum <= overhead_bound,
                   "note": (f"per operator: median over the inputs; every operator is wrapped in two counter "
                            f"reads, one empty begin/end pair costs {hello.hook_cycles * ticks_to_unit:g} {unit}; "
                            f"the total minus the operators' sum (runtime glue + hooks) is within "
                            f"{len(ops)} x (pair + 1 tick) + 2 ticks = {overhead_bound:g} {unit}")}
    mismatches = [r.sequence for r in run.records if not r.bit_exact]

    classification = classification_report([r.label for r in run.records], [r.device_class for r in run.records],
                                           list(inputs.class_names) if inputs is not None else [],
                                           list(inputs.names) if inputs is not None else [])
    float_comparison = None
    if float_reference is not None and run.records:
        reference, description = float_reference
        labels = None
        if all(r.label is not None for r in run.records):
            labels = np.array([r.label for r in run.records])
        predicted = predicted_outputs(run, model)
        float_comparison = {
            "reference": description,
            "definitions": "ST Edge AI Core's validate metrics; P = device outputs dequantized, R = float model, "
                           "e = P - R over every element of every input (docs/validate.md)",
            "outputs": [output_metrics(p, ref[:n], labels) for p, ref in zip(predicted, reference)],
        }
        if accuracy is not None and float_comparison["outputs"][0]["acc_reference"] is not None:
            accuracy["float"] = float_comparison["outputs"][0]["acc_reference"]
            accuracy["float_note"] = f"the float model: {description}"
    return {
        "model": str(model_path),
        "board": board.name,
        "runtime": runtime,
        "transport": transport_name,
        "data": data_source,
        "requested": run.requested,
        "inputs": n,
        "interrupted": run.interrupted,
        "retried_frames": run.retried_frames,
        "firmware": {"runtime": hello.runtime, "arena_bytes": hello.arena_bytes, "clock_hz": hello.clock_hz,
                     "cycle_counter": hello.cycle_counter, "profile": hello.profile,
                     "model_hash": hello.model_hash.hex()},
        "bit_exact": {"matching": exact, "inputs": n, "all": exact == n and n > 0,
                      "max_abs_diff": max((r.max_abs_diff for r in run.records), default=0.0),
                      "mismatching_inputs": mismatches[:50], "saved": run.saved_mismatches},
        "accuracy": accuracy,
        "classification": classification,
        "float_comparison": float_comparison,
        "latency": latency and {"unit": unit, "note": unit_note, **latency},
        "modelled": modelled,
        "profile": profile,
    }
