/*
 * Cortex-M4 timing model as a QEMU TCG plugin (docs/timing.md).
 *
 * QEMU executes the guest; at translation time this plugin decodes every Thumb/Thumb-2
 * instruction from its bytes (qemu_plugin_insn_data) and at execution time adds its
 * Cortex-M4 cycle cost from the instruction timings of the Cortex-M4 Technical Reference
 * Manual (ARM DDI 0439B, section 3.3 "Instruction set summary", Table 3-1, and section
 * 3.3.2 "Load/store timings"): zero wait states unless asked for.
 *
 * Arguments (-plugin lib.so,arg=value,...):
 *   out=PATH         where the counts are written when QEMU exits (default: QEMU's log)
 *   mark=ADDR        (repeatable) a code address: each time the instruction there executes, one
 *                    line "mark ADDR INSTRUCTIONS CYCLES" is written with the counts *before* it
 *   p_direct=N       pipeline refill P of a branch whose target is known at decode (default 1)
 *   p_indirect=N     P of a branch to a register/loaded address (default 2)
 *   div=N            cycles of SDIV/UDIV (TRM: 2-12, data dependent; default 12, see below)
 *   ws=N             flash wait states (default 0)
 *   flash=LO:HI      the flash address range [LO, HI) that ws applies to
 *
 * Output: "instructions N", "cycles N", then the mark lines in execution order.
 *
 * The plugin C API is declared here (Debian ships no qemu-plugin.h): the declarations follow
 * QEMU 7.2's include/qemu/qemu-plugin.h, plugin API version 1 (QEMU_PLUGIN_VERSION 1).
 * Host-compiled: cc -shared -fPIC -O2.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------ QEMU 7.2 plugin API (v1) */
#define QEMU_PLUGIN_EXPORT __attribute__((visibility("default")))
typedef uint64_t qemu_plugin_id_t;
typedef struct qemu_info_t {
  const char* target_name;
  struct {
    int min;
    int cur;
  } version;
  bool system_emulation;
  union {
    struct {
      int smp_vcpus;
      int max_vcpus;
    } system;
  };
} qemu_info_t;
struct qemu_plugin_tb;
struct qemu_plugin_insn;
enum qemu_plugin_cb_flags { QEMU_PLUGIN_CB_NO_REGS, QEMU_PLUGIN_CB_R_REGS, QEMU_PLUGIN_CB_RW_REGS };
enum qemu_plugin_mem_rw { QEMU_PLUGIN_MEM_R = 1, QEMU_PLUGIN_MEM_W, QEMU_PLUGIN_MEM_RW };
typedef uint32_t qemu_plugin_meminfo_t;
typedef void (*qemu_plugin_udata_cb_t)(qemu_plugin_id_t id, void* userdata);
typedef void (*qemu_plugin_vcpu_udata_cb_t)(unsigned int vcpu_index, void* userdata);
typedef void (*qemu_plugin_vcpu_tb_trans_cb_t)(qemu_plugin_id_t id, struct qemu_plugin_tb* tb);
typedef void (*qemu_plugin_vcpu_mem_cb_t)(unsigned int vcpu_index, qemu_plugin_meminfo_t info, uint64_t vaddr,
                                          void* userdata);
void qemu_plugin_register_vcpu_tb_trans_cb(qemu_plugin_id_t id, qemu_plugin_vcpu_tb_trans_cb_t cb);
void qemu_plugin_register_vcpu_insn_exec_cb(struct qemu_plugin_insn* insn, qemu_plugin_vcpu_udata_cb_t cb,
                                            enum qemu_plugin_cb_flags flags, void* userdata);
void qemu_plugin_register_vcpu_mem_cb(struct qemu_plugin_insn* insn, qemu_plugin_vcpu_mem_cb_t cb,
                                      enum qemu_plugin_cb_flags flags, enum qemu_plugin_mem_rw rw, void* userdata);
