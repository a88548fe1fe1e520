/* cmd_jitdump.c — `bpfvm jit-dump PROG`: the x86-64 code the JIT generates, each
 * BPF instruction (LLVM syntax) followed by its machine code disassembled with
 * capstone, then the out-of-line code (entries, exits, checks' slow paths).
 * Without capstone at build time the machine code is printed as hex bytes.
 */
#include "cli.h"
#include "exec/jit.h" /* jit_prog_compile: the variant without budget charges */

#include <stdlib.h>
#include <string.h>

#ifdef BPFVM_HAVE_CAPSTONE
#include <capstone/capstone.h>
#endif

static void jitdump_usage(FILE *f)
{
    fprintf(f,
            "usage: bpfvm jit-dump PROG [options]\n"
            "  Compiles PROG with the x86-64 JIT and prints, for every BPF instruction, the\n"
            "  instruction (LLVM syntax) and the machine code generated for it, then the\n"
            "  out-of-line code: the entry and exit sequences and the slow paths of the\n"
            "  checked-mode memory tests (which the verifier's proofs remove). PROG is raw\n"
            "  bytecode (.bin), assembly, a conformance test (.data) or an ELF object (.o).\n"
            "  --ext LIST        accept non-RFC extensions: callx, acqrel, may_goto, all\n"
            "  --verify          verify first: accesses the verifier proves get no checks\n"
            "  --mem-size N      with --verify, for raw programs: bytes of the memory block\n"
            "                    r1 points to (default 0)\n"
            "  --prog NAME       ELF objects: only this program (default: all)\n"
            "  --blind           compile with constant blinding\n"
            "  --no-budget       the code for runs without a step budget (no budget charges\n"
            "                    on backward jumps): what the benchmark's JIT columns run\n"
            "  --bytes           also print the machine code bytes\n"
            "  --syntax S        assembly dialect of PROG: auto (default), llvm, ubpf\n");
}

typedef struct dumper {
    bool bytes;
    bool verify;
    bool no_budget;
    uint32_t mem_size;
#ifdef BPFVM_HAVE_CAPSTONE
    csh cs;
    bool cs_ok;
#endif
} dumper;

/* Prints the machine code in [from, to) of code, addresses relative to its start. */
static void dump_range(dumper *d, const uint8_t *code, uint32_t from, uint32_t to)
{
#ifdef BPFVM_HAVE_CAPSTONE
    if (d->cs_ok) {
        cs_insn *insn;
        size_t n = cs_disasm(d->cs, code + from, to - from, from, 0, &insn);
        size_t done = 0;
        for (size_t k = 0; k < n; k++) {
            printf("    %6llx:  ", (unsigned long long)insn[k].address);
            if (d->bytes) {
                char hex[64] = "";
                for (size_t b = 0; b < insn[k].size && b < 15; b++)
                    snprintf(hex + 3 * b, sizeof hex - 3 * b, "%02x ", insn[k].bytes[b]);
                printf("%-30s ", hex);
            }
            printf("%s%s%s\n", insn[k].mnemonic, insn[k].op_str[0] ? " " : "", insn[k].op_str);
            done += insn[k].size;
        }
        if (n)
            cs_free(insn, n);
        from += (uint32_t)done;
        if (from >= to)
            return;
        printf("    %6x:  (not decoded:", from);
        for (; from < to; from++)
            printf(" %02x", code[from]);
        printf(")\n");
        return;
    }
#else
    (void)d;
#endif
    for (uint32_t a = from; a < to; a += 16) {
        printf("    %6x: ", a);
        for (uint32_t b = a; b < to && b < a + 16; b++)
            printf(" %02x", code[b]);
        printf("\n");
    }
}

static int dump_prog(dumper *d, bpfvm_prog *prog, const char *title)
{
    bpfvm_error err;
    bpfvm_jit_info ji;
    if (d->verify) {
        bpfvm_verify_opts vo = { .mem_size = d->mem_size };
        if (bpfvm_verify(prog, &vo, NULL, &err))
            return cli_error("%s: the verifier rejected it: %s", title, err.msg);
    }
    if (d->no_budget) {
        jit_opts jo = { .no_budget = true };
        if (jit_prog_compile(prog, &jo, &err))
            return cli_error("%s: %s", title, err.msg);
    }
    if (bpfvm_prog_jit_info(prog, &ji, &err))
        return cli_error("%s: %s", title, err.msg);
    size_t n = bpfvm_prog_len(prog);
    const uint8_t *insns = bpfvm_prog_code(prog);
    uint32_t body = ji.insn_offsets[n] - ji.insn_offsets[0];
    printf("; %s: %zu BPF slots -> %zu bytes of x86-64 (%u per-instruction, %u out of line), "
           "compiled in %.1f us%s%s\n",
           title, n, ji.code_size, body, (unsigned)(ji.code_size - body), (double)ji.compile_ns / 1e3,
           d->verify ? ", verified: proven accesses unchecked" : ", checked mode",
           d->no_budget ? ", without step-budget charges" : "");
    for (size_t i = 0; i < n;) {
        char text[200];
        int w = bpfvm_disasm_insn(insns, n, i, BPFVM_SYNTAX_LLVM, BPFVM_EXT_ALL, text, sizeof text);
        if (w <= 0) {
            snprintf(text, sizeof text, "(undecodable)");
            w = 1;
        }
        printf("%5zu: %s\n", i, text);
        size_t next = i + (size_t)w < n ? i + (size_t)w : n;
        dump_range(d, ji.code, ji.insn_offsets[i], ji.insn_offsets[next]);
        i = next;
    }
    printf("; out of line: entries, exits, slow paths\n");
    dump_range(d, ji.code, 0, ji.insn_offsets[0]);
    return 0;
}

