"""The compiled runtime's C kernel library (firmware_template/compiled/kernels) as a library.

- ``an_requantize`` (an_common.h, the one requantization) equals TFLM's
  MultiplyByQuantizedMultiplier written out from gemmlowp's two functions, bit for bit.
- The scratch each kernel needs is the library's formula (a macro in its header); the Python
  generator reserves the same figure for every shape (a host program prints the macros).
- Every source follows the library's .clang-format (one pointer style: ``int8_t *p``).
- Every source with inline assembly compiles with arm-none-eabi-gcc at the optimisation levels and float ABIs a
  user may pick (``make OPT=-O1``): the generated Makefile's flags, the catalog's CPU flags (compile only).
"""

import itertools
import shutil
import subprocess
from pathlib import Path

import pytest

from firmware_template import KERNELS_DIR

REQUANTIZE_CHECK = Path(__file__).parent / "compiled_m4" / "requantize_check.c"
CONV_KS = list(range(1, 300)) + [511, 512, 513, 1023, 1024, 1025, 3 * 3 * 256, 5 * 5 * 97, 7 * 7 * 3, 65535]
DEPTHWISE_KERNELS = list(itertools.product(range(1, 12), range(1, 12))) + [(1, 31), (31, 1), (16, 16)]
CONV_W16_KERNELS = [(h, w, c) for h in (1, 2, 3, 5, 10) for w in (1, 3, 4, 7) for c in (1, 2, 3, 5, 16, 97)]


def need_cc():
    if shutil.which("cc") is None:
        pytest.skip("no host C compiler (cc): the kernel library's host checks need one")


def run_host_program(tmp_path, source_text_or_path, name):
    need_cc()
    exe = tmp_path / name
    src = source_text_or_path
    if isinstance(src, str):
        src = tmp_path / f"{name}.c"
        src.write_text(source_text_or_path)
    subprocess.run(["cc", "-O1", "-std=c99", "-Wall", "-Werror", "-I", str(KERNELS_DIR), str(src), "-o", str(exe)],
                   check=True, capture_output=True, text=True)
    return subprocess.run([str(exe)], capture_output=True, text=True, timeout=120)


def test_requantize_equals_tflm_multiply_by_quantized_multiplier(tmp_path):
    proc = run_host_program(tmp_path, REQUANTIZE_CHECK, "requantize_check")
    assert proc.returncode == 0, proc.stdout
    assert " 0 differ" in proc.stdout


def test_one_requantization_in_the_library():
    """an_common.h defines the requantization; no kernel file defines another or calls a second name."""
    texts = {p.name: p.read_text() for p in sorted(KERNELS_DIR.glob("*.[ch]"))}
    defining = [name for name, text in texts.items() if "int32_t an_requantize(" in text]
    assert defining == ["an_common.h"]
    for name, text in texts.items():
        assert "multiply_by_quantized_multiplier" not in text, f"{name} keeps a second requantization"


#: Output widths whose row-buffer 3x3 scratch the C macro and the generator must agree on: below, inside and above
#: the narrow form's widths (4-6 at stride_w 1), a pass of four plus a tail, a wide row.
ROWS_WIDTHS = (1, 3, 4, 5, 6, 7, 48)
#: an_conv1x1_s8_prepared_w16's input depths: its columns on the stack (up to 192), in scratch (196 on), not a
#: multiple of four.
PREPARED_DEPTHS = (7, 8, 192, 193, 196, 576)


