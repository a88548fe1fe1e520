/* exec.c — checked-mode memory test and run-time error messages shared by the
 * interpreter and the JIT (see exec.h). */
#include "exec/exec.h"
#include "rt/packet.h"

#include <stdio.h>

bool run_mem_ok(const struct bpfvm_call *c, uint64_t addr, uint64_t size, bool write)
{
    if (addr - c->stack_lo <= c->stack_hi - c->stack_lo && size <= c->stack_hi - addr)
        return true;
    if (c->mem_len && addr - c->mem_lo < c->mem_len && size <= c->mem_len - (addr - c->mem_lo))
        return true;
    for (size_t k = 0; k < c->nregions; k++) {
        const bpfvm_region *g = &c->regions[k];
        if (addr - g->start < g->len && size <= g->len - (addr - g->start))
            return !write || g->writable;
    }
    if (c->pkt) {
        for (size_t k = 0; k < c->pkt->nregions; k++) {
            const bpfvm_region *g = &c->pkt->regions[k];
            if (addr - g->start < g->len && size <= g->len - (addr - g->start))
                return !write || g->writable;
        }
    }
    for (size_t k = 0; k < c->nvm_regions; k++) {
        const bpfvm_region *g = &c->vm_regions[k];
        if (addr - g->start < g->len && size <= g->len - (addr - g->start))
            return !write || g->writable;
    }
    return false;
}

const char *exec_size_name(unsigned size)
{
    static const char *const names[9] = { [1] = "1 byte", [2] = "2 bytes", [4] = "4 bytes", [8] = "8 bytes" };
    return size < 9 && names[size] ? names[size] : "?";
}

int exec_fault_mem(const struct bpfvm_call *c, bpfvm_error *err, long insn, uint64_t addr,
                   uint64_t size, bool write)
{
    char where[160];
    if (c->mem_len)
        snprintf(where, sizeof where, "stack is %#llx..%#llx, memory block %#llx..%#llx",
                 (unsigned long long)c->stack_lo, (unsigned long long)c->stack_hi,
                 (unsigned long long)c->mem_lo, (unsigned long long)(c->mem_lo + c->mem_len));
    else
        snprintf(where, sizeof where, "stack is %#llx..%#llx, no memory block",
                 (unsigned long long)c->stack_lo, (unsigned long long)c->stack_hi);
    bool ro = write && run_mem_ok(c, addr, size, false);
    return bpfvm_fail(err, BPFVM_E_FAULT, insn, "%s %s of %s at address %#llx (%s)",
                      ro ? "read-only" : "out-of-bounds", write ? "store" : "load",
                      exec_size_name((unsigned)size), (unsigned long long)addr, where);
}

int exec_fault_misaligned(bpfvm_error *err, long insn, uint64_t addr, uint64_t size)
{
    return bpfvm_fail(err, BPFVM_E_FAULT, insn, "misaligned atomic access of %s at address %#llx",
                      exec_size_name((unsigned)size), (unsigned long long)addr);
}

int exec_fault_budget(bpfvm_error *err, long insn, int64_t budget)
{
    return bpfvm_fail(err, BPFVM_E_BUDGET, insn,
                      "step budget of %lld instructions exhausted (the program may not terminate)",
                      (long long)budget);
}

int exec_fault_depth(bpfvm_error *err, long insn)
{
    return bpfvm_fail(err, BPFVM_E_CALL_DEPTH, insn, "local call nests more than %u frames",
                      BPFVM_MAX_FRAMES);
}

int exec_fault_helper(const struct bpfvm_call *c, bpfvm_error *err, long insn)
{
    return bpfvm_fail(err, BPFVM_E_HELPER, insn, "%s", c->fail_msg);
}

int exec_fault_callx(bpfvm_error *err, long insn, unsigned reg, uint64_t id)
{
    return bpfvm_fail(err, BPFVM_E_HELPER, insn, "callx r%u: no helper with id %llu", reg,
                      (unsigned long long)id);
}

int exec_fault_tailcall_depth(bpfvm_error *err, long insn)
{
    return bpfvm_fail(err, BPFVM_E_UNSUPPORTED, insn,
                      "tail call from a BPF-to-BPF subprogram or callback is not supported");
}
