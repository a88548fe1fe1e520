/* bpfvm.c — entry point of the bpfvm command-line tool: dispatches to the
 * subcommands (run, asm, disasm, info) and prints the version and ISA groups. */
#include "cli.h"
#include "exec/jit.h" /* jit_available */

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

uint64_t cli_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

uint64_t cli_median_ns(uint64_t *v, size_t n)
{
    qsort(v, n, sizeof *v, cmp_u64);
    return v[n / 2];
}

int cli_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("bpfvm: error: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    return 1;
}

bool cli_opt(int argc, char **argv, int *i, const char *name, const char **value)
{
    size_t n = strlen(name);
    if (strncmp(argv[*i], name, n) != 0)
        return false;
    if (argv[*i][n] == '=') {
        *value = argv[*i] + n + 1;
        return true;
    }
    if (argv[*i][n] != 0)
        return false;
    if (*i + 1 >= argc) {
        *value = NULL;
        return true;
    }
    *value = argv[++*i];
    return true;
}

bool cli_syntax(const char *s, bpfvm_syntax *out)
{
    if (!s)
        return false;
    if (!strcmp(s, "llvm"))
        *out = BPFVM_SYNTAX_LLVM;
    else if (!strcmp(s, "ubpf") || !strcmp(s, "conformance"))
        *out = BPFVM_SYNTAX_UBPF;
    else if (!strcmp(s, "auto"))
        *out = BPFVM_SYNTAX_AUTO;
    else
        return false;
    return true;
}

static int cmd_info(void)
{
    printf("bpfvm %s — a BPF runtime (RFC 9669 instruction set)\n", BPFVM_VERSION);
    printf("conformance groups:");
    for (unsigned g = 0; g < BPFVM_GROUP_COUNT; g++)
        if (bpfvm_group_is_rfc(g) && (bpfvm_groups() & (1u << g)))
            printf(" %s", bpfvm_group_name(g));
    printf("\nextensions (opt-in, --ext):");
    for (unsigned g = 0; g < BPFVM_GROUP_COUNT; g++)
        if (!bpfvm_group_is_rfc(g))
            printf(" %s", bpfvm_group_name(g));
    printf("\nengines: interp%s\n", jit_available() ? " jit (x86-64)" : "");
    return 0;
}

static void usage(FILE *f)
{
    fprintf(f,
            "usage: bpfvm <command> [options]\n"
            "\n"
            "commands:\n"
            "  test-run OBJ.o --pcap IN.pcap [--out OUT.pcap] [--maps]\n"
            "                         run an XDP / socket filter / tc program on a capture\n"
            "  run PROG [--mem FILE|--mem-hex HEX] [--trace] [--repeat N] [--json]\n"
            "                         run a program (.bin bytecode, .s assembly, .data test file,\n"
            "                         or OBJ.o --prog NAME --ctx FILE)\n"
            "  verify OBJ.o|PROG      prove programs safe, as the Linux verifier does\n"
            "  progs OBJ.o            the programs of an ELF object\n"
            "  maps OBJ.o             the maps of an ELF object\n"
            "  asm IN.s -o OUT.bin    assemble (uBPF or LLVM syntax, detected per line)\n"
            "  disasm IN.bin [--syntax llvm|ubpf]\n"
            "                         disassemble bytecode\n"
            "  jit-dump PROG          the x86-64 code the JIT generates, per BPF instruction\n"
            "  info                   version, conformance groups, extensions, engines\n"
            "\n"
            "Run 'bpfvm <command> --help' for the options of a command.\n");
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    const char *cmd = argv[1];
    if (!strcmp(cmd, "--help") || !strcmp(cmd, "-h") || !strcmp(cmd, "help")) {
        usage(stdout);
        return 0;
    }
    if (!strcmp(cmd, "--version") || !strcmp(cmd, "info") || !strcmp(cmd, "version"))
        return cmd_info();
    if (!strcmp(cmd, "run"))
        return cmd_run(argc - 1, argv + 1);
    if (!strcmp(cmd, "asm"))
        return cmd_asm(argc - 1, argv + 1);
    if (!strcmp(cmd, "disasm"))
        return cmd_disasm(argc - 1, argv + 1);
    if (!strcmp(cmd, "test-run"))
        return cmd_testrun(argc - 1, argv + 1);
    if (!strcmp(cmd, "verify"))
        return cmd_verify(argc - 1, argv + 1);
    if (!strcmp(cmd, "progs"))
        return cmd_progs(argc - 1, argv + 1);
    if (!strcmp(cmd, "maps"))
        return cmd_maps(argc - 1, argv + 1);
    if (!strcmp(cmd, "jit-dump"))
        return cmd_jitdump(argc - 1, argv + 1);
    cli_error("unknown command '%s'", cmd);
    usage(stderr);
    return 2;
}