def test_the_generator_reserves_the_scratch_each_kernel_asks_for(tmp_path):
    from codegen.compiled.ops.conv import (NARROW_MAX_OUT_W, NARROW_MIN_OUT_W, STRIP_SCRATCH_BYTES,
                                           conv_scratch_bytes, conv_w16_scratch_bytes, depthwise_plane_applies,
                                           depthwise_plane_scratch_bytes, depthwise_rows_scratch_bytes,
                                           depthwise_scratch_bytes, depthwise_strip_applies,
                                           prepared_pointwise_scratch_bytes)

    lines = ['#include <stdio.h>', '#include "an_conv.h"', '#include "an_depthwise_conv.h"', "int main(void) {"]
    lines += [f'  printf("conv %d %d\\n", {k}, (int)AN_CONV_SCRATCH_BYTES({k}));' for k in CONV_KS]
    lines += [f'  printf("w16 %d %d %d %d\\n", {h}, {w}, {c}, (int)AN_CONV_W16_SCRATCH_BYTES({h}, {w}, {c}));'
              for h, w, c in CONV_W16_KERNELS]
    lines += [f'  printf("dw %d %d %d\\n", {h}, {w}, (int)AN_DEPTHWISE_SCRATCH_BYTES({h}, {w}));'
              for h, w in DEPTHWISE_KERNELS]
    lines += [f'  printf("rows %d %d %d\\n", {w}, {s}, (int)AN_DEPTHWISE_ROWS_SCRATCH_BYTES({w}, {s}));'
              for w in ROWS_WIDTHS for s in (1, 2)]
    lines += ['  printf("narrow %d %d\\n", AN_DEPTHWISE_NARROW_MIN_OUT_W, AN_DEPTHWISE_NARROW_MAX_OUT_W);']
    lines += [f'  printf("plane %d %d %d %d\\n", {w}, {s}, (int)AN_DEPTHWISE_PLANE({w}, {s}), '
              f'(int)AN_DEPTHWISE_PLANE_SCRATCH_BYTES({h}, {w}, {sh}, {s}));'
              for w in range(1, 9) for s in (1, 2) for h, sh in ((1, 1), (4, 2), (6, 3))]
    lines += [f'  printf("strip %d %d %d %d\\n", {w}, {s}, (int)AN_DEPTHWISE_STRIP({w}, {s}), '
              '(int)AN_DEPTHWISE_STRIP_SCRATCH_BYTES);' for w in range(1, 9) for s in (1, 2)]
    lines += [f'  printf("pq %d %d %d\\n", {c}, {s}, (int)AN_CONV_PREPARED_SCRATCH_BYTES({c}, 1, {s}));'
              for c in PREPARED_DEPTHS for s in (1, 2)]
    lines += ["  return 0;", "}"]
    proc = run_host_program(tmp_path, "\n".join(lines) + "\n", "scratch_sizes")
    assert proc.returncode == 0, proc.stderr
    c_figures = proc.stdout.split("\n")
    python = [f"conv {k} {conv_scratch_bytes(k)}" for k in CONV_KS]
    python += [f"w16 {h} {w} {c} {conv_w16_scratch_bytes(h, w, c)}" for h, w, c in CONV_W16_KERNELS]
    python += [f"dw {h} {w} {depthwise_scratch_bytes(h, w)}" for h, w in DEPTHWISE_KERNELS]
    python += [f"rows {w} {s} {depthwise_rows_scratch_bytes(w, s)}" for w in ROWS_WIDTHS for s in (1, 2)]
    python += [f"narrow {NARROW_MIN_OUT_W} {NARROW_MAX_OUT_W}"]
    python += [f"plane {w} {s} {int(depthwise_plane_applies(w, s))} {depthwise_plane_scratch_bytes(h, w, sh, s)}"
               for w in range(1, 9) for s in (1, 2) for h, sh in ((1, 1), (4, 2), (6, 3))]
    python += [f"strip {w} {s} {int(depthwise_strip_applies(w, s))} {STRIP_SCRATCH_BYTES}"
               for w in range(1, 9) for s in (1, 2)]
    python += [f"pq {c} {s} {prepared_pointwise_scratch_bytes(c, 1, s)}" for c in PREPARED_DEPTHS for s in (1, 2)]
    assert c_figures[:-1] == python


