"""The compiled runtime's support table (codegen/compiled/support.py) against the code and the docs.

- the table's operators are exactly the registered lowerings' (both directions);
- every kernel file it names exists;
- docs/compiled_support.md is the table's rendering (regenerate: python -m codegen.compiled.support);
- for the elementwise operators (one activation in and out, or two in one out) every type combination of
  int8/int16/int32/int64/float32 is lowered by the driver on a builder model exactly when the table lists it;
- every other listed (operator, types) lowers on a builder model (table -> code);
- the driver refuses a kernel whose types its row does not list (code -> table, enforced);
- a refusal (check's compiled column, generate's error, report) quotes or points at the table.
"""

from __future__ import annotations

from itertools import product
from pathlib import Path

import numpy as np
import pytest

from codegen.compiled.lower import load_lowerings, operator_support
from codegen.compiled.support import SUPPORT, describe, markdown, row_of, supported_operators
from converter.tflite_model import load_model
from firmware_template import KERNELS_DIR
from tflite_builder import ModelBuilder

ROOT = Path(__file__).resolve().parents[1]
DTYPES = ("int8", "int16", "int32", "int64", "float32")
QUANT = {"int8": dict(scale=0.05, zero_point=0), "int16": dict(scale=0.001, zero_point=0),
         "int32": dict(), "int64": dict(), "float32": dict()}
# operators whose lowering takes TFLM's fixed output quantization for int8
FIXED_OUTPUT = {"LOGISTIC": dict(scale=1 / 256, zero_point=-128), "TANH": dict(scale=1 / 128, zero_point=0)}
# ... and for int16 (Q0.15, zero point 0)
FIXED_OUTPUT_16 = {"LOGISTIC": dict(scale=1 / 32768, zero_point=0), "TANH": dict(scale=1 / 32768, zero_point=0)}
UNARY = ("LOGISTIC", "TANH", "RELU", "RELU6", "HARD_SWISH", "QUANTIZE", "DEQUANTIZE", "ABS", "RSQRT", "NEG", "SQRT",
         "SQUARE", "EXP", "LOG", "SIN", "COS", "L2_NORMALIZATION", "FLOOR", "CEIL", "ROUND")
# QUANTIZE / DEQUANTIZE are probed with uint8 too, and with quantized int32 (TFLM requantizes int32 <-> int8/int16)
CONVERSIONS = ("QUANTIZE", "DEQUANTIZE")
CONVERSION_QUANT = {"uint8": dict(scale=0.05, zero_point=128), "int32": dict(scale=0.0001, zero_point=0)}
BINARY = ("ADD", "SUB", "MUL", "MAXIMUM", "MINIMUM", "DIV", "SQUARED_DIFFERENCE", "FLOOR_DIV", "FLOOR_MOD")


def test_table_operators_are_the_lowerings():
    assert set(supported_operators()) == set(load_lowerings())
    assert len(supported_operators()) == len(set(supported_operators())), "an operator in two rows"


def test_table_kernel_files_exist():
    for row in SUPPORT:
        for kernel in row.kernels:
            assert (KERNELS_DIR / kernel).is_file(), kernel


def test_docs_are_the_table():
    doc = ROOT / "docs" / "compiled_support.md"
    assert doc.read_text() == markdown(), "regenerate: python -m codegen.compiled.support"


def _model(name, in_dtype, out_dtype, n_inputs, y_quant=None):
    b = ModelBuilder()
    quant = {**QUANT, **CONVERSION_QUANT} if name in CONVERSIONS else QUANT
    xs = [b.tensor(f"x{k}", (2, 8), in_dtype, **quant[in_dtype]) for k in range(n_inputs)]
    fixed = {"int8": FIXED_OUTPUT, "int16": FIXED_OUTPUT_16}.get(out_dtype, {})
    y_quant = y_quant or fixed.get(name, quant[out_dtype])
    y = b.tensor("y", (2, 8), out_dtype, **y_quant)
    options = {"type": name.lower()} if name in ("ADD", "SUB", "MUL") else None
    b.op(name, xs, [y], options=options)
    return b.build(inputs=xs, outputs=[y])


