// Host harness for tests/test_cycle_model.py: the timing-model plugin's decoder on instruction
// words read from stdin ("HW1" or "HW1 HW2" in hex, one instruction a line); prints, per line,
// "base branch mem is_it load_rt" (the fields of insn_info). The QEMU API is stubbed out.
#include "../../codegen/runners/cm4_timing_plugin.c"

void qemu_plugin_register_vcpu_tb_trans_cb(qemu_plugin_id_t id, qemu_plugin_vcpu_tb_trans_cb_t cb) {
  (void)id;
  (void)cb;
}
void qemu_plugin_register_vcpu_insn_exec_cb(struct qemu_plugin_insn* insn, qemu_plugin_vcpu_udata_cb_t cb,
                                            enum qemu_plugin_cb_flags flags, void* userdata) {
  (void)insn;
  (void)cb;
  (void)flags;
  (void)userdata;
}
void qemu_plugin_register_vcpu_mem_cb(struct qemu_plugin_insn* insn, qemu_plugin_vcpu_mem_cb_t cb,
                                      enum qemu_plugin_cb_flags flags, enum qemu_plugin_mem_rw rw, void* userdata) {
  (void)insn;
  (void)cb;
  (void)flags;
  (void)rw;
  (void)userdata;
}
void qemu_plugin_register_atexit_cb(qemu_plugin_id_t id, qemu_plugin_udata_cb_t cb, void* userdata) {
  (void)id;
  (void)cb;
  (void)userdata;
}
size_t qemu_plugin_tb_n_insns(const struct qemu_plugin_tb* tb) {
  (void)tb;
  return 0;
}
struct qemu_plugin_insn* qemu_plugin_tb_get_insn(const struct qemu_plugin_tb* tb, size_t idx) {
  (void)tb;
  (void)idx;
  return NULL;
}
const void* qemu_plugin_insn_data(const struct qemu_plugin_insn* insn) {
  (void)insn;
  return NULL;
}
size_t qemu_plugin_insn_size(const struct qemu_plugin_insn* insn) {
  (void)insn;
  return 0;
}
uint64_t qemu_plugin_insn_vaddr(const struct qemu_plugin_insn* insn) {
  (void)insn;
  return 0;
}
void qemu_plugin_outs(const char* string) { (void)string; }

int main(void) {
  char line[256];
  while (fgets(line, sizeof line, stdin) != NULL) {
    unsigned hw1 = 0, hw2 = 0;
    insn_info d;
    memset(&d, 0, sizeof d);
    d.size = sscanf(line, "%x %x", &hw1, &hw2) == 2 ? 4 : 2;
    decode(&d, (uint16_t)hw1, (uint16_t)hw2);
    printf("%u %u %u %u %u\n", d.base, d.branch, d.mem, d.is_it, d.load_rt);
  }
  return 0;
}