def test_the_generator_writes_the_plane_records_the_kernel_makes(tmp_path):
    """ops/conv.py depthwise_plane_records (the flash records of the plane form, an_depthwise_conv.h ``records``)
    gives, word for word, what an_depthwise_conv.c's run-time an_dw3_records makes from the filter layout: extreme
    taps (-128, 127), biases whose double wraps int32, shifts -1 and -31, output offsets -128 and 127."""
    import numpy as np

    from codegen.compiled.ops.conv import RECORD_WORDS, depthwise_filter_layout, depthwise_plane_records

    rng = np.random.default_rng(21)
    channels = 12
    taps = rng.integers(-128, 128, size=(9, channels), dtype=np.int64)
    taps[:, 0], taps[:, 1] = -128, 127
    bias = rng.integers(-2 ** 31, 2 ** 31, size=channels, dtype=np.int64)
    mults = rng.integers(2 ** 30, 2 ** 31, size=channels, dtype=np.int64)
    shifts = -rng.integers(1, 32, size=channels, dtype=np.int64)
    shifts[:2] = (-1, -31)
    cases = []
    for out_zp in (-128, 0, 127):
        ok = [e for e in range(channels) if abs(2 ** (-shifts[e] - 1) + out_zp * 2 ** -int(shifts[e])) < 2 ** 31]
        cases.append((out_zp, depthwise_plane_records(taps[:, ok], bias[ok], mults[ok], shifts[ok], out_zp), ok))

    def c_array(values):
        return f"{{{', '.join(str(int(v)) for v in values)}}}"

    lines = ['#include <stdio.h>', '#include "an_depthwise_conv.c"', "int main(void) {",
             '  printf("%d\\n", AN_DEPTHWISE_RECORD_WORDS);', "  int32_t rec[4 * AN_DW3_RECORD];"]
    for n, (out_zp, _, ok) in enumerate(cases):
        ok4 = ok[:len(ok) & ~3]
        lines += [f"  static const int16_t f{n}[] = {c_array(depthwise_filter_layout(taps[:, ok4]))};",
                  f"  static const int32_t b{n}[] = {c_array(bias[ok4])};",
                  f"  static const int32_t m{n}[] = {c_array(mults[ok4])};",
                  f"  static const int32_t s{n}[] = {c_array(shifts[ok4])};",
                  f"  for (int c0 = 0; c0 < {len(ok4)}; c0 += 4) {{",
                  f"    an_dw3_records(f{n}, b{n}, m{n}, s{n}, c0, {out_zp}, rec);",
                  '    for (int i = 0; i < 4 * AN_DW3_RECORD; ++i) printf("%ld\\n", (long)rec[i]);', "  }"]
    lines += ["  return 0;", "}"]
    proc = run_host_program(tmp_path, "\n".join(lines) + "\n", "plane_records")
    assert proc.returncode == 0, proc.stderr
    python = [str(RECORD_WORDS)]
    for _, records, ok in cases:
        python += [str(int(v)) for v in records[:RECORD_WORDS * (len(ok) & ~3)]]
    assert len(python) > 1 + 2 * 4 * RECORD_WORDS
    assert proc.stdout.split("\n")[:-1] == python


def test_kernel_sources_follow_the_clang_format_style():
    clang_format = shutil.which("clang-format")
    if clang_format is None:
        pytest.skip("clang-format not installed (scripts/setup_system.sh installs it: apt-get install clang-format)")
    sources = sorted(str(p) for p in KERNELS_DIR.glob("*.[ch]"))
    assert (KERNELS_DIR / ".clang-format").is_file() and sources
    proc = subprocess.run([clang_format, "--dry-run", "-Werror", "--style=file", *sources], capture_output=True,
                          text=True, timeout=120)
    assert proc.returncode == 0, ("run clang-format -i on the kernel library:\n" + proc.stderr)[:3000]


def test_the_style_check_can_fail(tmp_path):
    clang_format = shutil.which("clang-format")
    if clang_format is None:
        pytest.skip("clang-format not installed (scripts/setup_system.sh installs it: apt-get install clang-format)")
    shutil.copy(KERNELS_DIR / ".clang-format", tmp_path / ".clang-format")
    bad = tmp_path / "an_bad.c"
    bad.write_text("#include <stdint.h>\nvoid an_bad(const int8_t* input, int8_t* output);\n")
    proc = subprocess.run([clang_format, "--dry-run", "-Werror", "--style=file", str(bad)], capture_output=True,
                          text=True, timeout=60)
    assert proc.returncode != 0 and "an_bad.c" in proc.stderr


def test_the_generator_and_the_kernel_agree_where_the_prepared_pointwise_filter_is_in_pairs(tmp_path):
    """an_conv1x1_s8_prepared_w16 reads the pairs layout where AN_CONV_PREPARED_PAIRS (an_conv.h), and the
    generator writes it where codegen/compiled/ops/conv.py's prepared_pairs: the same rule."""
    from codegen.compiled.ops.conv import prepared_pairs

    cases = [(c, sh, sw) for c in (1, 4, 7, 8, 12, 16, 24, 32, 33, 44, 64, 96, 100, 128, 160, 180, 192, 196, 256) for sh in (1, 2)
             for sw in (1, 2)]
    lines = ['#include <stdio.h>', '#include "an_conv.h"', "int main(void) {"]
    lines += [f'  printf("%d\\n", (int)AN_CONV_PREPARED_PAIRS({c}, {sh}, {sw}));' for c, sh, sw in cases]
    lines += ["  return 0;", "}"]
    proc = run_host_program(tmp_path, "\n".join(lines) + "\n", "pairs_rule")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split() == [str(int(prepared_pairs(c, sh, sw))) for c, sh, sw in cases]


