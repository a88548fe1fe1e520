/* embed.c — embedding bpfvm in a C host: load an ELF object, register a helper
 * of the host's own, verify a program, run it on a buffer, read a global back.
 *   clang -O2 -g -target bpf -c embed_prog.c -o embed_prog.o
 *   cc embed.c -Iinclude build/libbpfvm.a build/libbpfvm_core.a -lbpf -lelf -lz -lpthread -o embed
 *   ./embed embed_prog.o
 */
#include <bpfvm.h>

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

/* A helper: arguments arrive in r1..r5; `call` gives the run's context. */
static uint64_t host_report(uint64_t sum, uint64_t len, uint64_t r3, uint64_t r4, uint64_t r5,
                            bpfvm_call *call)
{
    (void)r3, (void)r4, (void)r5;
    const char *who = bpfvm_call_user(call);
    printf("%s: the program summed %" PRIu64 " bytes to %" PRIu64 "\n", who, len, sum);
    return 0;
}

int main(int argc, char **argv)
{
    const char *path = argc > 1 ? argv[1] : "embed_prog.o";
    bpfvm_error err;
    bpfvm_vm *vm = bpfvm_vm_new();
    bpfvm_obj *obj = NULL;

    /* Register before loading: the loader checks that every called helper exists. */
    bpfvm_helper_proto proto = { .ret = BPFVM_RET_INTEGER,
                                 .args = { BPFVM_ARG_ANYTHING, BPFVM_ARG_ANYTHING } };
    if (bpfvm_register_helper_proto(vm, 10000, "host_report", host_report, &proto, &err) ||
        bpfvm_obj_open(vm, path, 0, &obj, &err)) {
        fprintf(stderr, "embed: %s\n", err.msg);
        bpfvm_vm_free(vm);
        return 1;
    }
    bpfvm_prog *prog = bpfvm_obj_find_prog(obj, "sum_bytes");
    if (!prog) {
        fprintf(stderr, "embed: %s has no program sum_bytes\n", path);
        return 1;
    }

    char text[] = "hello, bpfvm";
    /* Prove it safe for buffers of this size: it then runs without run-time checks
     * (unverified programs run too, with every access checked). */
    bpfvm_verify_opts vo = { .mem_size = sizeof text - 1 };
    if (bpfvm_verify(prog, &vo, NULL, &err)) {
        fprintf(stderr, "embed: rejected: %s\n", err.msg);
        return 1;
    }
    bpfvm_run_opts opts = { .user = "embed" };
    uint64_t r0;
    for (int i = 0; i < 3; i++) {
        if (bpfvm_run(prog, text, strlen(text), &opts, &r0, &err)) {
            fprintf(stderr, "embed: %s\n", err.msg);
            return 1;
        }
    }
    /* Global variables live in single-entry array maps named after their section. */
    bpfvm_map *bss = bpfvm_map_by_name(vm, ".bss");
    uint32_t zero = 0;
    uint64_t runs = 0;
    if (bss)
        bpfvm_map_lookup(bss, &zero, &runs);
    printf("r0 = %" PRIu64 ", runs = %" PRIu64 "\n", r0, runs);

    bpfvm_obj_free(obj);
    bpfvm_vm_free(vm);
    return 0;
}