void qemu_plugin_register_atexit_cb(qemu_plugin_id_t id, qemu_plugin_udata_cb_t cb, void* userdata);
size_t qemu_plugin_tb_n_insns(const struct qemu_plugin_tb* tb);
struct qemu_plugin_insn* qemu_plugin_tb_get_insn(const struct qemu_plugin_tb* tb, size_t idx);
const void* qemu_plugin_insn_data(const struct qemu_plugin_insn* insn);
size_t qemu_plugin_insn_size(const struct qemu_plugin_insn* insn);
uint64_t qemu_plugin_insn_vaddr(const struct qemu_plugin_insn* insn);
void qemu_plugin_outs(const char* string);

QEMU_PLUGIN_EXPORT int qemu_plugin_version = 1;

/* ------------------------------------------------------------ the decoded instruction */
enum branch_kind {
  BR_NONE = 0,
  BR_COND_DIRECT,   /* B<c>, CBZ/CBNZ: 1 untaken, 1 + P taken (P direct) */
  BR_DIRECT,        /* B, BL: 1 + P (P direct) */
  BR_INDIRECT,      /* BX, BLX, MOV/ADD PC, LDR PC, POP/LDM {..PC}, TBB/TBH: cost + P (P indirect) */
};

enum mem_kind {
  MEM_NONE = 0,
  MEM_LOAD_SINGLE,  /* LDR/LDRB/LDRH/LDRSB/LDRSH/LDREX/VLDR: 2, or 1 pipelined after a load */
  MEM_STORE_SINGLE, /* STR/STRB/STRH/STREX/VSTR: 2, or 1 pipelined after a load */
  MEM_OTHER,        /* LDRD/STRD, LDM/STM, PUSH/POP, VLDM/VSTM: never pipelined */
};

typedef struct insn_info {
  uint32_t pc;
  uint8_t size;        /* bytes: 2 or 4 */
  uint8_t base;        /* cycles when executed, without P and without the pipelining discount */
  uint8_t branch;      /* enum branch_kind */
  uint8_t mem;         /* enum mem_kind */
  uint8_t load_rt;     /* destination core register of a single load (16 when none) */
  uint8_t is_it;       /* IT: folded (0 cycles) after a 16-bit instruction */
  uint8_t is_load;     /* MEM_OTHER that reads memory (LDRD, LDM, POP, VLDM): flash wait states apply */
  uint16_t addr_regs;  /* registers the address of a load/store is computed from (bit mask) */
  int32_t mark;        /* index into marks, -1 when not a marked address */
  struct insn_info* next_alloc;
} insn_info;

/* ------------------------------------------------------------ settings and state */
#define MAX_MARKS 128
static uint64_t marks[MAX_MARKS];
static int mark_count;
static unsigned p_direct = 1, p_indirect = 2, div_cycles = 12, wait_states = 0;
static uint64_t flash_lo = 0, flash_hi = 0;
static FILE* out_file;
static char out_path[4096];

static uint64_t instructions, cycles;
static const insn_info* previous; /* the instruction executed last, its branch cost not yet added */
static insn_info* all_infos;       /* every insn_info allocated (freed at exit) */

static unsigned popcount16(uint32_t v) { return (unsigned)__builtin_popcount(v & 0xFFFFu); }

static bool in_flash(uint64_t address) { return wait_states && address >= flash_lo && address < flash_hi; }

/* Decode one instruction (hw1 first halfword, hw2 second for a 32-bit one). Cycle counts:
 * Cortex-M4 TRM (DDI 0439B) Table 3-1; the load/store pipelining of section 3.3.2. */