@pytest.mark.parametrize("name", UNARY + BINARY)
def test_elementwise_types_lower_exactly_as_the_table_says(name):
    listed = set(row_of(name).types)
    lowered = set()
    dtypes = DTYPES + ("uint8",) if name in CONVERSIONS else DTYPES
    for in_dtype, out_dtype in product(dtypes, dtypes):
        model = load_model(_model(name, in_dtype, out_dtype, 2 if name in BINARY else 1))
        (_sg, _index, _name, reason), = operator_support(model)
        if reason is None:
            lowered.add(f"{in_dtype} -> {out_dtype}")
        elif f"{in_dtype} -> {out_dtype}" in listed:
            pytest.fail(f"{name} {in_dtype} -> {out_dtype} is in the table but refused: {reason}")
    assert lowered == listed


def test_refusal_quotes_the_table():
    model = load_model(_model("LOGISTIC", "int16", "int16", 1, QUANT["int16"]))  # output scale not 2^-15
    (_sg, _index, _name, reason), = operator_support(model)
    assert reason is not None and describe("LOGISTIC") in reason
    b = ModelBuilder()
    x = b.tensor("x", (2, 8), "float32")
    y = b.tensor("y", (2, 8), "float32")
    b.op("CUSTOM", [x], [y], custom_code="NoSuchKernel")
    (_sg, _index, _name, reason), = operator_support(load_model(b.build(inputs=[x], outputs=[y])))
    assert reason == "no kernel" and row_of("NoSuchKernel") is None


def test_check_and_report_point_at_the_table(tmp_path, cli):
    import json

    from codegen.compiled.support import SUPPORT_DOC

    path = tmp_path / "m.tflite"
    path.write_bytes(_model("LOGISTIC", "int16", "int16", 1, QUANT["int16"]))  # output scale not 2^-15
    doc = json.loads(cli("check", path, "--json").stdout)
    assert describe("LOGISTIC") in doc["compiled"]["operators"][0]["reason"]  # the column quotes the table
    assert f"what it supports: {SUPPORT_DOC}" in cli("check", path).stdout
    result = cli("report", path, "--runtime", "both")
    assert f"what it supports: {SUPPORT_DOC}" in result.stdout, result.stdout


def _pack_model():
    b = ModelBuilder()
    xs = [b.tensor(f"x{k}", (2, 3), "int8", scale=0.05, zero_point=0) for k in range(2)]
    y = b.tensor("y", (2, 2, 3), "int8", scale=0.05, zero_point=0)
    b.op("PACK", xs, [y], options={"type": "pack", "axis": 0, "values_count": 2})
    return b.build(inputs=xs, outputs=[y])


def _transpose_model(dtype):
    b = ModelBuilder()
    x = b.tensor("x", (2, 3, 4), dtype, **QUANT[dtype])
    p = b.tensor("perm", (3,), "int32", data=np.array([2, 0, 1], np.int32).tobytes())
    y = b.tensor("y", (4, 2, 3), dtype, **QUANT[dtype])
    b.op("TRANSPOSE", [x, p], [y], version=2)
    return b.build(inputs=[x], outputs=[y])


def _slice_model(dtype):
    b = ModelBuilder()
    x = b.tensor("x", (4, 6), dtype, **QUANT[dtype])
    ts = [b.tensor(n, (2,), "int32", data=np.array(v, np.int32).tobytes())
          for n, v in (("begin", (1, 0)), ("end", (3, 6)), ("strides", (1, 2)))]
    y = b.tensor("y", (2, 3), dtype, **QUANT[dtype])
    b.op("STRIDED_SLICE", [x, *ts], [y], version=2, options={"type": "strided_slice"})
    return b.build(inputs=[x], outputs=[y])


