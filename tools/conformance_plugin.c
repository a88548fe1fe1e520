/* conformance_plugin.c — bpfvm-conformance, the plugin the BPF conformance
 * suite's runner drives (protocol: shared/bpf_conformance/README.md):
 *   argv: [MEM-HEX] [OPTIONS...]   stdin: program as hex bytes
 *   success: r0 in hex on stdout, exit 0; failure: message on stderr, exit 1.
 * Options may arrive as one argument holding several words (the runner passes
 * --plugin_options as a single string), so every argument is split on blanks.
 * Helper #5 returns normally, as the suite expects; runaway programs stop at the
 * default step budget.
 */
#include "bpfvm.h"
#include "util.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void usage(FILE *f)
{
    fprintf(f,
            "usage: bpfvm-conformance [MEM-HEX] [--interp|--jit] [--ext LIST] [--budget N]\n"
            "  Reads a BPF program as hex bytes on stdin, runs it with r1 = MEM (0 when\n"
            "  absent) and r2 = its length, prints r0 in hex. This is the plugin protocol\n"
            "  of the bpf_conformance runner (--plugin_path build/bpfvm-conformance).\n"
            "  --interp        run with the interpreter (default)\n"
            "  --jit           run with the JIT compiler\n"
            "  --ext LIST      accept non-RFC extensions: callx, acqrel, may_goto, all\n"
            "  --budget N      step budget (default %llu instructions)\n",
            (unsigned long long)BPFVM_DEFAULT_BUDGET);
}

static bool is_hex_blob(const char *s)
{
    for (; *s; s++)
        if (!isxdigit((unsigned char)*s) && !isspace((unsigned char)*s))
            return false;
    return true;
}

int main(int argc, char **argv)
{
    bpfvm_error err = { 0 };
    const char *mem_hex = NULL;
    bpfvm_engine engine = BPFVM_ENGINE_INTERP;
    unsigned ext = 0;
    unsigned long long budget = 0;

    /* Split every argument into words. */
    char *words[256];
    int nw = 0;
    for (int i = 1; i < argc; i++) {
        if (i == 1 && argv[i][0] != '-' && is_hex_blob(argv[i])) {
            mem_hex = argv[i];
            continue;
        }
        for (char *t = strtok(argv[i], " \t"); t && nw < 256; t = strtok(NULL, " \t"))
            words[nw++] = t;
    }
    for (int i = 0; i < nw; i++) {
        const char *w = words[i];
        if (!strcmp(w, "--help") || !strcmp(w, "-h")) {
            usage(stdout);
            return 0;
        } else if (!strcmp(w, "--interp")) {
            engine = BPFVM_ENGINE_INTERP;
        } else if (!strcmp(w, "--jit")) {
            engine = BPFVM_ENGINE_JIT;
        } else if (!strcmp(w, "--ext") && i + 1 < nw) {
            if (util_parse_ext(words[++i], &ext, &err)) {
                fprintf(stderr, "bpfvm-conformance: %s\n", err.msg);
                return 2;
            }
        } else if (!strncmp(w, "--ext=", 6)) {
            if (util_parse_ext(w + 6, &ext, &err)) {
                fprintf(stderr, "bpfvm-conformance: %s\n", err.msg);
                return 2;
            }
        } else if ((!strcmp(w, "--budget") && i + 1 < nw) || !strncmp(w, "--budget=", 9)) {
            const char *v = w[8] == '=' ? w + 9 : words[++i];
            char *e;
            budget = strtoull(v, &e, 0);
            if (*e || budget == 0) {
                fprintf(stderr, "bpfvm-conformance: --budget needs a positive number, not '%s'\n", v);
                return 2;
            }
        } else {
            fprintf(stderr, "bpfvm-conformance: unknown option '%s'\n", w);
            usage(stderr);
            return 2;
        }
    }

    uint8_t *text = NULL, *code = NULL, *mem = NULL;
    size_t text_len = 0, code_len = 0, mem_len = 0;
    int rc = util_read_file("-", &text, &text_len, &err);
    if (rc == 0)
        rc = util_parse_hex((char *)text, &code, &code_len, &err);
    if (rc == 0 && mem_hex)
        rc = util_parse_hex(mem_hex, &mem, &mem_len, &err);
    free(text);
    if (rc == 0 && mem_len == 0) { /* no memory: r1 = 0 */
        free(mem);
        mem = NULL;
    }
    if (rc) {
        fprintf(stderr, "%s\n", err.msg);
        free(code);
        free(mem);
        return 1;
    }

    bpfvm_vm *vm = bpfvm_vm_new();
    bpfvm_prog *prog = NULL;
    bpfvm_load_opts lo = { .ext = ext, .name = "conformance" };
    uint64_t r0 = 0;
    if (!vm)
        rc = -1, snprintf(err.msg, sizeof err.msg, "out of memory");
    if (rc == 0)
        rc = util_register_conformance_helper(vm, &err);
    if (rc == 0)
        rc = bpfvm_prog_load(vm, code, code_len, &lo, &prog, &err);
    if (rc == 0) {
        bpfvm_run_opts ro = { .engine = engine, .step_budget = budget };
        rc = bpfvm_run(prog, mem, mem_len, &ro, &r0, &err);
    }
    if (rc)
        fprintf(stderr, "%s\n", err.msg);
    else
        printf("0x%llx\n", (unsigned long long)r0);
    bpfvm_prog_free(prog);
    bpfvm_vm_free(vm);
    free(code);
    free(mem);
    return rc ? 1 : 0;
}
