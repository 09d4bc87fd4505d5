"""Nothing a command writes replaces an input or a file of the user's (issue 22, data loss), and
validate checks what it is given before it builds anything (issue 22: data, ports, timeouts).

The rule (attendnets_base.fsutil.check_output_file) holds for every output option: --html, --out,
--project; --overwrite is the one way past it.  Models are built here (tests/tflite_builder.py); the
QEMU run at the end needs arm-none-eabi-gcc and qemu-system-arm and skips without them.
"""

import json
import os
import shutil
import sys
import tty
import zipfile
from pathlib import Path

import numpy as np
import pytest

from tests.conftest import assert_one_line_error

sys.path.insert(0, str(Path(__file__).parent))
from tflite_builder import ModelBuilder, int8_fc_model  # noqa: E402


def image_classifier(classes=3, side=8):
    """[1,side,side,1] int8 -> FULLY_CONNECTED -> [1,classes]."""
    rng = np.random.default_rng(3)
    b = ModelBuilder()
    x = b.tensor("x", (1, side, side, 1), "int8", scale=1 / 255, zero_point=-128)
    w = b.tensor("w", (classes, side * side), "int8", scale=0.01, zero_point=0,
                 data=rng.integers(-127, 128, classes * side * side, dtype=np.int8).tobytes())
    y = b.tensor("y", (1, classes), "int8", scale=0.05, zero_point=0)
    b.op("FULLY_CONNECTED", [x, w, -1], [y], version=4, options={"type": "fully_connected"})
    return b.build(inputs=[x], outputs=[y])


@pytest.fixture
def model(tmp_path):
    path = tmp_path / "m.tflite"
    path.write_bytes(int8_fc_model())
    return path


def unchanged(path, data):
    return path.read_bytes() == data


# --- report, optimize: --html / --out ---------------------------------------------------------

@pytest.mark.parametrize("runtime", ["tflm", "compiled"])
def test_report_html_never_replaces_the_model_or_a_user_file(cli, model, tmp_path, runtime):
    data = model.read_bytes()
    line = assert_one_line_error(cli("report", model, "--runtime", runtime, "--html", model), 2)
    assert "--html" in line and str(model) in line and "reads" in line and "--overwrite" in line
    assert unchanged(model, data)

    trained = tmp_path / "run" / "model.keras"  # a file of the user's, not an input of report
    trained.parent.mkdir()
    trained.write_bytes(b"PK\x03\x04 a trained model")
    line = assert_one_line_error(cli("report", model, "--runtime", runtime, "--html", trained), 2)
    assert "was not written by attendnets" in line and "--overwrite" in line
    assert trained.read_bytes() == b"PK\x03\x04 a trained model"

    assert "needs a file name" in assert_one_line_error(cli("report", "--runtime", "tflm", model, "--html", ""), 2)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.tflite", "run"]  # nothing written

    page = tmp_path / "r.html"
    for _ in range(2):  # a page attendnets wrote is replaced without asking
        result = cli("report", model, "--runtime", runtime, "--html", page)
        assert result.exit_code == 0, result
    assert 'content="attendnets"' in page.read_text()
    result = cli("report", model, "--runtime", runtime, "--html", trained, "--overwrite")
    assert result.exit_code == 0, result
    assert "<html" in trained.read_text()


def test_optimize_out_refuses_its_input_and_user_files(cli, model, tmp_path):
    data = model.read_bytes()
    line = assert_one_line_error(cli("optimize", model, "--out", model), 2)
    assert "--out" in line and "reads" in line
    assert unchanged(model, data)
    other = tmp_path / "other.tflite"
    other.write_bytes(b"user bytes")
    assert "was not written by attendnets" in assert_one_line_error(cli("optimize", model, "--out", other), 2)
    assert other.read_bytes() == b"user bytes"
    out = tmp_path / "o.tflite"
    assert cli("optimize", model, "--out", out).exit_code == 0
    assert cli("optimize", model, "--out", out).exit_code == 0  # optimize's own output: replaced
    result = cli("optimize", model, "--out", model, "--overwrite")  # in place, asked for
    assert result.exit_code == 0, result
    assert model.read_bytes() != data


