"""The Cortex-M4 timing model (codegen/runners/cm4_timing_plugin.c, docs/timing.md) on short
hand-counted sequences.

Every sequence is assembled into one bare-metal image that runs on QEMU's mps2-an386 (Cortex-M4)
with the plugin; each sequence lies between two marks, and its modelled cycles (the plugin's count
between the marks) must equal the count written here from the Cortex-M4 TRM (ARM DDI 0439B,
Table 3-1 and section 3.3.2 "Load/store timings"), with the model's documented choices:
P = 1 for a branch whose target is known at decode (B, B<c>, BL, CBZ), 2 for a register or
loaded target (BX, POP {PC}, LDR PC), +1 when the target is a 32-bit instruction that is not
word aligned; SDIV/UDIV a fixed 12; IT folded (0 cycles) after a 16-bit instruction.
One QEMU run serves every case.
"""

import shutil
import subprocess

import pytest

from codegen.runners import cycle_model

# name, assembly (r4 = a data block in SRAM, see SETUP), expected cycles, how each line counts
SEQUENCES = [
    ("alu", """
        adds r0, #1
        add.w r1, r2, r3
        mov r2, r3
        eor r5, r5, r6, lsl #3""",
     4, "ADD, ADD.W, MOV, EOR with shifted operand: 1 each"),
    ("ldr_single", """
        ldr r0, [r4]""",
     2, "LDR: 2"),
    ("ldr_pipelined_pair", """
        ldr r0, [r4]
        ldr r1, [r4, #4]""",
     3, "TRM 3.3.2: LDR R0,[R1]; LDR R1,[R2] - normally three cycles total (2 + 1 pipelined)"),
    ("ldr_pipelined_three", """
        ldr r0, [r4, r5]
        ldr r1, [r4]
        ldr r2, [r4, #4]""",
     4, "TRM 3.3.2: LDR R0,[R1,R5]; LDR R1,[R2]; LDR R2,[R3,#4] - normally four cycles (2 + 1 + 1)"),
    ("ldr_dependent_address", """
        ldr r6, [r4, #16]
        ldr r1, [r6]""",
     4, "the second LDR's address is the first's result: not pipelined, 2 + 2 ([r4+16] holds r4)"),
    ("ldr_then_str", """
        ldr r0, [r4, r5]
        str r0, [r4, #20]""",
     3, "TRM 3.3.2: LDR R0,[R1,R2]; STR R0,[R3,#20] - normally three cycles (2 + 1)"),
    ("ldr_then_str_register_offset", """
        ldr r0, [r4, r5]
        str r1, [r4, r5]""",
     3, "TRM 3.3.2: LDR R0,[R1,R2]; STR R1,[R3,R2] - normally three cycles (2 + 1)"),
    ("str_then_str", """
        str r0, [r4, #24]
        str r1, [r4, #28]""",
     4, "nothing is pipelined after a store (3.3.2): 2 + 2"),
    ("str_then_ldr", """
        str r0, [r4, #24]
        ldr r1, [r4, #4]""",
     4, "STR 2, then LDR 2 (not pipelined after a store)"),
    ("byte_halfword_loads", """
        ldrb.w r0, [r4, #1]
        ldrsh.w r1, [r4, #2]
        ldrsb r2, [r4, r5]""",
     4, "LDRB 2, LDRSH 1 pipelined, LDRSB (register offset) 1 pipelined"),
    ("ldrd", """
        ldrd r0, r1, [r4]""",
     3, "LDRD: 1 + N = 3 (TRM 3.3.2: three cycles)"),
    ("ldrd_between_loads", """
        ldr r2, [r4]
        ldrd r0, r1, [r4, #8]
        ldr r3, [r4]""",
     7, "LDRD is never pipelined with its neighbours: LDR 2 + LDRD 3 + LDR 2"),
    ("strd", """
        strd r0, r1, [r4, #32]""",
     3, "STRD: 1 + N = 3"),
    ("ldm_three", """
        ldmia.w r4, {r0, r1, r2}""",
     4, "LDM: 1 + N, N = 3"),
    ("push_pop", """
        push {r0, r1, r2, r3}
        pop {r0, r1, r2, r3}""",
     10, "PUSH 1 + 4, POP 1 + 4"),
    ("stm_writeback", """
        mov r7, r4
        stmia r7!, {r0, r1}""",
     4, "MOV 1, STMIA 1 + N = 3"),
    ("branch_taken_unconditional", """
        b.n 1f
        nop
        nop
    1:""",
     2, "B: 1 + P, P = 1 (target known at decode, 16-bit)"),
    ("branch_conditional_untaken", """
        movs r0, #0
        cmp r0, #1
        beq 1f
        nop
    1:""",
     4, "MOVS 1, CMP 1, BEQ untaken 1, NOP 1"),
    ("branch_conditional_taken", """
        movs r0, #1
        cmp r0, #1
        beq 1f
        nop
    1:""",
     4, "MOVS 1, CMP 1, BEQ taken 1 + P = 2 (the NOP is skipped)"),
    ("countdown_loop", """
        movs r0, #4
    1:  subs r0, #1
        bne 1b""",
     12, "MOVS 1, four SUBS 4, BNE taken three times 3 x 2, untaken once 1"),
    ("branch_to_unaligned_32bit", """
        .balign 4
        b.n 1f
        nop
        nop
    1:  add.w r0, r0, r0""",
     4, "B to a 32-bit instruction at an address = 2 mod 4: 1 + P, P = 2; ADD.W 1"),
    ("sixteen_bit_below_1k_boundary", """
        b 1f
        .balign 1024
        .space 1016
    1:  adds r0, #1
        adds r0, #1
        adds r0, #1
        adds r0, #1
        adds r0, #1""",
     7, "B 1 + P = 2; five ADDS 1 each at 0x...3f8-0x...400. QEMU 7.2 gives the plugin 4 bytes for the "
        "ADDS at 0x...3fc (its look-ahead across the 1 KiB page); the model takes the width from the encoding"),
    ("cbz_cbnz", """
        movs r0, #0
        cbz r0, 1f
        nop
    1:  cbnz r0, 2f
        nop
    2:""",
     5, "MOVS 1, CBZ taken 1 + 1, CBNZ untaken 1, NOP 1"),
    ("bl_push_pop_pc", """
        bl cm4_leaf
        nop""",
     9, "BL 1 + P = 2; PUSH {LR} 1 + 1; POP {PC} 1 + 1 + P (indirect, 2) = 4; NOP 1"),
    ("bx_register", """
        adr r3, 1f
        adds r3, #1
        bx r3
        nop
        .balign 4
    1:""",
     5, "ADR 1, ADDS 1, BX 1 + P (indirect, 2)"),
    ("ldr_pc", """
        ldr pc, [r4, #12]
        nop
        nop
        .balign 4
    cm4_ldr_pc_target:""",
     4, "LDR PC: 2 + P (indirect, 2); TRM 3.3.2: at least four cycles"),
    ("ldr_literal", """
        ldr r0, =0x12345678""",
     2, "LDR from the literal pool: 2 (the 'might add a cycle' of 3.3.2 for PC-relative loads is not modelled)"),
    ("dsp_simd", """
        smlad r0, r1, r2, r0
        smlabb r3, r1, r2, r3
        sxtb16 r5, r1
        sxtb16 r6, r1, ror #8
        smuad r7, r1, r2
        ssat r0, #8, r0""",
     6, "SMLAD, SMLABB, SXTB16, SXTB16 ROR, SMUAD, SSAT: 1 each"),
    ("multiplies", """
        mul r0, r1, r2
        mla r0, r1, r2, r0
        mls r0, r1, r2, r0
        umull r0, r1, r2, r3
        smull r0, r1, r2, r3
        smlal r0, r1, r2, r3
        umlal r0, r1, r2, r3
        smmul r0, r1, r2""",
     8, "MUL, MLA, MLS, UMULL, SMULL, SMLAL, UMLAL, SMMUL: 1 each on the Cortex-M4"),
    ("divides", """
        movs r2, #7
        sdiv r0, r1, r2
        udiv r0, r1, r2""",
     25, "MOVS 1; SDIV and UDIV 2-12, data dependent: the model's fixed 12 each"),
    ("it_folded", """
        cmp r0, r0
        ite eq
        moveq r1, #1
        movne r1, #2""",
     3, "CMP 1 (16-bit), ITE folded 0, the two conditional MOVs 1 each (the failed one too)"),
    ("it_not_folded", """
        add.w r0, r0, #0
        it eq
        addeq r1, r1, #1""",
     3, "ADD.W 1 (32-bit: nothing to fold onto), IT 1, ADDEQ 1"),
    ("fpu", """
        vldr s0, [r4]
        vadd.f32 s2, s0, s0
        vmla.f32 s2, s0, s0
        vdiv.f32 s3, s2, s0""",
     20, "VLDR 2, VADD 1, VMLA 3, VDIV 14 (TRM Table 3-2)"),
]

