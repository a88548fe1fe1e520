/* test_kernel_conformance.c — kernel differential over the conformance suite: every
 * program the Linux verifier accepts runs in the kernel (BPF_PROG_TEST_RUN, r0
 * captured in full 64 bits) and in bpfvm's interpreter, and the two r0 values and
 * the memory blocks after the run must be identical. Programs the kernel rejects
 * are counted and listed with the verifier's reason. Exits 77 (skip) when bpf(2)
 * is not usable here.
 * Usage: test_kernel_conformance SUITE_DIR [-v]
 */
#include "bpfvm.h"
#include "kbpf.h"
#include "kdiff.h"
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: test_kernel_conformance SUITE_DIR [-v]\n");
        return 2;
    }
    bool verbose = argc > 2 && !strcmp(argv[2], "-v");
    char why[256];
    if (!kbpf_available(why, sizeof why)) {
        printf("SKIP: kernel differential needs bpf(2): %s\n", why);
        return 77;
    }
    char dir[4096];
    snprintf(dir, sizeof dir, "%s/tests", argv[1]);
    size_t n;
    char **files = util_list_dir(dir, ".data", &n);
    if (!files || !n) {
        printf("FAIL: no test files in %s\n", dir);
        return 1;
    }
    size_t accepted = 0, agreed = 0, rejected = 0, failures = 0;
    bpfvm_vm *vm = bpfvm_vm_new();
    util_register_conformance_helper(vm, NULL);
    for (size_t i = 0; i < n; i++) {
        char path[4200];
        snprintf(path, sizeof path, "%s/%s", dir, files[i]);
        uint8_t *text = NULL, *code = NULL;
        size_t tl, len;
        conf_test t;
        bpfvm_error err;
        if (util_read_file(path, &text, &tl, &err) || util_parse_conf_test((char *)text, &t, &err)) {
            printf("FAIL: %s: %s\n", files[i], err.msg);
            failures++;
            free(text);
            continue;
        }
        free(text);
        if (util_load_program_bytes(path, BPFVM_SYNTAX_UBPF, BPFVM_EXT_CALLX, &code, &len, &err)) {
            printf("FAIL: %s: %s\n", files[i], err.msg);
            failures++;
            util_free_conf_test(&t);
            continue;
        }
        /* kernel */
        uint64_t kr0 = 0;
        uint8_t *kmem = t.mem_len ? malloc(t.mem_len) : NULL;
        char msg[512];
        kdiff_status ks = kdiff_run_mem(code, len / 8, t.mem, t.mem_len, kmem, &kr0, msg, sizeof msg);
        if (ks == KDIFF_REJECTED) {
            rejected++;
            if (verbose)
                printf("kernel rejects %s: %s\n", files[i], msg);
        } else if (ks != KDIFF_OK) {
            printf("FAIL: %s: kernel run: %s: %s\n", files[i], kdiff_status_name(ks), msg);
            failures++;
        } else {
            accepted++;
            /* bpfvm */
            bpfvm_prog *p = NULL;
            bpfvm_load_opts lo = { .ext = BPFVM_EXT_CALLX };
            uint64_t r0 = 0;
            uint8_t *mem = t.mem_len ? malloc(t.mem_len) : NULL;
            if (mem)
                memcpy(mem, t.mem, t.mem_len);
            int rc = bpfvm_prog_load(vm, code, len, &lo, &p, &err);
            if (rc == 0)
                rc = bpfvm_run(p, mem, t.mem_len, NULL, &r0, &err);
            if (rc) {
                printf("FAIL: %s: the kernel runs it, bpfvm fails: %s\n", files[i], err.msg);
                failures++;
            } else if (r0 != kr0) {
                printf("FAIL: %s: bpfvm r0 = %#llx, kernel r0 = %#llx\n", files[i],
                       (unsigned long long)r0, (unsigned long long)kr0);
                failures++;
            } else if (t.mem_len && memcmp(mem, kmem, t.mem_len)) {
                printf("FAIL: %s: memory after the run differs from the kernel's\n", files[i]);
                failures++;
            } else {
                agreed++;
            }
            bpfvm_prog_free(p);
            free(mem);
        }
        free(kmem);
        free(code);
        util_free_conf_test(&t);
        free(files[i]);
    }
    free(files);
    bpfvm_vm_free(vm);
    printf("kernel differential: %zu of %zu conformance programs accepted by the kernel verifier; "
           "bpfvm agrees with the kernel on %zu of %zu (r0, all 64 bits, and memory); %zu rejected by the kernel\n",
           accepted, n, agreed, accepted, rejected);
    return failures ? 1 : 0;
}