def test_the_rule_sees_links_and_other_spellings(tmp_path):
    from attendnets_base.errors import BadInputError
    from attendnets_base.fsutil import check_output_file

    model = tmp_path / "m.tflite"
    model.write_bytes(b"x")
    (tmp_path / "sub").mkdir()
    link = tmp_path / "link.tflite"
    link.symlink_to(model)
    for spelling in (link, tmp_path / "sub" / ".." / "m.tflite"):
        with pytest.raises(BadInputError, match="reads"):
            check_output_file(spelling, "--html", inputs=[(model, "the model")], ours=lambda p: True)
    with pytest.raises(BadInputError, match="is a folder"):
        check_output_file(tmp_path / "sub", "--html")
    assert check_output_file(tmp_path / "new.html", "--html", inputs=[(model, "the model")]) == tmp_path / "new.html"
    assert check_output_file(None, "--html") is None


# --- convert, quantize: the files beside --out ------------------------------------------------

def test_convert_outputs_keep_user_files_and_replace_their_own(tmp_path):
    pytest.importorskip("tensorflow")
    from attendnets_base.errors import BadInputError
    from converter.conversion.convert import check_outputs

    keras_model = tmp_path / "model.keras"
    keras_model.write_bytes(b"PK")
    (tmp_path / "model.labels.txt").write_text("cat\ndog\n")
    out = tmp_path / "model.tflite"
    assert check_outputs(keras_model, out) == (tmp_path / "model.labels.txt", tmp_path / "model.json")  # same labels

    (tmp_path / "model.json").write_text('{"my": "notes"}\n')  # the user's JSON where the sidecar goes
    with pytest.raises(BadInputError, match="model.json exists and was not written by attendnets"):
        check_outputs(keras_model, out)
    (tmp_path / "model.json").write_text(json.dumps({"source_model": "x", "tflm_check": {}}))  # convert's own
    out.write_bytes(b"an earlier conversion")
    check_outputs(keras_model, out)

    other = tmp_path / "other.tflite"
    (tmp_path / "other.labels.txt").write_text("something else\n")
    with pytest.raises(BadInputError, match="other.labels.txt exists"):
        check_outputs(keras_model, other)
    check_outputs(keras_model, other, overwrite=True)


def test_quantize_output_is_recognised_without_tensorflow(tmp_path):
    from attendnets_tf.quantize import is_qat_model_file

    def keras_zip(name, config):
        path = tmp_path / name
        with zipfile.ZipFile(path, "w") as archive:
            archive.writestr("config.json", json.dumps(config))
        return path

    assert is_qat_model_file(keras_zip("qat.keras", {"layers": [{"class_name": "QuantizeWrapperV2"}]}))
    assert not is_qat_model_file(keras_zip("float.keras", {"layers": [{"class_name": "Dense"}]}))
    (tmp_path / "junk.keras").write_bytes(b"not a zip")
    assert not is_qat_model_file(tmp_path / "junk.keras")


def test_quantize_refuses_to_write_over_its_model_before_loading_it(cli, tmp_path):
    float_model = tmp_path / "model.keras"
    float_model.write_bytes(b"not even a model: the refusal comes first")
    line = assert_one_line_error(cli("quantize", float_model, "--data", "digits", "--out", float_model), 2)
    assert "reads" in line and "--out" in line
    user = tmp_path / "mine.keras"
    user.write_bytes(b"PK")
    assert "not written by attendnets" in assert_one_line_error(
        cli("quantize", float_model, "--data", "digits", "--out", user), 2)


# --- validate: checks before anything is generated ---------------------------------------------

def validate(cli, model, *args):
    return cli("validate", model, "--board", "mps2-an386", *args)