static void decode(insn_info* d, uint16_t hw1, uint16_t hw2) {
  d->base = 1;
  d->branch = BR_NONE;
  d->mem = MEM_NONE;
  d->load_rt = 16;
  d->is_it = 0;
  d->is_load = 0;
  d->addr_regs = 0;
  if (d->size == 2) {
    if ((hw1 & 0xFF00u) == 0x4700u) { /* BX Rm / BLX Rm: 1 + P */
      d->branch = BR_INDIRECT;
    } else if ((hw1 & 0xFC00u) == 0x4400u && ((hw1 >> 8) & 3u) != 1u) { /* ADD/MOV Rd, Rm (high registers) */
      unsigned rd = ((hw1 >> 4) & 8u) | (hw1 & 7u);
      if (rd == 15u) d->branch = BR_INDIRECT; /* ADD PC / MOV PC: 1 + P */
    } else if ((hw1 & 0xF800u) == 0x4800u) { /* LDR Rt, [PC, #imm]: 2 */
      d->mem = MEM_LOAD_SINGLE;
      d->base = 2;
      d->load_rt = (hw1 >> 8) & 7u;
      d->addr_regs = 1u << 15;
    } else if ((hw1 & 0xF000u) == 0x5000u) { /* load/store, register offset */
      unsigned opb = (hw1 >> 9) & 7u;
      d->base = 2;
      d->mem = opb < 3u ? MEM_STORE_SINGLE : MEM_LOAD_SINGLE;
      if (d->mem == MEM_LOAD_SINGLE) d->load_rt = hw1 & 7u;
      d->addr_regs = (uint16_t)((1u << ((hw1 >> 3) & 7u)) | (1u << ((hw1 >> 6) & 7u)));
    } else if ((hw1 & 0xE000u) == 0x6000u || (hw1 & 0xF000u) == 0x8000u) { /* LDR/STR(B/H) immediate */
      d->base = 2;
      d->mem = (hw1 & 0x0800u) ? MEM_LOAD_SINGLE : MEM_STORE_SINGLE;
      if (d->mem == MEM_LOAD_SINGLE) d->load_rt = hw1 & 7u;
      d->addr_regs = (uint16_t)(1u << ((hw1 >> 3) & 7u));
    } else if ((hw1 & 0xF000u) == 0x9000u) { /* LDR/STR Rt, [SP, #imm] */
      d->base = 2;
      d->mem = (hw1 & 0x0800u) ? MEM_LOAD_SINGLE : MEM_STORE_SINGLE;
      if (d->mem == MEM_LOAD_SINGLE) d->load_rt = (hw1 >> 8) & 7u;
      d->addr_regs = 1u << 13;
    } else if ((hw1 & 0xFE00u) == 0xB400u) { /* PUSH {reglist, LR}: 1 + N */
      d->mem = MEM_OTHER;
      d->base = (uint8_t)(1u + popcount16(hw1 & 0xFFu) + ((hw1 >> 8) & 1u));
    } else if ((hw1 & 0xFE00u) == 0xBC00u) { /* POP {reglist, PC}: 1 + N, + P with PC */
      d->mem = MEM_OTHER;
      d->base = (uint8_t)(1u + popcount16(hw1 & 0xFFu) + ((hw1 >> 8) & 1u));
      d->is_load = 1;
      if (hw1 & 0x0100u) d->branch = BR_INDIRECT;
    } else if ((hw1 & 0xF500u) == 0xB100u) { /* CBZ/CBNZ: 1, or 1 + P taken */
      d->branch = BR_COND_DIRECT;
    } else if ((hw1 & 0xFF00u) == 0xBF00u && (hw1 & 0x000Fu) != 0u) { /* IT */
      d->is_it = 1;
    } else if ((hw1 & 0xF000u) == 0xC000u) { /* STMIA/LDMIA: 1 + N */
      d->mem = MEM_OTHER;
      d->is_load = (hw1 >> 11) & 1u;
      d->base = (uint8_t)(1u + popcount16(hw1 & 0xFFu));
    } else if ((hw1 & 0xF000u) == 0xD000u && ((hw1 >> 8) & 0xEu) != 0xEu) { /* B<c>: 1, or 1 + P taken */
      d->branch = BR_COND_DIRECT;
    } else if ((hw1 & 0xF800u) == 0xE000u) { /* B: 1 + P */
      d->branch = BR_DIRECT;
    }
    /* everything else 16-bit (ALU, shifts, MULS, compare, extend, REV, hints, SVC, BKPT): 1 */
    return;
  }

  unsigned op1 = (hw1 >> 11) & 3u;
  if (op1 == 1u) {
    if ((hw1 & 0xFE40u) == 0xE800u) { /* LDM/STM (and PUSH.W/POP.W): 1 + N, + P when PC is loaded */
      unsigned load = (hw1 >> 4) & 1u;
      d->mem = MEM_OTHER;
      d->base = (uint8_t)(1u + popcount16(hw2));
      d->is_load = (uint8_t)load;
      if (load && (hw2 & 0x8000u)) d->branch = BR_INDIRECT;
    } else if ((hw1 & 0xFE40u) == 0xE840u) { /* load/store dual or exclusive, table branch */
      unsigned op1b = (hw1 >> 7) & 3u, op2b = (hw1 >> 4) & 3u, op3 = (hw2 >> 4) & 0xFu;
      if (op1b == 0u && op2b == 0u) { /* STREX: pipelined like LDR (3.3.2) */
        d->mem = MEM_STORE_SINGLE;
        d->base = 2;
        d->addr_regs = (uint16_t)(1u << (hw1 & 0xFu));
      } else if (op1b == 0u && op2b == 1u) { /* LDREX */
        d->mem = MEM_LOAD_SINGLE;
        d->base = 2;
        d->load_rt = (hw2 >> 12) & 0xFu;
        d->addr_regs = (uint16_t)(1u << (hw1 & 0xFu));
      } else if (op1b == 1u && op2b == 1u && (op3 == 0u || op3 == 1u)) { /* TBB/TBH */
        /* 3.3.2: "at least two cycles for the load, one cycle for the add, and three cycles for the
         * pipeline reload": 6 with the default P indirect of 2 (base 4 + P) */
        d->base = 4;
        d->branch = BR_INDIRECT;
      } else if (op1b == 1u && op2b == 0u) { /* STREXB/STREXH */
        d->mem = MEM_STORE_SINGLE;
        d->base = 2;
        d->addr_regs = (uint16_t)(1u << (hw1 & 0xFu));
      } else if (op1b == 1u && op2b == 1u) { /* LDREXB/LDREXH */
        d->mem = MEM_LOAD_SINGLE;
        d->base = 2;
        d->load_rt = (hw2 >> 12) & 0xFu;
        d->addr_regs = (uint16_t)(1u << (hw1 & 0xFu));
      } else { /* LDRD/STRD: 1 + N = 3, never pipelined (3.3.2) */
        d->mem = MEM_OTHER;
        d->base = 3;
        d->is_load = (hw1 >> 4) & 1u;
      }
    } else if ((hw1 & 0xEC00u) == 0xEC00u) { /* coprocessor: the FPU (single precision) */
      if ((hw1 & 0xFE00u) == 0xEC00u) {
        /* 0xEC00-0xEDFF: extension register load/store and 64-bit transfers */
        unsigned opcode = (hw1 >> 4) & 0x1Fu;
        if ((opcode & 0x1Eu) == 0x04u) { /* VMOV two core registers <-> two singles / a double */
          d->base = 2;
        } else if ((opcode & 0x12u) == 0x10u) { /* VLDR/VSTR: 2 (pipelined like LDR/STR) */
          d->base = 2;
          d->mem = (opcode & 1u) ? MEM_LOAD_SINGLE : MEM_STORE_SINGLE;
          d->addr_regs = (uint16_t)(1u << (hw1 & 0xFu));
        } else { /* VLDM/VSTM/VPUSH/VPOP: 1 + N (N = words) */
          d->mem = MEM_OTHER;
          d->base = (uint8_t)(1u + (hw2 & 0xFFu));
          d->is_load = opcode & 1u;
        }
      } else if ((hw1 & 0xFF00u) == 0xEE00u && (hw2 & 0x0E10u) == 0x0A00u) { /* FP data processing */
        unsigned opc1 = (hw1 >> 4) & 0xBu, opc2 = hw1 & 0xFu, opc3 = (hw2 >> 6) & 3u;
        if (opc1 == 0x0u || opc1 == 0x1u || opc1 == 0x9u || opc1 == 0xAu) {
          d->base = 3; /* VMLA/VMLS/VNMLA/VNMLS/VFMA/VFMS/VFNMA/VFNMS */
        } else if (opc1 == 0x8u) {
          d->base = 14; /* VDIV */
        } else if (opc1 == 0xBu && opc2 == 0x1u && opc3 == 3u) {
          d->base = 14; /* VSQRT */
        }
      }
      /* VMOV core <-> single, VMRS/VMSR and the rest: 1 */
    }
    /* data processing (shifted register): 1 */
    return;
  }
  if (op1 == 2u) {
    if ((hw2 & 0x8000u) == 0u) return; /* data processing, immediate: 1 */
    unsigned op1c = (hw2 >> 12) & 5u;
    if (op1c == 0u) {
      if (((hw1 >> 7) & 7u) != 7u) {
        d->branch = BR_COND_DIRECT; /* B<c>.W */
      } else if (hw1 == 0xF3BFu && (hw2 & 0xFFF0u) == 0x8F60u) {
        d->branch = BR_INDIRECT; /* ISB: 1 + B, B = a pipeline refill */
        d->base = 1;
      }
      /* MSR, MRS, DSB, DMB, hints, CPS: 1 */
    } else if (op1c == 1u || op1c == 5u) {
      d->branch = BR_DIRECT; /* B.W, BL: 1 + P */
    }
    return;
  }
  /* op1 == 3 */
  if ((hw1 & 0xFF10u) == 0xF800u) { /* STR/STRB/STRH (immediate, register) */
    d->base = 2;
    d->mem = MEM_STORE_SINGLE;
    d->addr_regs = (uint16_t)(1u << (hw1 & 0xFu));
    if ((hw1 & 0x0080u) == 0u && (hw2 & 0x0FC0u) == 0u) d->addr_regs |= (uint16_t)(1u << (hw2 & 0xFu));
  } else if ((hw1 & 0xFE10u) == 0xF810u) { /* loads: LDR/LDRB/LDRH/LDRSB/LDRSH, PLD/PLI */
    unsigned rt = (hw2 >> 12) & 0xFu, size = (hw1 >> 5) & 3u;
    if (rt == 15u && size != 2u) return; /* PLD/PLI: 1 */
    d->base = 2;
    d->mem = MEM_LOAD_SINGLE;
    d->addr_regs = (uint16_t)(1u << (hw1 & 0xFu));
    if ((hw1 & 0x0080u) == 0u && (hw2 & 0x0FC0u) == 0u && (hw1 & 0xFu) != 15u)
      d->addr_regs |= (uint16_t)(1u << (hw2 & 0xFu));
    if (rt == 15u) {
      d->branch = BR_INDIRECT; /* LDR PC: 2 + P, blocking */
      d->mem = MEM_OTHER;
      d->is_load = 1;
    } else {
      d->load_rt = (uint8_t)rt;
    }
  } else if ((hw1 & 0xFF80u) == 0xFB80u) { /* long multiply, divide */
    unsigned op = (hw1 >> 4) & 7u, op2 = (hw2 >> 4) & 0xFu;
    if ((op == 1u || op == 3u) && op2 == 0xFu) d->base = (uint8_t)div_cycles; /* SDIV/UDIV */
    /* SMULL/UMULL/SMLAL/UMLAL/UMAAL/SMLALxy/SMLALD/SMLSLD: 1 on the Cortex-M4 */
  }
  /* data processing (register), parallel add/sub, SXTB16/UXTB16, MUL/MLA/MLS, SMLAxy,
   * SMLAD/SMUAD/SMLAW/SMMUL/USAD8, coprocessor 0xFC00-0xFFFF: 1 */
}

