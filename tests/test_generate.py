"""attendnets generate: what lands in the project, and what it refuses.

No TFLM and no compiler needed (tests/test_firmware_compile.py compiles the output).
"""

import json
import os
import re
import sys
from pathlib import Path

import numpy as np
import pytest

from codegen.boards import load_boards
from codegen.context import ARENA_ALIGNMENT_SLACK_BYTES, arena_bytes_for, resolver_methods
from converter.tflite_model import load_model
from tests.conftest import (assert_one_line_error, corpus_model_path, model_params, model_path, packages_imported_by,
                            shared_present)

sys.path.insert(0, str(Path(__file__).parent))
from tflite_builder import ModelBuilder  # noqa: E402

GOLDEN_DIR = Path(__file__).parent / "golden" / "firmware"
UPDATE_GOLDEN = os.environ.get("ATTENDNETS_UPDATE_GOLDEN") == "1"


def generate(cli, model, out, *args, board="mps2-an386", kernels="reference"):
    return cli("generate", "--runtime", "tflm", model, "--board", board, "--out", out, "--kernels", kernels, *args)


def model_array_bytes(project, name="model"):
    text = (project / "src/model_data.cc").read_text()
    body = re.search(r"alignas\(16\) const unsigned char " + name + r"_model_data\[\] = \{(.*?)\};", text, re.S)
    assert body, "model array not found"
    return bytes(int(v, 16) for v in re.findall(r"0x([0-9a-f]{2})", body.group(1)))


def header_define(project, name):
    m = re.search(rf"#define {name} (\S+)", (project / "src/model.h").read_text())
    assert m, name
    return m.group(1)


def resolver_ops(project):
    text = (project / "src/op_resolver.h").read_text()
    n = int(re.search(r"MicroMutableOpResolver<(\d+)>", text).group(1))
    calls = re.findall(r"resolver\.(Add\w+)\(\) != kTfLiteOk\) return kTfLiteError;  // (\S+)", text)
    return n, calls


@pytest.mark.parametrize("board_name", list(load_boards()))
def test_generation_for_every_board(board_name, cli, tmp_path):
    out = tmp_path / "fw"
    result = generate(cli, corpus_model_path("autoencoder_int8"), out, board=board_name)
    assert result.exit_code == 0, result
    for rel in ["Makefile", "CMakeLists.txt", "cmake/arm-none-eabi.cmake", "README.md", "linker.ld",
                "platform/startup.c", "platform/platform.c", "platform/platform.h", "src/main.cc", "src/model.cc",
                "src/model.h", "src/model_data.cc", "src/model_data.h", "src/op_resolver.h", "src/sample_input.cc",
                "model/autoencoder_int8.tflite", ".attendnets-project", "project.json"]:
        assert (out / rel).is_file(), rel
    assert ((out / "platform/boot2_rp2040.S").is_file()) == (board_name == "rpi-pico")
    facts = json.loads((out / "project.json").read_text())
    assert facts["board"] == board_name and facts["kernels"] == "reference"
    assert "TFLM_DIR" in (out / "README.md").read_text()
    assert not list(tmp_path.glob(".fw.*")), "temporary folder left behind"


