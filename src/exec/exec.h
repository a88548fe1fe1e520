/* exec.h — what the two execution engines (interpreter, JIT) share: the checked-mode
 * memory test and the run-time error messages, so that both report a fault with
 * exactly the same words, instruction, address and size.
 */
#ifndef BPFVM_EXEC_H
#define BPFVM_EXEC_H

#include "rt/vm.h"

/* Full check of [addr, addr+size): stack, memory block, then the run's regions. */
bool run_mem_ok(const struct bpfvm_call *c, uint64_t addr, uint64_t size, bool write);

/* Fast inline form: stack and memory block first, the region list only if needed. */
static inline bool exec_mem_ok(const struct bpfvm_call *c, uint64_t addr, uint64_t size, bool write)
{
    if (LIKELY(addr - c->stack_lo <= c->stack_hi - c->stack_lo && size <= c->stack_hi - addr))
        return true;
    if (LIKELY(addr - c->mem_lo < c->mem_len && size <= c->mem_len - (addr - c->mem_lo)))
        return true;
    return (c->nregions || c->nvm_regions || c->pkt) && run_mem_ok(c, addr, size, write);
}

const char *exec_size_name(unsigned size);

/* The run-time errors; each returns -code after filling err. */
int exec_fault_mem(const struct bpfvm_call *c, bpfvm_error *err, long insn, uint64_t addr,
                   uint64_t size, bool write);
int exec_fault_misaligned(bpfvm_error *err, long insn, uint64_t addr, uint64_t size);
int exec_fault_budget(bpfvm_error *err, long insn, int64_t budget);
int exec_fault_depth(bpfvm_error *err, long insn);
int exec_fault_helper(const struct bpfvm_call *c, bpfvm_error *err, long insn);
int exec_fault_tailcall_depth(bpfvm_error *err, long insn);
int exec_fault_callx(bpfvm_error *err, long insn, unsigned reg, uint64_t id);

#endif