def _data_op_models():
    """BATCH_MATMUL, TRANSPOSE_CONV, CAST, comparisons, SELECT_V2, GATHER/GATHER_ND, SPLIT/SPLIT_V/UNPACK and PACK (tests/test_compiled_data_ops.py)."""
    from test_compiled_data_ops import (cast_model, comparison_model, gather_model, gather_nd_model, pack_model,
                                        select_model, split_model)

    from test_compiled_matmul import matmul_model, tconv_model

    models = {}
    for dtype in ("int8", "int16", "float32"):
        models[("BATCH_MATMUL", f"{dtype} -> {dtype}")] = lambda d=dtype: matmul_model(d, (2, 3), (3, 2), (2, 2))
        models[("TRANSPOSE_CONV", f"int32 -> {dtype}")] = lambda d=dtype: tconv_model(d, (1, 2, 2, 1), 2, (2, 2),
                                                                                    (2, 2), "SAME")
    for src in ("int8", "int16", "int32", "uint32", "float32", "bool"):
        for dst in ("int8", "int16", "int32", "uint32", "float32", "bool"):
            models[("CAST", f"{src} -> {dst}")] = lambda a=src, b=dst: cast_model(a, b)
    for dtype in ("int8", "int32", "int64", "float32", "bool"):
        names = ("EQUAL", "NOT_EQUAL") if dtype == "bool" else ("EQUAL", "LESS")
        for name in names:
            models[(name, f"{dtype} -> bool")] = lambda n=name, d=dtype: comparison_model(n, d, (2, 3), (3,), (2, 3))
    for dtype in ("int8", "int16", "float32"):
        models[("SELECT_V2", f"bool -> {dtype}")] = lambda d=dtype: select_model("SELECT_V2", d, (3,), (2, 3), (3,),
                                                                               (2, 3))
    for dtype in ("int8", "float32"):
        models[("GATHER", f"{dtype} -> {dtype}")] = lambda d=dtype: gather_model(d, (4, 3), (2,), 0)
        models[("GATHER_ND", f"{dtype} -> {dtype}")] = lambda d=dtype: gather_nd_model(d, (4, 3), (2, 1))
    for dtype in ("int8", "int16", "int32", "float32"):
        models[("SPLIT", f"int32 -> {dtype}")] = lambda d=dtype: split_model("SPLIT", d, (2, 4), 1, [2, 2])
        models[("SPLIT_V", f"{dtype} -> {dtype}")] = lambda d=dtype: split_model("SPLIT_V", d, (2, 5), 1, [2, 3])
        models[("UNPACK", f"{dtype} -> {dtype}")] = lambda d=dtype: split_model("UNPACK", d, (2, 3), 0, [1, 1])
    for dtype in ("int16", "int32", "int64", "float32"):
        models[("PACK", f"{dtype} -> {dtype}")] = lambda d=dtype: pack_model(d, (2, 3), 2, 1)
    return models


def _concat_model(dtype):
    b = ModelBuilder()
    xs = [b.tensor(f"x{k}", (2, k + 1), dtype) for k in range(2)]
    y = b.tensor("y", (2, 3), dtype)
    b.op("CONCATENATION", xs, [y], options={"type": "concatenation", "axis": 1})
    return b.build(inputs=xs, outputs=[y])