/* ------------------------------------------------------------ execution */
static unsigned refill(const insn_info* branch, const insn_info* target) {
  unsigned p = branch->branch == BR_INDIRECT ? p_indirect : p_direct;
  if (target->size == 4 && (target->pc & 2u)) p += 1; /* a 32-bit target that is not word aligned */
  if (in_flash(target->pc)) p += wait_states;         /* the refill fetches from flash */
  return p;
}

static void close_previous(const insn_info* now) {
  const insn_info* prev = previous;
  if (prev == NULL) return;
  bool sequential = now != NULL && now->pc == prev->pc + prev->size;
  if (prev->branch != BR_NONE) {
    /* Taken when the next executed instruction is not the one after it (the plugin sees it). */
    if (now != NULL && !sequential) cycles += refill(prev, now);
    else if (prev->branch != BR_COND_DIRECT) cycles += (now == NULL ? p_indirect : refill(prev, now));
  } else if (now != NULL && !sequential) {
    cycles += 12; /* an exception entry between two instructions: 12 cycles (TRM 3.3, interrupt latency) */
  }
}

static void on_execute(unsigned int vcpu_index, void* userdata) {
  (void)vcpu_index;
  const insn_info* d = (const insn_info*)userdata;
  close_previous(d);
  const insn_info* prev = previous;
  bool after_prev = prev != NULL && d->pc == prev->pc + prev->size;
  if (d->mark >= 0 && out_file != NULL) {
    fprintf(out_file, "mark 0x%08llx %llu %llu\n", (unsigned long long)d->pc, (unsigned long long)instructions,
            (unsigned long long)cycles);
  }
  unsigned cost = d->base;
  if (d->is_it && after_prev && prev->size == 2 && prev->branch == BR_NONE) {
    cost = 0; /* IT folded onto the preceding 16-bit instruction */
  } else if ((d->mem == MEM_LOAD_SINGLE || d->mem == MEM_STORE_SINGLE) && after_prev &&
             prev->mem == MEM_LOAD_SINGLE && prev->load_rt < 16u && (d->addr_regs & (1u << prev->load_rt)) == 0u) {
    cost -= 1; /* pipelined behind a load whose result does not form this address */
  }
  cycles += cost;
  instructions += 1;
  previous = d;
}