@pytest.mark.parametrize("suite_model", model_params(), indirect=True)
def test_model_bytes_resolver_and_arena(suite_model, cli, tmp_path):
    from converter.tflm.arena import estimate_arena

    out = tmp_path / "fw"
    result = generate(cli, suite_model.path, out)
    assert result.exit_code == 0, result
    data = suite_model.path.read_bytes()
    assert model_array_bytes(out) == data
    assert f"model_data_size = {len(data)};" in (out / "src/model_data.h").read_text()
    assert (out / "model" / suite_model.path.name).read_bytes() == data

    model = load_model(suite_model.path)
    n, calls = resolver_ops(out)
    assert sorted(name for _, name in calls) == model.operator_names()
    assert n == len(calls) == len(set(calls))
    builtin, _ = resolver_methods()
    assert all(builtin[name] == method for method, name in calls)

    required = estimate_arena(model, pointer_bytes=4, kernels="reference").required_bytes
    arena = int(header_define(out, "MODEL_ARENA_BYTES").rstrip("u"))
    assert arena == -(-required // 16) * 16 + ARENA_ALIGNMENT_SLACK_BYTES == arena_bytes_for(required)
    assert int(header_define(out, "MODEL_ARENA_ESTIMATE_BYTES").rstrip("u")) == required


def test_resolver_method_table_matches_tflm_names():
    builtin, custom = resolver_methods()
    assert builtin["CONV_2D"] == "AddConv2D"
    assert builtin["DEPTHWISE_CONV_2D"] == "AddDepthwiseConv2D"
    assert builtin["UNIDIRECTIONAL_SEQUENCE_LSTM"] == "AddUnidirectionalSequenceLSTM"
    assert builtin["LOGISTIC"] == "AddLogistic" and builtin["MUL"] == "AddMul"
    assert custom["TFLite_Detection_PostProcess"] == "AddDetectionPostprocess"


# Person detectors, 96x96 int8 images in [0, 1] (zero point -128), two classes: the corpus's
# MobileNet (one grey channel) and the shared VWW reference (RGB).
PERSON_DETECTORS = {"mobilenet_v1_025_person_int8": 1, "vww_96_int8.tflite": 3}  # -> input channels


@pytest.mark.parametrize("name", ["mobilenet_v1_025_person_int8", *shared_present("vww_96_int8.tflite")])
def test_header_shapes_quantization_and_labels(cli, tmp_path, name):
    person = tmp_path / "person.tflite"
    person.write_bytes(model_path(name).read_bytes())
    (tmp_path / "labels.txt").write_text("no person\nperson\n")  # picked up next to the model
    out = tmp_path / "fw"
    assert generate(cli, person, out).exit_code == 0
    header = (out / "src/model.h").read_text()
    assert f"#define MODEL_INPUT0_SHAPE {{ 1, 96, 96, {PERSON_DETECTORS[name]} }}" in header
    assert "#define MODEL_INPUT0_TYPE int8_t" in header
    assert "#define MODEL_INPUT0_ZERO_POINT -128" in header
    assert "#define MODEL_OUTPUT0_ELEMENTS 2u" in header
    assert "#define MODEL_LABEL_COUNT 2" in header
    assert '"no person",' in (out / "src/model.cc").read_text()
    # wrong label count is refused
    bad = tmp_path / "three.txt"
    bad.write_text("a\nb\nc\n")
    line = assert_one_line_error(generate(cli, person, tmp_path / "fw2", "--labels", bad), 2)
    assert "3 labels" in line and not (tmp_path / "fw2").exists()


def _sample_values(project):
    text = (project / "src/sample_input.cc").read_text()
    body = re.search(r"sample_input\[MODEL_INPUT0_ELEMENTS\] = \{(.*?)\};", text, re.S)
    return None if body is None else [int(v) for v in re.findall(r"-?\d+", body.group(1))]


@pytest.mark.parametrize("name", ["mobilenet_v1_025_person_int8", *shared_present("vww_96_int8.tflite")])
def test_sample_image_and_npy(cli, tmp_path, name):
    from PIL import Image

    model = model_path(name)  # int8 [1,96,96,C], scale about 1/255, zero point -128
    channels = PERSON_DETECTORS[name]
    pixels = np.random.default_rng(0).integers(0, 256, size=(96, 96, channels), dtype=np.uint8)
    Image.fromarray(pixels[..., 0] if channels == 1 else pixels).save(tmp_path / "x.png")
    out = tmp_path / "img"
    result = generate(cli, model, out, "--sample", tmp_path / "x.png")
    assert result.exit_code == 0, result
    scale = load_model(model).main_subgraph.tensors[load_model(model).main_subgraph.inputs[0]].quantization.scale[0]
    expected = np.clip(np.floor(pixels.astype(np.float64) / 255.0 / scale + 0.5) - 128, -128, 127)
    assert _sample_values(out) == expected.reshape(-1).astype(int).tolist()

    np.save(tmp_path / "x.npy", np.full((1, 96, 96, channels), 0.5, dtype=np.float32))
    out = tmp_path / "npy"
    assert generate(cli, model, out, "--sample", tmp_path / "x.npy").exit_code == 0
    scale = load_model(model).main_subgraph.tensors[load_model(model).main_subgraph.inputs[0]].quantization.scale[0]
    assert set(_sample_values(out)) == {int(np.floor(0.5 / scale + 0.5)) - 128}

    out = tmp_path / "none"
    assert generate(cli, model, out).exit_code == 0
    assert _sample_values(out) is None
    assert "MODEL_INPUT0_ZERO_POINT" in (out / "src/sample_input.cc").read_text()

    np.save(tmp_path / "wrong.npy", np.zeros(10, dtype=np.float32))
    line = assert_one_line_error(generate(cli, model, tmp_path / "w", "--sample", tmp_path / "wrong.npy"), 2)
    assert "10 elements" in line and str(96 * 96 * channels) in line


def test_regenerate_own_folder_but_refuse_foreign(cli, tmp_path):
    model = corpus_model_path("autoencoder_int8")
    out = tmp_path / "fw"
    assert generate(cli, model, out).exit_code == 0
    (out / "src" / "stale.txt").write_text("from an older run")
    (out / "build" / "tflm").mkdir(parents=True)
    (out / "build" / "tflm" / "libtflm.a").write_bytes(b"minutes of compiling")
    assert generate(cli, model, out, "--name", "sine").exit_code == 0  # our folder: regenerated
    assert (out / "src" / "stale.txt").exists()  # not ours: kept (tests/test_user_files.py)
    assert (out / "build" / "tflm" / "libtflm.a").read_bytes() == b"minutes of compiling"  # build kept
    assert model_array_bytes(out, "sine") == model.read_bytes()

    foreign = tmp_path / "mine"
    foreign.mkdir()
    (foreign / "notes.txt").write_text("keep me")
    line = assert_one_line_error(generate(cli, model, foreign), 2)
    assert "not made by attendnets" in line
    assert (foreign / "notes.txt").read_text() == "keep me" and len(list(foreign.iterdir())) == 1


def test_failed_render_leaves_previous_project(cli, tmp_path, monkeypatch):
    import codegen.render as render

    model = corpus_model_path("autoencoder_int8")
    out = tmp_path / "fw"
    assert generate(cli, model, out).exit_code == 0
    before = (out / "src/main.cc").read_text()

    def broken_write_text(self, *args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(render.Path, "write_text", broken_write_text)
    (out / "build").mkdir()
    (out / "build" / "x.o").write_bytes(b"obj")
    result = generate(cli, model, out, "--name", "other")
    assert result.exit_code != 0
    monkeypatch.undo()
    assert (out / "src/main.cc").read_text() == before
    assert (out / "build" / "x.o").read_bytes() == b"obj"
    assert [p.name for p in tmp_path.iterdir()] == ["fw"]


def test_bad_inputs(cli, tmp_path):
    model = corpus_model_path("autoencoder_int8")
    line = assert_one_line_error(generate(cli, model, tmp_path / "a", board="mps2-an385"), 2)
    assert "did you mean mps2-an386" in line
    assert_one_line_error(generate(cli, tmp_path / "missing.tflite", tmp_path / "b"), 2)
    junk = tmp_path / "junk.tflite"
    junk.write_bytes(b"not a flatbuffer at all")
    assert_one_line_error(generate(cli, junk, tmp_path / "c"), 2)
    line = assert_one_line_error(generate(cli, model, tmp_path / "d", "--name", "3d"), 2)
    assert "C identifier" in line
    assert_one_line_error(generate(cli, model, tmp_path / "e", "--name", "int"), 2)
    assert_one_line_error(generate(cli, model, tmp_path / "f", kernels="fast"), 2)
    assert not [p for p in tmp_path.iterdir() if p.name != "junk.tflite"]


def test_unsupported_operator_listed(cli, tmp_path):
    b = ModelBuilder()
    x = b.tensor("x", (1, 4), "int8", scale=0.1, zero_point=0)
    y = b.tensor("y", (1, 4), "int8", scale=0.1, zero_point=0)
    z = b.tensor("z", (1, 4), "int8", scale=0.1, zero_point=0)
    b.op("CUSTOM", [x], [y], custom_code="MyFancyOp")
    b.op("RELU", [y], [z])
    path = tmp_path / "custom.tflite"
    path.write_bytes(b.build(inputs=[x], outputs=[z]))
    result = generate(cli, path, tmp_path / "fw")
    line = assert_one_line_error(result, 1)
    assert "MyFancyOp" in line and "unsupported" in line
    assert not (tmp_path / "fw").exists()


def test_model_that_does_not_fit_is_refused_unless_forced(cli, tmp_path):
    b = ModelBuilder()
    x = b.tensor("x", (1, 1024), "int8", scale=0.1, zero_point=0)
    w = b.tensor("w", (1100, 1024), "int8", scale=0.01, zero_point=0, constant=True)  # 1.1 MB of weights
    y = b.tensor("y", (1, 1100), "int8", scale=0.1, zero_point=0)
    b.op("FULLY_CONNECTED", [x, w, -1], [y])
    path = tmp_path / "big.tflite"
    path.write_bytes(b.build(inputs=[x], outputs=[y]))
    size = path.stat().st_size
    line = assert_one_line_error(generate(cli, path, tmp_path / "fw", board="stm32f746g-disco"), 4)
    assert "does not fit stm32f746g-disco" in line and f"model {size} B" in line and "1048576 B" in line
    assert "--force" in line and not (tmp_path / "fw").exists()
    result = generate(cli, path, tmp_path / "fw", "--force", board="stm32f746g-disco")
    assert result.exit_code == 0 and "does not fit" in result.stdout
    assert generate(cli, path, tmp_path / "fw2", board="nucleo-h743zi2").exit_code == 0  # 2 MiB flash


GOLDEN_FILES = ["linker.ld", "platform/startup.c", "platform/platform.c", "src/op_resolver.h"]


@pytest.mark.parametrize("board_name", ["mps2-an386", "nrf5340dk", "rpi-pico", "nucleo-h743zi2"])
def test_golden_files(board_name, cli, tmp_path):
    """Rendered files that depend only on the board and the op set stay byte-stable.

    Regenerate after an intended template change with ATTENDNETS_UPDATE_GOLDEN=1 and review the diff.
    """
    out = tmp_path / "fw"
    assert generate(cli, corpus_model_path("mobilenet_v1_025_person_int8"), out, board=board_name).exit_code == 0
    for rel in GOLDEN_FILES:
        golden = GOLDEN_DIR / board_name / rel
        actual = (out / rel).read_text()
        if UPDATE_GOLDEN:
            golden.parent.mkdir(parents=True, exist_ok=True)
            golden.write_text(actual)
        assert golden.is_file(), f"missing golden file {golden} (run with ATTENDNETS_UPDATE_GOLDEN=1)"
        assert actual == golden.read_text(), f"{rel} for {board_name} differs from {golden}"


def test_demo_steps_and_function(tmp_path, monkeypatch):
    from codegen.demo import firmware_cli_steps, firmware_demo

    monkeypatch.delenv("TFLM_DIR", raising=False)
    assert firmware_cli_steps("m.tflite", "out/fw") == [
        ("generate", ["generate", "m.tflite", "--board", "mps2-an386", "--out", "out/fw", "--runtime", "tflm",
                      "--kernels", "reference"])]
    tree = tmp_path / "tree"
    (tree / "third_party" / "cmsis_nn").mkdir(parents=True)
    steps = firmware_cli_steps("m.tflite", "out/fw", tree)
    assert [name for name, _ in steps] == ["generate", "build", "size", "run in QEMU"]
    assert steps[0][1][-1] == "cmsis-nn" and steps[3][1] == ["flash", "out/fw", "--tool", "qemu"]
    messages = []
    assert firmware_demo(corpus_model_path("autoencoder_int8"), tmp_path / "fw", log=messages.append) == 0
    assert (tmp_path / "fw" / "src" / "model_data.cc").is_file() and "TFLM_DIR not set" in messages[-1]


def test_tflite_path_does_not_import_tensorflow(tmp_path):
    """generate/boards/flash run without TensorFlow (a fresh process, so no other test's imports count)."""
    code = (
        "from attendnets.cli import main\n"
        f"assert main(['generate', {str(corpus_model_path('autoencoder_int8'))!r}, '--board', 'rpi-pico', "
        f"'--out', {str(tmp_path / 'fw')!r}, '--kernels', 'reference']) == 0\n"
        f"assert main(['flash', {str(tmp_path / 'fw')!r}, '--dry-run']) == 0\n"
        "assert main(['boards', '--json']) == 0\n"
    )
    assert packages_imported_by(code, ("tensorflow", "tf_keras", "keras")) == []
