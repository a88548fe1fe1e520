/* fuzz_jit.c — libFuzzer target: raw bytes as a BPF program, validated, then run in
 * the interpreter and the JIT; any difference (r0, memory block, error, message)
 * aborts with both outcomes. Built with -DBPFVM_FUZZ=ON and clang:
 *   CC=clang cmake -S . -B build-fuzz -DBPFVM_FUZZ=ON -DBPFVM_SANITIZE=ON
 *   cmake --build build-fuzz --target fuzz_jit_bytes
 *   build-fuzz/tests/jit/fuzz_jit_bytes -max_total_time=600 corpus/
 * Input: byte 0 = options (bits 0-2: callx, acqrel, may_goto; bit 3: blinding;
 * bit 4: no BMI2; bit 5: long jumps), byte 1 = memory block length (0..255), then
 * the block, then the program (8-byte slots; a trailing partial slot is dropped).
 * The program runs after a prefix that zeroes its frame: reading stack it never
 * wrote would otherwise show each engine's leftovers (frames of deeper calls are not
 * zeroed; such reads usually differ with the stack's place and are discounted).
 */
#include "gen.h"
#include "jitdiff.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static bpfvm_vm *vm;
    if (!vm) {
        vm = bpfvm_vm_new();
        if (!vm || gen_register_helpers(vm))
            abort();
    }
    if (size < 2)
        return 0;
    uint8_t flags = data[0];
    size_t mem_len = data[1];
    data += 2, size -= 2;
    if (mem_len > size)
        mem_len = size;
    static _Alignas(64) uint8_t mem0[256], mem[256];
    memcpy(mem0, data, mem_len);
    data += mem_len, size -= mem_len;
    size_t body = size / 8, pre = BPFVM_STACK_SIZE / 8, n = pre + body;
    if (body == 0 || body > 4096)
        return 0;
    isa_insn *p = malloc(n * sizeof *p);
    if (!p)
        return 0;
    for (size_t k = 0; k < pre; k++)
        p[k] = isa_make(ISA_STDW, 10, 0, (int16_t)(-8 * (int)(k + 1)), 0);
    memcpy(p + pre, data, body * 8);
    unsigned ext = (flags & 1 ? BPFVM_EXT_CALLX : 0) | (flags & 2 ? BPFVM_EXT_ACQREL : 0) |
                   (flags & 4 ? BPFVM_EXT_MAY_GOTO : 0);
    jd_ctx d = {
        .vm = vm, .ext = ext, .blind = flags & 8, .budget = 10000,
        .jo = { .no_bmi2 = flags & 16, .long_jumps = flags & 32 },
        .mem0 = mem0, .mem_len = mem_len, .mem = mem,
    };
    char why[8192];
    int res = jd_compare(&d, p, n, NULL, why, sizeof why);
    if (res == JD_DISAGREE) {
        fprintf(stderr, "interpreter and JIT disagree:\n%s", why);
        gen_print(stderr, p, n, ext);
        abort();
    }
    jd_ctx_free(&d);
    free(p);
    return 0;
}