def test_the_generator_names_the_pointwise_variant_the_kernel_would_run(tmp_path):
    """A generated model.c calls an_conv1x1_s8_prepared_w16's variant entry points itself (so that a firmware links
    only those): codegen/compiled/ops/conv.py's pointwise_prepared_variant is an_conv.h's
    an_conv1x1_prepared_variant (what the run-time dispatcher runs) over a grid of shapes, and the enum, the
    header's entry points and the dispatcher's table are in POINTWISE_PREPARED_VARIANTS' order."""
    import re

    from codegen.compiled.ops.conv import POINTWISE_OUT_FORMS, POINTWISE_PREPARED_VARIANTS, pointwise_prepared_variant

    cases = [(c, sh, sw, oc) for c in (*range(1, 41), 44, 48, 56, 60, 63, 64, 65, 72, 96, 100, 112, 128, 129, 180, 192,
                                       196, 200, 256, 260) for sh in (1, 2) for sw in (1, 3) for oc in (7, 32, 64)]
    # the out_c-known forms, their out_c at stride 2 and their in_c at out_c 4 on (the generic forms)
    cases += [(c, sh, 1, oc + d) for c, oc in POINTWISE_OUT_FORMS for sh in (1, 2) for d in (0, 4)]
    lines = ['#include <stdio.h>', '#include "an_conv.h"', "int main(void) {"]
    lines += [f'  printf("%d\\n", an_conv1x1_prepared_variant({c}, {sh}, {sw}, {oc}));' for c, sh, sw, oc in cases]
    lines += ["  return 0;", "}"]
    proc = run_host_program(tmp_path, "\n".join(lines) + "\n", "pointwise_variant_rule")
    assert proc.returncode == 0, proc.stderr
    assert [POINTWISE_PREPARED_VARIANTS[int(i)] for i in proc.stdout.split()] == \
        [pointwise_prepared_variant(c, sh, sw, oc) for c, sh, sw, oc in cases]
    assert set(map(lambda case: pointwise_prepared_variant(*case), cases)) == set(POINTWISE_PREPARED_VARIANTS)
    header = (KERNELS_DIR / "an_conv.h").read_text()
    enum = re.search(r"enum \{\s*(AN_CONV1X1_PREPARED_[^}]*)\}", header).group(1)
    assert [e.strip() for e in enum.split(",")] == [f"AN_CONV1X1_PREPARED_{v.upper()}" for v in POINTWISE_PREPARED_VARIANTS]
    entries = [f"an_conv1x1_s8_prepared_w16_{v}" for v in POINTWISE_PREPARED_VARIANTS]
    assert re.findall(r"AN_CONV1X1_PREPARED_ENTRY\((\w+)\);", header) == entries
    source = (KERNELS_DIR / "an_conv_pointwise.c").read_text()
    table = re.search(r"variants\[\][^=]*= \{([^}]*)\}", source)  # the dispatcher's, by an_conv1x1_prepared_variant
    assert [e.strip() for e in table.group(1).split(",")] == entries
    for entry in entries:  # each defined for every build (an_conv_pointwise.c)
        assert re.search(rf"^AN_CONV1X1_PREPARED_ENTRY\({entry}\) \{{", source, re.M), entry


