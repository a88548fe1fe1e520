/* jit.c — placeholder until the x86-64 JIT lands: reports the engine as unavailable. */
#include "exec/jit.h"

bool jit_available(void) { return false; }

int jit_compile(bpfvm_prog *p, bpfvm_error *err)
{
    (void)p;
    return bpfvm_fail(err, BPFVM_E_UNSUPPORTED, -1, "the JIT engine is not available in this build");
}

void jit_free(struct jit_code *jc) { (void)jc; }

int jit_run(const bpfvm_prog *p, struct bpfvm_call *c, const uint64_t args[5], uint64_t *r0,
            bpfvm_error *err)
{
    (void)p, (void)c, (void)args, (void)r0;
    return bpfvm_fail(err, BPFVM_E_UNSUPPORTED, -1, "the JIT engine is not available in this build");
}

void jit_code_info(const struct jit_code *jc, const uint8_t **code, size_t *size,
                   const uint32_t **insn_offsets, uint64_t *compile_ns)
{
    (void)jc;
    *code = NULL;
    *size = 0;
    *insn_offsets = NULL;
    *compile_ns = 0;
}