def _row_models():
    """A builder model per (operator, listed type combination) of the rows the elementwise probe does not
    cover (the helpers the kernels' own tests use)."""
    from test_compiled_conv import conv_model, depthwise_model, pool_model
    from test_compiled_fc_wide import f32_model, s16_model
    from test_compiled_lstm import float_lstm_model, lstm_model
    from test_compiled_movement import concat_model, pad_model, resize_model
    from test_compiled_softmax_f32 import softmax_model as softmax_f32_model
    from test_compiled_softmax_reduce import reduce_model, softmax_model
    from test_compiled_state import svdf_model

    from tflite_builder import int8_fc_model

    q = (0.05, 0)
    models = {
        ("CONV_2D", "int8 -> int8"): conv_model,
        ("DEPTHWISE_CONV_2D", "int8 -> int8"): depthwise_model,
        ("FULLY_CONNECTED", "int8 -> int8"): int8_fc_model,
        ("FULLY_CONNECTED", "int16 -> int16"): s16_model,
        ("FULLY_CONNECTED", "float32 -> float32"): f32_model,
        ("UNIDIRECTIONAL_SEQUENCE_LSTM", "int8 -> int8"): lstm_model,
        ("UNIDIRECTIONAL_SEQUENCE_LSTM", "int16 -> int16"): lambda: lstm_model(act="int16"),
        ("UNIDIRECTIONAL_SEQUENCE_LSTM", "float32 -> float32"): float_lstm_model,
        ("SVDF", "int8 -> int8"): lambda: svdf_model("s16"),
        ("SVDF", "float32 -> float32"): lambda: svdf_model("f32"),
        ("AVERAGE_POOL_2D", "int8 -> int8"): lambda: pool_model("AVERAGE_POOL_2D"),
        ("MAX_POOL_2D", "int8 -> int8"): lambda: pool_model("MAX_POOL_2D"),
        ("MEAN", "int8 -> int8"): lambda: reduce_model("MEAN", (1, 4, 4, 3), [1, 2], True, q, q),
        ("SUM", "int8 -> int8"): lambda: reduce_model("SUM", (1, 4, 4, 3), [1, 2], True, q, (0.5, 0)),
        ("SOFTMAX", "int8 -> int8"): lambda: softmax_model((1, 4), (0.1, 0), 1.0),
        ("SOFTMAX", "int8 -> int16"): lambda: softmax_model((1, 4), (0.1, 0), 1.0, out16=True),
        ("SOFTMAX", "float32 -> float32"): lambda: softmax_f32_model((1, 4), 1.0),
        ("RESIZE_NEAREST_NEIGHBOR", "int8 -> int8"): lambda: resize_model((1, 3, 3, 2), (6, 6)),
        ("PAD", "int8 -> int8"): lambda: pad_model((1, 3, 3, 2), [[0, 0], [1, 1], [1, 1], [0, 0]]),
        ("CONCATENATION", "int8 -> int8"): lambda: concat_model([(1, 2), (1, 3)], 1),
        ("PACK", "int8 -> int8"): _pack_model,
    }
    models.update(_data_op_models())
    from test_compiled_softmax_reduce_wide import reduce_model as wide_reduce_model
    from test_compiled_softmax_reduce_wide import softmax16_model
    from test_compiled_resize_pad_wide import pad_model as wide_pad_model
    from test_compiled_resize_pad_wide import resize_model as wide_resize_model
    for dtype in ("int16", "int32", "float32"):
        models[("PAD", f"{dtype} -> {dtype}")] = lambda d=dtype: wide_pad_model(d, (1, 3, 3, 2),
                                                                                [[0, 0], [1, 1], [1, 1], [0, 0]])
    for dtype in ("int16", "float32"):
        models[("RESIZE_NEAREST_NEIGHBOR", f"{dtype} -> {dtype}")] = lambda d=dtype: wide_resize_model(
            d, (1, 3, 3, 2), (6, 6))
    models[("SOFTMAX", "int16 -> int16")] = lambda: softmax16_model((1, 4), 0.001, 1.0)
    for op in ("MEAN", "SUM"):
        models[(op, "int16 -> int16")] = lambda o=op: wide_reduce_model(o, "int16", (1, 4, 4, 3), [1, 2], True,
                                                                        (0.001, 0), (0.001, 0))
        models[(op, "float32 -> float32")] = lambda o=op: wide_reduce_model(o, "float32", (1, 4, 4, 3), [1, 2], True)
    from signal_models import signal_row_models
    models.update(signal_row_models())
    from test_compiled_reductions import support_row_models as reduction_models
    models.update(reduction_models())
    from test_compiled_rounding_logic import support_row_models as logical_models
    models.update(logical_models())
    from test_compiled_resize_bilinear import support_row_models as bilinear_models
    models.update(bilinear_models())
    from test_compiled_rearrange import rearrange_row_models
    models.update(rearrange_row_models())
    from test_compiled_log_softmax import support_row_models as log_softmax_models
    models.update(log_softmax_models())
    from test_compiled_accumulate import support_row_models as accumulate_models
    models.update(accumulate_models())
    from test_compiled_l2_pool import support_row_models as l2_pool_models
    models.update(l2_pool_models())
    from test_compiled_circular_buffer import circular_buffer_model
    models[("CIRCULAR_BUFFER", "int8 -> int8")] = circular_buffer_model
    from test_compiled_detection import detection_model
    models[("TFLite_Detection_PostProcess", "float32 -> float32")] = detection_model
    for dtype in ("int16", "int32", "uint32", "float32", "int64"):
        models[("CONCATENATION", f"{dtype} -> {dtype}")] = lambda d=dtype: _concat_model(d)
    from test_compiled_math import prelu_model
    for dtype in ("int8", "int16", "float32"):
        models[("PRELU", f"{dtype} -> {dtype}")] = lambda d=dtype: prelu_model(d)
    for dtype in ("int8", "int16", "int32", "float32"):
        models[("TRANSPOSE", f"{dtype} -> {dtype}")] = lambda d=dtype: _transpose_model(d)
        models[("STRIDED_SLICE", f"{dtype} -> {dtype}")] = lambda d=dtype: _slice_model(d)
    from test_compiled_conv_wide import conv_model as wide_conv_model
    from test_compiled_pool_wide import wide_pool_model
    for dtype in ("int16", "float32"):
        models[("CONV_2D", f"{dtype} -> {dtype}")] = lambda d=dtype: wide_conv_model(d)
        models[("DEPTHWISE_CONV_2D", f"{dtype} -> {dtype}")] = lambda d=dtype: wide_conv_model(d, depthwise=True)
        for pool in ("AVERAGE_POOL_2D", "MAX_POOL_2D"):
            models[(pool, f"{dtype} -> {dtype}")] = lambda d=dtype, k=pool: wide_pool_model(k, d)
    return models