def test_validate_refuses_before_building(cli, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    three = tmp_path / "three.tflite"
    three.write_bytes(image_classifier(3))
    data = three.read_bytes()

    line = assert_one_line_error(validate(cli, three, "--html", three), 2)
    assert "--html" in line and "reads" in line
    # the built-in digits have 10 classes: accuracy against 3 scores would be noise ("0.00 %")
    line = assert_one_line_error(validate(cli, three), 2)
    assert "10 classes" in line and "scores 3" in line and "--data random" in line
    labelled = tmp_path / "xy.npz"
    np.savez(labelled, x=np.zeros((4, 64), np.int8), y=np.array([0, 1, 2, 7]))
    assert "labels 0..7" in assert_one_line_error(validate(cli, three, "--data", labelled), 2)
    # a model with class names (convert's NAME.labels.txt) and a folder of other classes
    from PIL import Image

    (tmp_path / "three.labels.txt").write_text("cat\ndog\nbird\n")
    folder = tmp_path / "abc"
    for name in ("a", "b", "c"):
        (folder / name).mkdir(parents=True)
        Image.new("L", (8, 8), 90).save(folder / name / "1.png")
    line = assert_one_line_error(validate(cli, three, "--data", folder), 2)
    assert "a, b, c" in line and "cat, dog, bird" in line
    shutil.rmtree(folder)
    (tmp_path / "three.labels.txt").unlink()
    # an emulated board runs in QEMU: a serial port there would build, start QEMU unconnected and hang
    master, slave = os.openpty()
    try:
        line = assert_one_line_error(validate(cli, three, "--data", "random", "--port", os.ttyname(slave)), 2)
    finally:
        os.close(master)
        os.close(slave)
    assert "emulated" in line and "--port" in line
    # a type the firmware cannot stream is refused before generation too
    b = ModelBuilder()
    x = b.tensor("x", (1, 4), "int64")
    y = b.tensor("y", (1, 4), "int64")
    b.op("ABS", [x], [y])
    odd = tmp_path / "odd.tflite"
    odd.write_bytes(b.build(inputs=[x], outputs=[y]))
    assert "int64" in assert_one_line_error(validate(cli, odd, "--data", "random"))
    line = assert_one_line_error(validate(cli, three, "--data", "random", "--project", three), 2)
    assert "--project" in line
    assert sorted(p.name for p in tmp_path.iterdir()) == ["odd.tflite", "three.tflite", "xy.npz"]
    assert three.read_bytes() == data


def test_validate_project_keeps_a_main_the_user_edited(cli, tmp_path):
    model = tmp_path / "three.tflite"
    model.write_bytes(image_classifier(3))
    project = tmp_path / "fw"
    assert cli("generate", model, "--board", "mps2-an386", "--runtime", "compiled", "--out", project).exit_code == 0
    main = project / "src" / "main.c"
    edited = main.read_text() + "/* my application */\n"
    main.write_text(edited)
    line = assert_one_line_error(validate(cli, model, "--data", "random", "--project", project), 2)
    assert "src/main.c" in line and "--overwrite" in line
    assert main.read_text() == edited
    not_ours = tmp_path / "mine"
    not_ours.mkdir()
    (not_ours / "notes.txt").write_text("mine\n")
    line = assert_one_line_error(validate(cli, model, "--data", "random", "--project", not_ours), 2)
    assert "not made by attendnets" in line


def test_unreadable_images_are_skipped_and_counted(tmp_path):
    from validation.data import load_folder_set

    from PIL import Image

    for name in ("a", "b", "c"):
        (tmp_path / name).mkdir()
        Image.new("L", (8, 8), 40).save(tmp_path / name / "1.png")
    (tmp_path / "b" / "broken.png").write_bytes(b"\x89PNG not really")
    info = {"shape": [1, 8, 8, 1], "dtype": "int8", "quantized": True, "scale": 1 / 255, "zero_point": -128,
            "num_elements": 64}
    inputs = load_folder_set(tmp_path, info)
    assert len(inputs.inputs) == 3 and list(inputs.labels) == [0, 1, 2]
    assert [Path(f).name for f in inputs.skipped_files] == ["broken.png"]
    assert "1 unreadable image(s) skipped" in inputs.source


# --- validate: --timeout is every wait ---------------------------------------------------------

def test_validate_waits_for_the_first_answer_no_longer_than_timeout(cli, tmp_path):
    from tests.test_validate_cli import PORT_BOARD, digits_classifier
    from codegen.boards import get_board
    from codegen.generate import generate_project
    from converter.tflite_model import load_model
    from validation.firmware import install_main

    model = tmp_path / "digits.tflite"
    model.write_bytes(digits_classifier())
    generate_project(model, PORT_BOARD, tmp_path / "fw", kernels="reference", runtime="compiled")
    data = model.read_bytes()
    install_main(tmp_path / "fw", load_model(data), get_board(PORT_BOARD), "compiled", True, data, model.name)
    master, slave = os.openpty()  # a board that never answers
    tty.setraw(slave)
    try:
        result = cli("validate", model, "--board", PORT_BOARD, "--port", os.ttyname(slave), "--project",
                     tmp_path / "fw", "--timeout", "1.5", "--count", "1")
    finally:
        os.close(master)
        os.close(slave)
    line = assert_one_line_error(result)
    assert "no HELLO from the device within 1.5 s" in line


# --- validate in QEMU: a reused project rebuilt for --no-profile, a folder with a broken image ----

@pytest.mark.skipif(not (shutil.which("arm-none-eabi-gcc") and shutil.which("qemu-system-arm")),
                    reason="needs arm-none-eabi-gcc and qemu-system-arm")
def test_validate_no_profile_rebuilds_a_profiled_project(cli, tmp_path):
    from PIL import Image

    model = tmp_path / "three.tflite"
    model.write_bytes(image_classifier(3))
    folder = tmp_path / "images"
    for k, name in enumerate(("a", "b", "c")):
        (folder / name).mkdir(parents=True)
        Image.new("L", (8, 8), 60 * k).save(folder / name / "1.png")
    (folder / "c" / "broken.png").write_bytes(b"GIF89a broken")
    project = tmp_path / "val"
    first = validate(cli, model, "--data", folder, "--project", project, "--json")
    assert first.exit_code == 0, first
    assert json.loads(first.stdout)["profile"] is not None
    assert "1 unreadable image(s) skipped (broken.png)" in first.stderr
    assert json.loads(first.stdout)["accuracy"]["images"] == 3

    again = validate(cli, model, "--data", folder, "--project", project, "--json", "--no-profile")
    assert again.exit_code == 0, again
    assert "rebuilding it without it (--no-profile)" in again.stderr
    assert json.loads(again.stdout)["profile"] is None
    assert json.loads((project / "project.json").read_text())["validate"]["profile"] is False


def test_board_problems_are_said_in_plain_words():
    # "[link]" and "rx_pin" are the catalog's syntax, not words a user knows
    import dataclasses

    from codegen.boards import get_board

    pico = get_board("rpi-pico")  # its console UART receives: it is its own link
    swo_only = dataclasses.replace(pico, link_uart=None, console=dataclasses.replace(pico.console, kind="swo"))
    no_rx = dataclasses.replace(pico, link_uart=None, console=dataclasses.replace(pico.console, rx_pin=None))
    for board in (swo_only, no_rx):
        problem = board.link_problem
        assert problem and "validate cannot send it inputs" in problem, problem
        assert "[" not in problem and "rx_pin" not in problem, problem


def test_a_validation_build_of_an_older_attendnets_is_regenerated(tmp_path):
    # Its marker lists generate's main.c and project.json; validate replaced both without noting it.
    from attendnets_base.errors import BadInputError
    from codegen.generate import generate_project
    from codegen.render import MARKER_FILE
    from validation.firmware import prepare_project

    model = tmp_path / "three.tflite"
    model.write_bytes(image_classifier(3))
    project = tmp_path / "val"
    prepare_project(model, "mps2-an386", "compiled", project)
    marker = json.loads((project / MARKER_FILE).read_text())
    generated = tmp_path / "gen"
    generate_project(model, "mps2-an386", generated, runtime="compiled", kernels="reference")
    old = json.loads((generated / MARKER_FILE).read_text())["files"]
    marker["files"]["src/main.c"], marker["files"]["project.json"] = old["src/main.c"], old["project.json"]
    (project / MARKER_FILE).write_text(json.dumps(marker))  # as an older validate left it
    other = tmp_path / "other.tflite"
    other.write_bytes(image_classifier(4))
    vp = prepare_project(other, "mps2-an386", "compiled", project)  # no "changed since (src/main.c)"
    assert json.loads((project / "project.json").read_text())["validate"]["model_hash"] == vp.model_hash
    # an edit of the user's is still kept
    main = project / "src" / "main.c"
    main.write_text(main.read_text() + "/* mine */\n")
    with pytest.raises(BadInputError, match="src/main.c"):
        prepare_project(model, "mps2-an386", "compiled", project)