def test_the_generator_names_the_pointwise_z_twins_where_act_min_is_at_or_above_the_zero_point():
    """The out_c-known variants of POINTWISE_LO_AT_ZP_FORMS have a _z twin (AN_P5_RQ's SMMLAR by kc alone), declared
    in an_conv.h and defined in an_conv_pointwise.c; pointwise_prepared_entry names it exactly where act_min >=
    output_offset (RELU, RELU6), the plain variant elsewhere and for the other variants."""
    import re

    from codegen.compiled.ops.conv import POINTWISE_LO_AT_ZP_FORMS, POINTWISE_OUT_FORMS, pointwise_prepared_entry

    header = (KERNELS_DIR / "an_conv.h").read_text()
    source = (KERNELS_DIR / "an_conv_pointwise.c").read_text()
    twins = [f"an_conv1x1_s8_prepared_w16_pairs{k}_out{o}" for k, o in POINTWISE_LO_AT_ZP_FORMS]
    assert re.findall(r"AN_CONV1X1_PREPARED_ENTRY_Z\((\w+)\);", header) == twins
    for twin in twins:
        assert re.search(rf"^AN_CONV1X1_PREPARED_ENTRY_Z\({twin}\) \{{", source, re.M), twin

    def entry(in_c, out_c, act_min, output_offset):
        fields = dict(in_c=in_c, out_c=out_c, stride_h=1, stride_w=1, act_min=act_min, output_offset=output_offset)
        return pointwise_prepared_entry(type("Step", (), {"args": [type("P", (), {"fields": fields})()]})())

    for k, o in set(POINTWISE_OUT_FORMS) | {(64, 64), (16, 32)}:
        plain = f"an_conv1x1_s8_prepared_w16_pairs{k}_out{o}"
        z = (k, o) in POINTWISE_LO_AT_ZP_FORMS
        assert entry(k, o, -128, -128) == plain + "_z" * z
        assert entry(k, o, -20, -20) == plain + "_z" * z
        assert entry(k, o, 100, -20) == plain + "_z" * z
        assert entry(k, o, -128, -20) == plain
        assert entry(k, o, -128, 5) == plain
    assert entry(24, 8, -128, -128) == "an_conv1x1_s8_prepared_w16_pairs24"


class _Step:
    """The fields of an ``an_depthwise_conv2d_s8`` step depthwise_entry reads."""

    def __init__(self, rows3x3, out_w, stride_w, act_min, act_max):
        fields = dict(rows3x3=rows3x3, out_w=out_w, stride_w=stride_w, act_min=act_min, act_max=act_max)
        self.args = [type("Params", (), {"fields": fields})()]


def test_the_generator_names_the_depthwise_form_the_kernel_would_run(tmp_path):
    """A generated model.c calls an_depthwise_conv2d_s8's form entry points itself (so that a firmware links only
    those): codegen/compiled/ops/conv.py's depthwise_form is an_depthwise_conv.h's an_depthwise_form (what the DSP
    dispatcher runs) over a grid of shapes, the header's plane shapes are PLANE_WIDTHS, and every entry point the
    generator can name is declared and defined."""
    import re

    from codegen.compiled.ops.conv import (DEPTHWISE_FORMS, PLANE_WIDTHS, STRIP_BAND_WIDTHS, depthwise_entry,
                                           depthwise_form)

    cases = [(r, w, s) for r in (0, 1, 2, 3, 4) for w in range(1, 30) for s in (1, 2, 3)]
    lines = ['#include <stdio.h>', '#include "an_depthwise_conv.h"', "int main(void) {"]
    lines += [f'  printf("%d\\n", an_depthwise_form({r}, {w}, {s}));' for r, w, s in cases]
    lines += ["  return 0;", "}"]
    proc = run_host_program(tmp_path, "\n".join(lines) + "\n", "depthwise_form_rule")
    assert proc.returncode == 0, proc.stderr
    assert [DEPTHWISE_FORMS[int(i)] for i in proc.stdout.split()] == [depthwise_form(*case) for case in cases]
    assert {depthwise_form(*case) for case in cases} == set(DEPTHWISE_FORMS)
    header = (KERNELS_DIR / "an_depthwise_conv.h").read_text()
    enum = re.search(r"enum \{\s*(AN_DEPTHWISE_FORM_[^}]*)\}", header).group(1)
    assert [e.strip() for e in enum.split(",")] == [f"AN_DEPTHWISE_FORM_{f.upper()}" for f in DEPTHWISE_FORMS]
    shapes = re.search(r"#define AN_DEPTHWISE_PLANE_SHAPES\(X\)((?:.*\\\n)*.*)", header).group(1)
    listed = [(int(w), int(s)) for w, s in re.findall(r"X\((\d+), (\d+)\)", shapes)]
    assert sorted(listed) == sorted((w, s) for s, widths in PLANE_WIDTHS.items() for w in widths)
    source = (KERNELS_DIR / "an_depthwise_conv.c").read_text()
    for form in ("general", "rows", "narrow", "strip"):
        assert f"AN_DEPTHWISE_ENTRY(an_depthwise_conv2d_s8_{form});" in header, form
        assert f"AN_DEPTHWISE_ENTRY(an_depthwise_conv2d_s8_{form}) {{" in source, form
    assert "AN_DEPTHWISE_ENTRY(an_depthwise_conv2d_s8_plane##W##_##S##_##F) {" in source
    # the strip form's per-width entry points (an_dw3_strip_band): the header's widths are STRIP_BAND_WIDTHS
    widths = re.search(r"#define AN_DEPTHWISE_STRIP_BAND_WIDTHS\(X\)(.*)", header).group(1)
    assert tuple(int(w) for w in re.findall(r"X\((\d+)\)", widths)) == STRIP_BAND_WIDTHS
    assert "AN_DEPTHWISE_ENTRY(an_depthwise_conv2d_s8_strip##W##_##F) {" in source
    assert depthwise_entry(_Step(3, 16, 1, -128, 127)) == "an_depthwise_conv2d_s8_strip16_1"
    assert depthwise_entry(_Step(3, 12, 1, 0, 127)) == "an_depthwise_conv2d_s8_strip12_0"
    assert depthwise_entry(_Step(3, 7, 1, -128, 127)) == "an_depthwise_conv2d_s8_strip"