static bool ends_with(const char *s, const char *suffix)
{
    size_t a = strlen(s), b = strlen(suffix);
    return a >= b && !strcmp(s + a - b, suffix);
}

int cmd_jitdump(int argc, char **argv)
{
    const char *path = NULL, *only = NULL, *v;
    unsigned ext = 0;
    bool blind = false;
    bpfvm_syntax syntax = BPFVM_SYNTAX_AUTO;
    bpfvm_error err;
    dumper d;
    memset(&d, 0, sizeof d);
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            jitdump_usage(stdout);
            return 0;
        } else if (cli_opt(argc, argv, &i, "--ext", &v)) {
            if (!v || util_parse_ext(v, &ext, &err))
                return cli_error("%s", v ? err.msg : "--ext needs a list");
        } else if (cli_opt(argc, argv, &i, "--prog", &v)) {
            if (!v)
                return cli_error("--prog needs a name");
            only = v;
        } else if (cli_opt(argc, argv, &i, "--syntax", &v)) {
            if (!cli_syntax(v, &syntax))
                return cli_error("--syntax must be auto, llvm or ubpf");
        } else if (!strcmp(argv[i], "--verify")) {
            d.verify = true;
        } else if (cli_opt(argc, argv, &i, "--mem-size", &v)) {
            char *e;
            unsigned long ms = v ? strtoul(v, &e, 0) : 0;
            if (!v || *e || ms > UINT32_MAX)
                return cli_error("--mem-size needs a number of bytes");
            d.mem_size = (uint32_t)ms;
        } else if (!strcmp(argv[i], "--no-budget")) {
            d.no_budget = true;
        } else if (!strcmp(argv[i], "--blind")) {
            blind = true;
        } else if (!strcmp(argv[i], "--bytes")) {
            d.bytes = true;
        } else if (argv[i][0] == '-' && argv[i][1]) {
            return cli_error("jit-dump: unknown option '%s' (see bpfvm jit-dump --help)", argv[i]);
        } else if (!path) {
            path = argv[i];
        } else {
            return cli_error("jit-dump: more than one program given");
        }
    }
    if (!path) {
        jitdump_usage(stderr);
        return 2;
    }
#ifdef BPFVM_HAVE_CAPSTONE
    d.cs_ok = cs_open(CS_ARCH_X86, CS_MODE_64, &d.cs) == CS_ERR_OK;
#endif
    int rc = 0;
    bpfvm_vm *vm = bpfvm_vm_new();
    if (!vm)
        return cli_error("out of memory");
    if (ends_with(path, ".o")) {
        if (blind)
            rc = cli_error("jit-dump: --blind is for bytecode and assembly, not ELF objects");
        bpfvm_obj *obj = NULL;
        if (!rc && bpfvm_obj_open(vm, path, ext, &obj, &err))
            rc = cli_error("%s", err.msg);
        size_t shown = 0;
        for (size_t k = 0; !rc && obj && k < bpfvm_obj_prog_count(obj); k++) {
            bpfvm_prog *p = bpfvm_obj_prog(obj, k);
            if (only && strcmp(only, bpfvm_prog_name(p)))
                continue;
            char title[512];
            snprintf(title, sizeof title, "%s: %s (section %s)", path, bpfvm_prog_name(p),
                     bpfvm_prog_section(p) ? bpfvm_prog_section(p) : "?");
            if (shown++)
                printf("\n");
            rc = dump_prog(&d, p, title);
        }
        if (!rc && only && !shown)
            rc = cli_error("%s: no program named '%s'", path, only);
        bpfvm_obj_free(obj);
    } else {
        uint8_t *code = NULL;
        size_t len = 0;
        bpfvm_prog *prog = NULL;
        bpfvm_load_opts lo = { .ext = ext, .name = path, .jit_blind = blind };
        if (util_load_program_bytes(path, syntax, ext, &code, &len, &err))
            rc = cli_error("%s", err.msg);
        else if (bpfvm_prog_load(vm, code, len, &lo, &prog, &err))
            rc = cli_error("%s: %s", path, err.msg);
        else
            rc = dump_prog(&d, prog, path);
        bpfvm_prog_free(prog);
        free(code);
    }
    bpfvm_vm_free(vm);
#ifdef BPFVM_HAVE_CAPSTONE
    if (d.cs_ok)
        cs_close(&d.cs);
#endif
    return rc;
}