static void on_flash_load(unsigned int vcpu_index, qemu_plugin_meminfo_t info, uint64_t vaddr, void* userdata) {
  (void)vcpu_index;
  (void)info;
  (void)userdata;
  if (in_flash(vaddr)) cycles += wait_states;
}

static void on_translate(qemu_plugin_id_t id, struct qemu_plugin_tb* tb) {
  (void)id;
  size_t n = qemu_plugin_tb_n_insns(tb);
  for (size_t i = 0; i < n; ++i) {
    struct qemu_plugin_insn* insn = qemu_plugin_tb_get_insn(tb, i);
    const uint8_t* bytes = (const uint8_t*)qemu_plugin_insn_data(insn);
    insn_info* d = (insn_info*)calloc(1, sizeof(insn_info));
    if (d == NULL) abort();
    d->next_alloc = all_infos;
    all_infos = d;
    d->pc = (uint32_t)qemu_plugin_insn_vaddr(insn);
    uint16_t hw1 = (uint16_t)(bytes[0] | (bytes[1] << 8));
    /* The width from the encoding (a 32-bit Thumb instruction starts 0b11101, 0b11110 or 0b11111):
     * QEMU 7.2 reports 4 bytes for a 16-bit instruction just below a 1 KiB boundary (seen at
     * 0x...bfc, 0x...ffc, 0x...7fc), and the model then took the next instruction for a jump and
     * charged an exception entry on every pass of a loop across that boundary. */
    d->size = (hw1 & 0xF800u) >= 0xE800u ? 4 : 2;
    uint16_t hw2 = d->size == 4 && qemu_plugin_insn_size(insn) >= 4 ? (uint16_t)(bytes[2] | (bytes[3] << 8)) : 0u;
    decode(d, hw1, hw2);
    d->mark = -1;
    for (int m = 0; m < mark_count; ++m) {
      if (marks[m] == d->pc) d->mark = m;
    }
    qemu_plugin_register_vcpu_insn_exec_cb(insn, on_execute, QEMU_PLUGIN_CB_NO_REGS, d);
    if (wait_states && (d->mem == MEM_LOAD_SINGLE || (d->mem == MEM_OTHER && d->is_load))) {
      /* QEMU_PLUGIN_MEM_RW: in QEMU 7.2 a callback registered for QEMU_PLUGIN_MEM_R alone was not
       * called for single loads (checked on mps2-an386); only load instructions get one, and a store
       * to flash does not happen in this firmware. */
      qemu_plugin_register_vcpu_mem_cb(insn, on_flash_load, QEMU_PLUGIN_CB_NO_REGS, QEMU_PLUGIN_MEM_RW, NULL);
    }
  }
}