def test_the_generator_and_the_kernel_agree_where_the_prepared_kxk_filter_is_in_pairs(tmp_path):
    """an_conv2d_s8_prepared_w16 reads its rows in pairs where AN_CONV_KXK3_FIRST (an_conv.h), and the generator
    writes them so where codegen/compiled/ops/conv.py's kxk3_first: the same rule."""
    from codegen.compiled.ops.conv import kxk3_first

    cases = [(kh, kw, c, dh, dw) for kh in (1, 3, 5) for kw in (2, 3) for c in (1, 2, 3, 4, 8) for dh in (1, 2)
             for dw in (1, 2)]
    lines = ['#include <stdio.h>', '#include "an_conv.h"', "int main(void) {"]
    lines += [f'  printf("%d\\n", (int)AN_CONV_KXK3_FIRST({kh}, {kw}, {c}, {dh}, {dw}));'
              for kh, kw, c, dh, dw in cases]
    lines += ["  return 0;", "}"]
    proc = run_host_program(tmp_path, "\n".join(lines) + "\n", "kxk3_first_rule")
    assert proc.returncode == 0, proc.stderr
    fields = [dict(k_h=kh, k_w=kw, in_c=c, dilation_h=dh, dilation_w=dw) for kh, kw, c, dh, dw in cases]
    assert proc.stdout.split() == [str(int(kxk3_first(f))) for f in fields]
    assert sum(map(kxk3_first, fields)) == 2  # 3x3 of one and three channels, no dilation


# Inline assembly at every level a user may pick: asm statements that need 12-14 core registers compile at -O2 and
# may find none at another level or float ABI (an_p4 at -O1 with an FPU, an_k3_pq_quads at -O0).  Pruned to stay
# cheap (about a minute of one busy core): every level on the M4 (hard float, the firmware's default) and the M55
# (MVE), -O1 on the M7 and M33 (with an FPU, -O1 keeps values in VFP registers across asm statements; their -O2 builds
# are other tests'), -O2 on the soft-float M4 and the M0+ (plain C).
ASM_LEVELS = ("-O0", "-O1", "-O2", "-O3", "-Os", "-Og")
# (name, catalog board, float ABI in place of the board's (None: the board's), levels)
ASM_BUILDS = [("m4-hard", "mps2-an386", None, ASM_LEVELS), ("m55-mve", "mps3-an547", None, ASM_LEVELS),
              ("m7-hard", "mps2-an500", None, ("-O1",)), ("m33-hard", "nrf5340dk", None, ("-O1",)),
              ("m4-soft", "mps2-an386", "soft", ("-O2",)), ("m0plus", "rpi-pico", None, ("-O2",))]
ASM_CASES = [(name, board, abi, level) for name, board, abi, levels in ASM_BUILDS for level in levels]


