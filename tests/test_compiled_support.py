"""The compiled runtime's support table (codegen/compiled/support.py) against the code and the docs.

- the table's operators are exactly the registered lowerings' (both directions);
- every kernel file it names exists;
- docs/compiled_support.md is the table's rendering (regenerate: python -m codegen.compiled.support);
- for the elementwise operators (one activation in and out, or two in one out) every type combination of
  int8/int16/int32/float32 is lowered by the driver on a builder model exactly when the table lists it;
- a refusal (check's compiled column, generate's error) quotes the table.
"""

from __future__ import annotations

from itertools import product
from pathlib import Path

import pytest

from codegen.compiled.lower import load_lowerings, operator_support
from codegen.compiled.support import SUPPORT, describe, markdown, row_of, supported_operators
from converter.tflite_model import load_model
from firmware_template import KERNELS_DIR
from tflite_builder import ModelBuilder

ROOT = Path(__file__).resolve().parents[1]
DTYPES = ("int8", "int16", "int32", "float32")
QUANT = {"int8": dict(scale=0.05, zero_point=0), "int16": dict(scale=0.001, zero_point=0),
         "int32": dict(), "float32": dict()}
# operators whose lowering takes TFLM's fixed output quantization for int8
FIXED_OUTPUT = {"LOGISTIC": dict(scale=1 / 256, zero_point=-128), "TANH": dict(scale=1 / 128, zero_point=0)}
UNARY = ("LOGISTIC", "TANH", "RELU", "RELU6", "HARD_SWISH", "QUANTIZE", "DEQUANTIZE")
BINARY = ("ADD", "SUB", "MUL", "MAXIMUM", "MINIMUM")


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


def _model(name, in_dtype, out_dtype, n_inputs):
    b = ModelBuilder()
    xs = [b.tensor(f"x{k}", (2, 8), in_dtype, **QUANT[in_dtype]) for k in range(n_inputs)]
    y_quant = FIXED_OUTPUT.get(name, QUANT[out_dtype]) if out_dtype == "int8" else QUANT[out_dtype]
    y = b.tensor("y", (2, 8), out_dtype, **y_quant)
    options = {"type": name.lower()} if name in ("ADD", "SUB", "MUL") else None
    b.op(name, xs, [y], options=options)
    return b.build(inputs=xs, outputs=[y])


@pytest.mark.parametrize("name", UNARY + BINARY)
def test_elementwise_types_lower_exactly_as_the_table_says(name):
    listed = set(row_of(name).types)
    lowered = set()
    for in_dtype, out_dtype in product(DTYPES, DTYPES):
        model = load_model(_model(name, in_dtype, out_dtype, 2 if name in BINARY else 1))
        (_sg, _index, _name, reason), = operator_support(model)
        if reason is None:
            lowered.add(f"{in_dtype} -> {out_dtype}")
        elif f"{in_dtype} -> {out_dtype}" in listed:
            pytest.fail(f"{name} {in_dtype} -> {out_dtype} is in the table but refused: {reason}")
    assert lowered == listed


def test_refusal_quotes_the_table():
    model = load_model(_model("LOGISTIC", "int16", "int16", 1))
    (_sg, _index, _name, reason), = operator_support(model)
    assert reason is not None and describe("LOGISTIC") in reason
    b = ModelBuilder()
    x = b.tensor("x", (2, 8), "float32")
    y = b.tensor("y", (2, 8), "float32")
    b.op("EXP", [x], [y])
    (_sg, _index, _name, reason), = operator_support(load_model(b.build(inputs=[x], outputs=[y])))
    assert reason == "no kernel" and row_of("EXP") is None


def test_check_and_report_point_at_the_table(tmp_path, cli):
    import json

    from codegen.compiled.support import SUPPORT_DOC

    path = tmp_path / "m.tflite"
    path.write_bytes(_model("LOGISTIC", "int16", "int16", 1))
    doc = json.loads(cli("check", path, "--json").stdout)
    assert describe("LOGISTIC") in doc["compiled"]["operators"][0]["reason"]  # the column quotes the table
    assert f"what it supports: {SUPPORT_DOC}" in cli("check", path).stdout
    result = cli("report", path, "--runtime", "both")
    assert f"what it supports: {SUPPORT_DOC}" in result.stdout, result.stdout