static void on_qemu_exit(qemu_plugin_id_t id, void* userdata) {
  (void)id;
  (void)userdata;
  close_previous(NULL);
  previous = NULL;
  char line[128];
  snprintf(line, sizeof line, "instructions %llu\ncycles %llu\n", (unsigned long long)instructions,
           (unsigned long long)cycles);
  if (out_file != NULL) {
    fputs(line, out_file);
    fclose(out_file);
    out_file = NULL;
  } else {
    qemu_plugin_outs(line);
  }
  while (all_infos != NULL) {
    insn_info* next = all_infos->next_alloc;
    free(all_infos);
    all_infos = next;
  }
}

static bool parse_number(const char* text, uint64_t* value) {
  char* end = NULL;
  unsigned long long v = strtoull(text, &end, 0);
  if (end == text || *end != '\0') return false;
  *value = v;
  return true;
}

QEMU_PLUGIN_EXPORT int qemu_plugin_install(qemu_plugin_id_t id, const qemu_info_t* info, int argc, char** argv) {
  if (info->target_name != NULL && strcmp(info->target_name, "arm") != 0) {
    fprintf(stderr, "cm4_timing: target %s is not arm\n", info->target_name);
    return -1;
  }
  for (int i = 0; i < argc; ++i) {
    const char* arg = argv[i];
    const char* eq = strchr(arg, '=');
    if (eq == NULL) {
      fprintf(stderr, "cm4_timing: argument %s is not key=value\n", arg);
      return -1;
    }
    size_t key_len = (size_t)(eq - arg);
    const char* value = eq + 1;
    uint64_t number = 0;
    if (key_len == 3 && strncmp(arg, "out", 3) == 0) {
      snprintf(out_path, sizeof out_path, "%s", value);
      continue;
    }
    if (key_len == 5 && strncmp(arg, "flash", 5) == 0) {
      const char* colon = strchr(value, ':');
      char low[64];
      if (colon == NULL || (size_t)(colon - value) >= sizeof low) {
        fprintf(stderr, "cm4_timing: flash=%s is not LO:HI\n", value);
        return -1;
      }
      memcpy(low, value, (size_t)(colon - value));
      low[colon - value] = '\0';
      if (!parse_number(low, &flash_lo) || !parse_number(colon + 1, &flash_hi)) {
        fprintf(stderr, "cm4_timing: flash=%s is not LO:HI\n", value);
        return -1;
      }
      continue;
    }
    if (!parse_number(value, &number)) {
      fprintf(stderr, "cm4_timing: %s is not a number\n", arg);
      return -1;
    }
    if (key_len == 4 && strncmp(arg, "mark", 4) == 0) {
      if (mark_count == MAX_MARKS) {
        fprintf(stderr, "cm4_timing: at most %d marks\n", MAX_MARKS);
        return -1;
      }
      marks[mark_count++] = number & ~(uint64_t)1u; /* a Thumb function symbol has bit 0 set */
    } else if (key_len == 8 && strncmp(arg, "p_direct", 8) == 0) {
      p_direct = (unsigned)number;
    } else if (key_len == 10 && strncmp(arg, "p_indirect", 10) == 0) {
      p_indirect = (unsigned)number;
    } else if (key_len == 3 && strncmp(arg, "div", 3) == 0) {
      div_cycles = (unsigned)number;
    } else if (key_len == 2 && strncmp(arg, "ws", 2) == 0) {
      wait_states = (unsigned)number;
    } else {
      fprintf(stderr, "cm4_timing: unknown argument %s\n", arg);
      return -1;
    }
  }
  if (out_path[0] != '\0') {
    out_file = fopen(out_path, "w");
    if (out_file == NULL) {
      fprintf(stderr, "cm4_timing: cannot write %s\n", out_path);
      return -1;
    }
  }
  qemu_plugin_register_vcpu_tb_trans_cb(id, on_translate);
  qemu_plugin_register_atexit_cb(id, on_qemu_exit, NULL);
  return 0;
}