def _asm_sources():
    return sorted(p for p in KERNELS_DIR.glob("*.c") if "__asm__" in p.read_text())


_MAKEFILE_CFLAGS = {}


def _makefile_cflags(board_name, float_abi, level, tmp_path_factory):
    """CFLAGS of a generated compiled project's Makefile for ``board_name`` (the catalog's CPU flags, or those of
    the same core with ``float_abi`` and no FPU), as ``make OPT=level`` sets them."""
    import dataclasses

    from codegen.boards import get_board
    from codegen.generate import generate_project
    from tests.test_compiled_fc import fc_model

    if board_name not in _MAKEFILE_CFLAGS:
        work = tmp_path_factory.mktemp(f"asm_{board_name}")
        (work / "fc.tflite").write_bytes(fc_model())
        generate_project(work / "fc.tflite", board_name, work / "project", runtime="compiled", force=True)
        _MAKEFILE_CFLAGS[board_name] = work / "project"
    project = _MAKEFILE_CFLAGS[board_name]
    overrides = [f"OPT={level}"]
    if float_abi is not None:
        board = dataclasses.replace(get_board(board_name), float_abi=float_abi, fpu="none")
        overrides.append("CPU_FLAGS=" + " ".join(board.cpu_flags))
    proc = subprocess.run(["make", "-s", "-C", str(project), *overrides, "--eval",
                           "print-cflags: ; @echo $(CFLAGS) $(APP_DEFINES)", "print-cflags"],
                          capture_output=True, text=True, check=True, timeout=60)
    flags = proc.stdout.split()
    assert level in flags and "-std=c99" in flags, flags
    return flags


def _compile_all(gcc, flags, sources, out_dir):
    """Compile ``sources`` two at a time; the failures as ``[(source name, stderr)]``."""
    failures, running = [], []
    for source in sources:
        obj = out_dir / f"{source.stem}.o"
        running.append((source, subprocess.Popen([gcc, *flags, f"-I{KERNELS_DIR}", "-c", str(source), "-o", str(obj)],
                                                 cwd=out_dir, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                                 text=True)))
        while len(running) >= 2 or (running and source == sources[-1]):
            done, proc = running.pop(0)
            _out, err = proc.communicate(timeout=300)
            if proc.returncode != 0:
                failures.append((done.name, err))
    return failures


@pytest.mark.parametrize("name, board_name, float_abi, level", ASM_CASES,
                         ids=[f"{name}{level}" for name, _b, _a, level in ASM_CASES])
def test_inline_assembly_compiles_at_every_level(name, board_name, float_abi, level, tmp_path, tmp_path_factory):
    gcc = shutil.which("arm-none-eabi-gcc")
    if gcc is None or shutil.which("make") is None:
        pytest.skip("arm-none-eabi-gcc or make not installed (scripts/setup_system.sh installs them): "
                    "the kernels' inline assembly is not compiled")
    sources = _asm_sources()
    assert {p.name for p in sources} >= {"an_conv.c", "an_depthwise_conv.c"}
    flags = _makefile_cflags(board_name, float_abi, level, tmp_path_factory)
    failures = _compile_all(gcc, flags, sources, tmp_path)
    assert not failures, f"{name} {level} ({' '.join(flags)}):\n" + "\n".join(
        f"{src}:\n{err[-1500:]}" for src, err in failures)


def test_the_assembly_build_check_can_fail(tmp_path):
    """An asm statement that asks for more core registers than Thumb-2 has fails the same compile."""
    gcc = shutil.which("arm-none-eabi-gcc")
    if gcc is None:
        pytest.skip("arm-none-eabi-gcc not installed: the kernels' inline assembly is not compiled")
    bad = tmp_path / "an_bad.c"
    regs = [f"r{i}" for i in range(15)]  # 15 in-out operands (30, the most GCC takes), 14 core registers
    bad.write_text("int an_bad(int x) {\n  int " + ", ".join(f"{r} = x + {i}" for i, r in enumerate(regs)) + ";\n"
                   '  __asm__("" : ' + ", ".join(f'"+r"({r})' for r in regs) + ");\n"
                   "  return " + " + ".join(regs) + ";\n}\n")
    failures = _compile_all(gcc, ["-mcpu=cortex-m4", "-mthumb", "-O2"], [bad], tmp_path)
    assert failures and "impossible constraints" in failures[0][1]