def test_every_table_row_lowers_on_a_builder_model():
    """Table -> code: each listed (operator, types) of the rows the elementwise probe leaves out lowers."""
    models = _row_models()
    probed = set(UNARY + BINARY)
    # operators sharing a row share a lowering; one model per listed type of the row is enough
    wanted = {(row.operators, t) for row in SUPPORT for t in row.types if not probed & set(row.operators)}
    covered = {(row_of(name).operators, t) for name, t in models}
    assert wanted <= covered, f"rows with no model here: {sorted(wanted - covered)}"
    for (name, types), factory in models.items():
        model = load_model(factory())
        sg = model.main_subgraph
        rows = [(index, reason) for g, index, op_name, reason in operator_support(model)
                if g == 0 and op_name == name]
        assert rows, name
        for index, reason in rows:
            op = sg.operators[index]
            seen = f"{sg.tensor(op.inputs[0]).dtype} -> {sg.tensor(op.outputs[0]).dtype}"
            assert seen == types, (name, seen, types)
            assert reason is None, (name, types, reason)


def test_driver_refuses_types_the_table_does_not_list(monkeypatch):
    """Code -> table, enforced: a kernel the lowering would run is refused when its row lacks the types."""
    import codegen.compiled.support as support

    model = load_model(_model("MAXIMUM", "int16", "int16", 2))
    assert operator_support(model)[0][3] is None
    narrowed = tuple(row if "MAXIMUM" not in row.operators else
                     support.SupportRow(row.operators, ("int8 -> int8",), row.kernels, row.notes)
                     for row in support.SUPPORT)
    monkeypatch.setattr(support, "SUPPORT", narrowed)
    reason = operator_support(model)[0][3]
    assert reason is not None and "int16 -> int16 is not in the support table" in reason