SETUP = """
    .syntax unified
    .thumb
    .text
    .word 0x20008000         @ vector table: initial SP, reset
    .word cm4_reset + 1
    .global cm4_reset
    .thumb_func
cm4_reset:
    ldr r4, =0x20001000      @ data block
    movs r5, #8
    str r4, [r4, #16]        @ [r4+16] = r4 (ldr_dependent_address)
    ldr r0, =cm4_ldr_pc_target + 1
    str r0, [r4, #12]        @ [r4+12] = target of ldr_pc
    ldr r0, =0xE000ED88      @ CPACR: full access to CP10/CP11 (the FPU)
    ldr r1, [r0]
    orr r1, r1, #(0xF << 20)
    str r1, [r0]
    dsb
    isb
    movs r0, #0
    movs r1, #3
    movs r2, #5
    movs r3, #0
{body}
    movs r0, #0x18           @ SYS_EXIT, ADP_Stopped_ApplicationExit
    ldr r1, =0x20026
    bkpt 0xab
    b .
    .balign 4
    .thumb_func
cm4_leaf:
    push {{lr}}
    pop {{pc}}
    .ltorg
"""


def _skip_reason():
    for tool in ("cc", "arm-none-eabi-gcc", "arm-none-eabi-nm", "qemu-system-arm"):
        if shutil.which(tool) is None:
            return f"{tool} not found: the timing-model tests need cc, the Arm GCC and qemu-system-arm"
    return None


