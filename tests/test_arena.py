"""The arena estimator against the tflite-micro interpreter, to the byte.

For every model of the suite (its corpus: int8, float, 16x8, LSTM, SVDF,
AttendNet-B; plus ../shared/models when present) the 64-bit host estimate must
equal what the interpreter records (total, head, tail, every
RecordingMicroAllocator category: used and requested bytes) and the smallest
arena with which it allocates, found by bisection on ``arena_size``.
"""

import json

import pytest

from converter.tflm.arena import estimate_arena
from converter.tflm.arena_measure import measure_arena, measure_arenas, parse_print_allocations

from conftest import corpus_model_path, model_params, model_path, shared_present

MODELS = model_params()


def _assert_estimate_equals_measurement(model):
    est = estimate_arena(model, pointer_bytes=8, kernels="reference")
    meas = measure_arena(model if isinstance(model, bytes) else open(model, "rb").read())
    assert (est.total_bytes, est.head_bytes, est.tail_bytes) == (
        meas.total_bytes,
        meas.head_bytes,
        meas.tail_bytes,
    )
    assert est.required_bytes == meas.required_bytes
    printed = {name: used for name, used in est.categories.items() if used}
    assert printed == meas.categories
    for name, detail in meas.category_details.items():
        assert est.category_details[name]["used_bytes"] == detail["used_bytes"], name
        assert est.category_details[name] == detail, name
    return est, meas


@pytest.fixture(scope="module")
def measurements(request):
    """The interpreter's figures for every model of MODELS, measured in one child process."""
    corpus = request.getfixturevalue("corpus")
    paths = [corpus.path(name) if origin == "corpus" else model_path(name)
             for (origin, name) in (p.values[0] for p in MODELS)
             if origin == "shared" or name in corpus.manifest]  # without TensorFlow: its models skip
    return dict(zip(paths, measure_arenas(paths)))


@pytest.mark.parametrize("suite_model", MODELS, indirect=True)
def test_host_estimate_equals_interpreter(suite_model, measurements):
    meas = measurements[suite_model.path]  # the interpreter allocates every model of the suite
    assert meas.total_bytes > 0 and meas.required_bytes > 0
    est = suite_model.run("arena", estimate_arena, suite_model.path, pointer_bytes=8, kernels="reference")
    if est is not None:
        suite_model.expect_exact("arena-exact", lambda: _assert_estimate_equals_measurement(suite_model.path))


def test_known_figures():
    """The two figures from the issue, which differ in opposite directions."""
    from tests.conftest import shared_model_path

    hello = estimate_arena(shared_model_path("hello_world_int8.tflite"), pointer_bytes=8)
    assert (hello.total_bytes, hello.required_bytes) == (1504, 1936)
    assert hello.required_reason == "memory planning"
    vww = estimate_arena(shared_model_path("vww_96_int8.tflite"), pointer_bytes=8)
    assert (vww.total_bytes, vww.required_bytes) == (103680, 103672)


def test_parse_print_allocations():
    text = (
        "[RecordingMicroAllocator] Arena allocation total 1504 bytes\n"
        "[RecordingMicroAllocator] Arena allocation head 32 bytes\n"
        "[RecordingMicroAllocator] Arena allocation tail 1472 bytes\n"
        "[RecordingMicroAllocator] 'Persistent buffer data' used 264 bytes with alignment overhead "
        "(requested 232 bytes for 5 allocations)\n"
    )
    parsed = parse_print_allocations(text)
    assert parsed["total_bytes"] == 1504 and parsed["tail_bytes"] == 1472
    assert parsed["category_details"]["Persistent buffer data"] == {
        "used_bytes": 264,
        "requested_bytes": 232,
        "count": 5,
    }


@pytest.mark.parametrize("name", ["autoencoder_int8", *shared_present("hello_world_int8.tflite")])
def test_cli_arena_json_measure(cli, name):
    result = cli("arena", model_path(name), "--target", "host", "--measure", "--json")
    assert result.exit_code == 0, result
    out = json.loads(result.stdout)
    assert out["arena"]["required"] == out["measure"]["measured"]["required"]
    assert out["measure"]["equal"] is True
    if name == "hello_world_int8.tflite":
        assert out["arena"]["required"] == 1936


def test_cli_arena_missing_file(cli, tmp_path):
    from tests.conftest import assert_one_line_error

    assert_one_line_error(cli("arena", tmp_path / "nope.tflite"), 2)


@pytest.mark.parametrize("kernels, pointer_bytes", [("reference", 4), ("reference", 8), ("cmsis-nn", 4)])
@pytest.mark.parametrize("suite_model", MODELS, indirect=True)
def test_estimate_invariants(suite_model, kernels, pointer_bytes):
    step = "arena" if kernels == "reference" else kernels
    est = suite_model.run(step, estimate_arena, suite_model.path, pointer_bytes=pointer_bytes, kernels=kernels)
    if est is None:
        return  # refused with a one-line error naming the operator (asserted by run)
    assert est.head_bytes + est.tail_bytes == est.total_bytes
    assert est.total_bytes - 16 < est.required_bytes  # at most alignment padding below the recorded use
    assert est.peak_live_bytes <= est.head_bytes
    for p in est.tensors:  # every planned buffer lies inside the head, 16-byte aligned
        assert p.offset % 16 == 0 and p.size % 16 == 0 and p.offset + p.size <= est.head_bytes


def test_estimator_imports_neither_tensorflow_nor_the_interpreter(cli_subprocess):
    from tests.conftest import packages_imported_by

    code = (
        "from converter.tflm.arena import estimate_arena; "
        f"estimate_arena({str(corpus_model_path('mobilenet_v1_025_person_int8'))!r}, pointer_bytes=4, "
        "kernels='cmsis-nn')"
    )
    assert packages_imported_by(code, ("tensorflow", "tflite_micro", "keras")) == []


@pytest.mark.parametrize("name", ["mobilenet_v1_025_person_int8", *shared_present("vww_96_int8.tflite")])
def test_cli_arena_text_and_bad_kernel_set(cli, name):
    path = model_path(name)
    result = cli("arena", path, "--kernels", "reference")
    assert result.exit_code == 0, result
    est = estimate_arena(path, pointer_bytes=4, kernels="reference")  # the default target: cortex-m
    assert f"tensor arena required : {est.required_bytes:10,} bytes" in result.stdout
    assert f"head (plan)         : {est.head_bytes:10,} bytes" in result.stdout
    if name == "vww_96_int8.tflite":
        assert "100,660 bytes" in result.stdout  # the 32-bit reference figure measured on a Cortex-M4
    result = cli("arena", path, "--kernels", "nope")
    assert result.exit_code == 2


def test_float_model_from_the_tflite_micro_package():
    """A float32 model (the package's own sine example) is planned the same way."""
    import importlib.util
    from pathlib import Path

    spec = importlib.util.find_spec("tflite_micro")
    path = Path(spec.submodule_search_locations[0]) / "python" / "tflite_micro" / "sine_float.tflite"
    if not path.is_file():
        pytest.skip(f"{path} not shipped by this tflite-micro build")
    _assert_estimate_equals_measurement(str(path))