@pytest.fixture(scope="module")
def image(tmp_path_factory):
    """(work folder, ELF, {symbol: address}) of every sequence in one bare-metal image."""
    reason = _skip_reason()
    if reason:
        pytest.skip(reason)
    work = tmp_path_factory.mktemp("cm4_timing")
    body = []
    for name, asm, _, _ in SEQUENCES:
        # a NOP after each end mark keeps one sequence's last load from pipelining the next's first
        body.append(f"    .balign 4\nseq_{name}_start:{asm}\nseq_{name}_end:\n    nop\n")
    (work / "seq.S").write_text(SETUP.format(body="\n".join(body)))
    elf = work / "seq.elf"
    subprocess.run(["arm-none-eabi-gcc", "-mcpu=cortex-m4", "-mthumb", "-mfloat-abi=hard", "-mfpu=fpv4-sp-d16",
                    "-nostdlib", "-nostartfiles", "-Wl,-Ttext=0x0",
                    "-Wl,-e,cm4_reset", "-o", str(elf), str(work / "seq.S")], check=True)
    names = [f"seq_{n}_{e}" for n, *_ in SEQUENCES for e in ("start", "end")]
    out = subprocess.run(["arm-none-eabi-nm", str(elf)], capture_output=True, text=True, check=True).stdout
    addresses = {p[2]: int(p[0], 16) for p in (line.split() for line in out.splitlines()) if len(p) == 3}
    assert set(names) <= set(addresses), sorted(set(names) - set(addresses))
    return work, elf, addresses


def _measure(image, settings=cycle_model.TimingSettings()):
    """{sequence: modelled cycles}, {sequence: instructions} of one QEMU run of the image."""
    work, elf, addresses = image
    names = [f"seq_{n}_{e}" for n, *_ in SEQUENCES for e in ("start", "end")]
    result = work / f"timing-{settings.wait_states}.txt"
    argv = ["qemu-system-arm", "-M", "mps2-an386", "-nographic", "-monitor", "none", "-serial", "none",
            "-icount", "shift=0", "-semihosting-config", "enable=on,target=native", "-kernel", str(elf),
            *cycle_model.plugin_argv(cycle_model.plugin_library(), result, [addresses[n] for n in names], settings)]
    done = subprocess.run(argv, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    run = cycle_model.read_run(result)
    assert run is not None
    at = {}
    for mark in run.marks:
        at.setdefault(mark.address, mark)  # the first time each marked instruction executes
    return {n: at[addresses[f"seq_{n}_end"]].cycles - at[addresses[f"seq_{n}_start"]].cycles
            for n, *_ in SEQUENCES}, {n: at[addresses[f"seq_{n}_end"]].instructions
                                      - at[addresses[f"seq_{n}_start"]].instructions for n, *_ in SEQUENCES}


@pytest.fixture(scope="module")
def measured(image):
    return _measure(image)


def test_flash_wait_states(image):
    """ws=3 on the code region [0, 4 MiB): a taken branch refills from flash (+3), a load from the
    literal pool in flash waits (+3); loads from SRAM and straight-line code do not change."""
    cycles, _ = _measure(image, cycle_model.TimingSettings(wait_states=3, flash_range=(0, 0x400000)))
    assert cycles["branch_taken_unconditional"] == 2 + 3, cycles
    assert cycles["ldr_literal"] == 2 + 3
    assert cycles["ldr_single"] == 2 and cycles["alu"] == 4
    assert cycles["countdown_loop"] == 12 + 3 * 3  # three taken BNE


@pytest.mark.parametrize("name,asm,expected,why", SEQUENCES, ids=[s[0] for s in SEQUENCES])
def test_hand_counted_sequence(measured, name, asm, expected, why):
    cycles, _ = measured
    assert cycles[name] == expected, f"{name}: modelled {cycles[name]} cycles, TRM count {expected} ({why})"


def test_instructions_are_the_executed_ones(measured):
    _, instructions = measured
    assert instructions["countdown_loop"] == 1 + 4 * 2  # MOVS, then SUBS + BNE four times
    assert instructions["branch_conditional_taken"] == 3  # the skipped NOP is not counted
    assert instructions["bl_push_pop_pc"] == 4  # BL, PUSH, POP, NOP


def test_not_applicable_cores_say_why():
    assert cycle_model.not_applicable_reason("cortex-m4") is None
    assert "dual issue" in cycle_model.not_applicable_reason("cortex-m7")
    assert "cortex-m55" in cycle_model.not_applicable_reason("cortex-m55").lower()
    text = cycle_model.format_figures(1234, None, reason=cycle_model.not_applicable_reason("cortex-m7"))
    assert text.startswith("1,234 instructions (QEMU)") and "cycles (" not in text
    assert cycle_model.format_figures(10, 25) == \
        "10 instructions (QEMU), 25 cycles (Cortex-M4 timing model, 0 wait states)"


def test_invocations_from_marks():
    """The marks of one profiled inference: P I (B P E P) x2 P, after an empty hook pair at init."""
    sym = {"platform_cycles": 0x100, "model_invoke": 0x200, "model_profile_begin": 0x300, "model_profile_end": 0x400}
    seq = [("P", 0, 0), ("B", 5, 6), ("P", 6, 7), ("E", 15, 20), ("P", 16, 21), ("P", 30, 40),  # init: pair = 14 cycles
           ("P", 100, 200), ("I", 105, 205),
           ("B", 110, 210), ("P", 111, 211), ("E", 1000, 2224), ("P", 1001, 2225),
           ("B", 1010, 2240), ("P", 1011, 2241), ("E", 1500, 3254), ("P", 1501, 3255),
           ("P", 1600, 3400)]
    addr = {"P": 0x100, "I": 0x200, "B": 0x300, "E": 0x400}
    run = cycle_model.TimingRun(0, 0, [cycle_model.Mark(addr[k], i, c) for k, i, c in seq])
    [inv] = cycle_model.invocations(run, sym)
    assert (inv.total.instructions, inv.total.cycles) == (1500, 3200)
    assert [(o.instructions, o.cycles) for o in inv.operators] == [(890 - 10, 2014 - 14), (490 - 10, 1014 - 14)]


def test_plugin_is_rebuilt_when_its_source_changes(tmp_path, monkeypatch):
    if shutil.which("cc") is None:
        pytest.skip("cc not found: the plugin is built with the host C compiler")
    monkeypatch.setenv("ATTENDNETS_CACHE", str(tmp_path))
    first = cycle_model.plugin_library()
    assert first.is_file() and first.parent == tmp_path
    assert cycle_model.plugin_library() == first  # cached
    changed = tmp_path / "plugin.c"
    changed.write_text(cycle_model.SOURCE.read_text() + "\n/* changed */\n")
    monkeypatch.setattr(cycle_model, "SOURCE", changed)
    second = cycle_model.plugin_library()
    assert second != first and second.is_file()


# ------------------------------------------------------------------ the decoder against objdump
CONDITIONS = {"eq", "ne", "cs", "cc", "hs", "lo", "mi", "pl", "vs", "vc", "hi", "ls", "ge", "lt", "gt", "le"}
LOADS = {"ldr", "ldrb", "ldrh", "ldrsb", "ldrsh", "ldrex", "ldrexb", "ldrexh", "ldrt", "ldrbt", "ldrht"}
STORES = {"str", "strb", "strh", "strex", "strexb", "strexh", "strt", "strbt", "strht"}
MULTIPLE = {"push", "pop", "stm", "stmia", "stmea", "stmdb", "stmfd", "ldm", "ldmia", "ldmfd", "ldmdb", "ldmea"}
FP_MAC = {"vmla", "vmls", "vnmla", "vnmls", "vfma", "vfms", "vfnma", "vfnms"}


def _base_mnemonic(mnemonic, known):
    """'ldreq.w' -> 'ldr' when 'ldr' is in ``known`` (a condition inside an IT block, a width suffix)."""
    m = mnemonic.split(".")[0]
    if m in known:
        return m
    if m[-2:] in CONDITIONS and m[:-2] in known:
        return m[:-2]
    return m


def _registers(operands):
    """Registers in an objdump register list such as '{r4, r5, r6, r7, lr}', '{r4-r7, pc}' or '{d8-d9}'."""
    inside = operands[operands.index("{") + 1:operands.index("}")]
    names = []
    for part in (p.strip() for p in inside.split(",")):
        if "-" in part:  # a range keeps its bank: r4-r7, d8-d9, s16-s31
            low, high = (x.strip() for x in part.split("-"))
            names += [f"{low[0]}{i}" for i in range(int(low[1:]), int(high[1:]) + 1)]
        else:
            names.append(part)
    return names


def _expected(mnemonic, operands):
    """(base, branch kinds allowed, mem, is_it) that Table 3-1 gives the instruction objdump names
    (branch: 0 none, 1 conditional direct, 2 direct, 3 indirect; mem: 0, 1 load, 2 store, 3 other)."""
    known = LOADS | STORES | MULTIPLE | FP_MAC | {"ldrd", "strd", "b", "bl", "bx", "blx", "sdiv", "udiv", "tbb", "tbh",
                                                  "vldr", "vstr", "vpush", "vpop", "vldmia", "vstmia", "vstmdb",
                                                  "vdiv", "vsqrt", "mov", "add", "isb"}
    m = _base_mnemonic(mnemonic, known)
    if m in LOADS:
        return (2, {3}, 3, 0) if operands.startswith("pc,") else (2, {0}, 1, 0)
    if m in STORES:
        return 2, {0}, 2, 0
    if m in ("ldrd", "strd"):
        return 3, {0}, 3, 0
    if m in MULTIPLE:
        regs = _registers(operands)
        loads_pc = "pc" in regs and m in ("pop", "ldm", "ldmia", "ldmfd", "ldmdb", "ldmea")
        return 1 + len(regs), {3} if loads_pc else {0}, 3, 0
    if m in ("vpush", "vpop", "vldmia", "vstmia", "vstmdb"):
        words = sum(2 if r.startswith("d") else 1 for r in _registers(operands))
        return 1 + words, {0}, 3, 0
    if m in ("vldr", "vstr"):
        return 2, {0}, 1 if m == "vldr" else 2, 0
    if mnemonic.startswith("it"):
        return 1, {0}, 0, 1
    if mnemonic.split(".")[0] in {"b" + c for c in CONDITIONS} | {"cbz", "cbnz"}:
        return 1, {1, 2}, 0, 0  # B<c> inside an IT block is encoded as an unconditional B
    if m in ("b", "bl"):
        return 1, {2}, 0, 0
    if m in ("bx", "blx"):
        return 1, {3}, 0, 0
    if m in ("tbb", "tbh"):
        return 4, {3}, 0, 0
    if m in ("sdiv", "udiv"):
        return 12, {0}, 0, 0
    if m in FP_MAC:
        return 3, {0}, 0, 0
    if m in ("vdiv", "vsqrt"):
        return 14, {0}, 0, 0
    if m == "isb":
        return 1, {3}, 0, 0
    if m in ("mov", "add") and operands.startswith("pc,"):
        return 1, {3}, 0, 0
    return 1, {0}, 0, 0


def test_decoder_agrees_with_objdump(tmp_path):
    """Every instruction of the compiled runtime's kernel library (built for the Cortex-M4, DSP and
    FPU) and of a float routine: the plugin's decoder gives the cost class of its objdump mnemonic."""
    for tool in ("cc", "arm-none-eabi-gcc", "arm-none-eabi-objdump"):
        if shutil.which(tool) is None:
            pytest.skip(f"{tool} not found: the decoder check needs cc and the Arm GCC")
    from firmware_template import KERNELS_DIR

    decoder = tmp_path / "decode"
    here = cycle_model.SOURCE.parents[2] / "tests" / "cycle_model" / "decode_main.c"
    subprocess.run(["cc", "-std=c11", "-O1", "-o", str(decoder), str(here)], check=True)
    (tmp_path / "fp.c").write_text("float f(const float* a, const float* b, int n) { float s = 0; "
                                   "for (int i = 0; i < n; ++i) s += a[i] * b[i] / (b[i] + 1.0f); return s; }\n"
                                   "int d(int a, int b) { return a / b + (unsigned)a / (unsigned)b; }\n")
    sources = sorted(KERNELS_DIR.glob("*.c")) + [tmp_path / "fp.c"]
    listing = []
    for src in sources:
        obj = tmp_path / (src.stem + ".o")
        subprocess.run(["arm-none-eabi-gcc", "-mcpu=cortex-m4", "-mthumb", "-mfpu=fpv4-sp-d16", "-mfloat-abi=hard",
                        "-O2", "-std=c99", f"-I{KERNELS_DIR}", "-c", str(src), "-o", str(obj)], check=True)
        out = subprocess.run(["arm-none-eabi-objdump", "-d", str(obj)], capture_output=True, text=True,
                             check=True).stdout
        for line in out.splitlines():
            parts = line.split("\t")
            if len(parts) >= 3 and parts[0].strip().endswith(":") and not parts[2].startswith("."):
                listing.append((parts[1].strip(), parts[2].strip(), parts[3].split(";")[0].split("@")[0].strip()
                                if len(parts) > 3 else ""))
    assert len(listing) > 1000
    decoded = subprocess.run([str(decoder)], input="\n".join(words for words, _, _ in listing) + "\n",
                             capture_output=True, text=True, check=True).stdout.splitlines()
    wrong = []
    seen = set()
    for (words, mnemonic, operands), got in zip(listing, decoded, strict=True):
        base, branch, mem, is_it, _ = (int(x) for x in got.split())
        want_base, want_branches, want_mem, want_it = _expected(mnemonic, operands)
        if mnemonic.startswith("vmov"):  # 1, or 2 for two core registers
            ok = base in (1, 2) and branch == 0
        else:
            ok = base == want_base and branch in want_branches and mem == want_mem and is_it == want_it
        if not ok:
            wrong.append(f"{words} {mnemonic} {operands}: decoded {got}, expected {want_base} {want_branches} "
                         f"{want_mem} {want_it}")
        seen.add(_base_mnemonic(mnemonic, LOADS | STORES | MULTIPLE))
    assert not wrong, "\n".join(wrong[:20])
    # the check covered every class the model prices differently
    assert {"ldr", "str", "ldrd", "strd", "push", "pop", "smlad", "sxtb16", "bl", "bx", "sdiv", "it"} <= seen | {
        m.split(".")[0] for _, m, _ in listing}


def test_unwritable_cache_is_one_line(tmp_path, monkeypatch):
    """A cache folder that cannot be made: flash and validate get one line and go on without the model."""
    if shutil.which("cc") is None:
        pytest.skip("cc not found: without it the plugin is not built at all")
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("ATTENDNETS_CACHE", str(blocker / "cache"))
    monkeypatch.setattr(cycle_model, "SOURCE", tmp_path / "plugin.c")
    (tmp_path / "plugin.c").write_text("/* a source no cache holds */\n")
    with pytest.raises(cycle_model.ExternalToolError, match="ATTENDNETS_CACHE"):
        cycle_model.plugin_library()
    lines = []
    monkeypatch.setattr(cycle_model, "symbol_addresses", lambda elf, names=None: {"model_invoke": 2, "platform_cycles": 4})
    assert cycle_model.QemuTiming.try_create("cortex-m4", tmp_path / "x.elf", tmp_path / "t.txt", log=lines.append) is None
    assert len(lines) == 1 and lines[0].startswith("timing model: not used (")
