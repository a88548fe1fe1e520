/* cmd_asm.c — `bpfvm asm` and `bpfvm disasm`: text <-> bytecode in the uBPF and
 * LLVM dialects. The output of disasm assembles back to identical bytes. */
#include "cli.h"

#include <stdlib.h>
#include <string.h>

static void asm_usage(FILE *f)
{
    fprintf(f,
            "usage: bpfvm asm IN.s -o OUT.bin [--syntax auto|llvm|ubpf] [--ext LIST] [--hex]\n"
            "  Assembles BPF assembly into raw bytecode (8-byte little-endian slots).\n"
            "  Both dialects are accepted and detected per line: the conformance suite's\n"
            "  ('mov %%r0, 1', 'ldxw %%r0, [%%r1+4]') and LLVM's ('r0 = 1', 'w0 += 1'),\n"
            "  including lines pasted from llvm-objdump -d. Labels are 'name:'.\n"
            "  -o FILE         write the bytecode here\n"
            "  --hex           print the bytecode as hex bytes on stdout instead\n"
            "  --syntax S      force a dialect instead of detecting it\n"
            "  --ext LIST      accept non-RFC extensions: callx, acqrel, may_goto, all\n");
}

int cmd_asm(int argc, char **argv)
{
    const char *in = NULL, *outp = NULL, *v;
    bool hex = false;
    bpfvm_syntax syntax = BPFVM_SYNTAX_AUTO;
    unsigned ext = 0;
    bpfvm_error err;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            asm_usage(stdout);
            return 0;
        } else if (cli_opt(argc, argv, &i, "-o", &v) || cli_opt(argc, argv, &i, "--output", &v)) {
            if (!v)
                return cli_error("-o needs a file name");
            outp = v;
        } else if (!strcmp(argv[i], "--hex")) {
            hex = true;
        } else if (cli_opt(argc, argv, &i, "--syntax", &v)) {
            if (!cli_syntax(v, &syntax))
                return cli_error("--syntax must be auto, llvm or ubpf");
        } else if (cli_opt(argc, argv, &i, "--ext", &v)) {
            if (!v || util_parse_ext(v, &ext, &err))
                return cli_error("%s", v ? err.msg : "--ext needs a list");
        } else if (argv[i][0] == '-' && argv[i][1]) {
            return cli_error("asm: unknown option '%s' (see bpfvm asm --help)", argv[i]);
        } else if (!in) {
            in = argv[i];
        } else {
            return cli_error("asm: more than one input file");
        }
    }
    if (!in) {
        asm_usage(stderr);
        return 2;
    }
    if (!outp && !hex)
        return cli_error("asm: give an output file with -o (or --hex to print the bytes)");
    uint8_t *text, *code;
    size_t tlen, clen;
    if (util_read_file(in, &text, &tlen, &err))
        return cli_error("%s", err.msg);
    int rc = bpfvm_asm((char *)text, syntax, ext, &code, &clen, &err);
    free(text);
    if (rc)
        return cli_error("%s:%s", in, err.msg);
    if (hex) {
        for (size_t i = 0; i < clen; i++)
            printf("%02x%s", code[i], (i % 8 == 7) ? "\n" : " ");
    }
    if (outp) {
        FILE *f = fopen(outp, "wb");
        if (!f || fwrite(code, 1, clen, f) != clen || fclose(f) != 0) {
            free(code);
            return cli_error("cannot write '%s'", outp);
        }
    }
    free(code);
    return 0;
}

static void disasm_usage(FILE *f)
{
    fprintf(f,
            "usage: bpfvm disasm PROG [--syntax llvm|ubpf] [--ext LIST] [--bytes] [--no-index]\n"
            "  Disassembles raw bytecode (.bin); assembly and .data test files are\n"
            "  assembled first. Default syntax: llvm (as llvm-objdump -d prints it).\n"
            "  --bytes         show the raw bytes of each instruction\n"
            "  --no-index      omit the instruction index at the start of each line\n");
}

int cmd_disasm(int argc, char **argv)
{
    const char *in = NULL, *v;
    bool bytes = false, index = true;
    bpfvm_syntax syntax = BPFVM_SYNTAX_LLVM;
    unsigned ext = 0;
    bpfvm_error err;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            disasm_usage(stdout);
            return 0;
        } else if (cli_opt(argc, argv, &i, "--syntax", &v)) {
            if (!cli_syntax(v, &syntax) || syntax == BPFVM_SYNTAX_AUTO)
                return cli_error("--syntax must be llvm or ubpf");
        } else if (cli_opt(argc, argv, &i, "--ext", &v)) {
            if (!v || util_parse_ext(v, &ext, &err))
                return cli_error("%s", v ? err.msg : "--ext needs a list");
        } else if (!strcmp(argv[i], "--bytes")) {
            bytes = true;
        } else if (!strcmp(argv[i], "--no-index")) {
            index = false;
        } else if (argv[i][0] == '-' && argv[i][1]) {
            return cli_error("disasm: unknown option '%s' (see bpfvm disasm --help)", argv[i]);
        } else if (!in) {
            in = argv[i];
        } else {
            return cli_error("disasm: more than one input file");
        }
    }
    if (!in) {
        disasm_usage(stderr);
        return 2;
    }
    uint8_t *code;
    size_t len;
    if (util_load_program_bytes(in, BPFVM_SYNTAX_AUTO, ext | BPFVM_EXT_ALL, &code, &len, &err))
        return cli_error("%s", err.msg);
    if (len % 8) {
        free(code);
        return cli_error("%s: %zu bytes is not a multiple of the 8-byte instruction size", in, len);
    }
    size_t n = len / 8;
    int status = 0;
    char line[200];
    for (size_t i = 0; i < n;) {
        /* Display decodes the extensions too, so callx & co. show as what they are. */
        int used = bpfvm_disasm_insn(code, n, i, syntax, BPFVM_EXT_ALL, line, sizeof line);
        int slots = used > 0 ? used : 1;
        if (index)
            printf("%5zu: ", i);
        if (bytes) {
            for (int s = 0; s < slots; s++)
                for (int b = 0; b < 8; b++)
                    printf("%02x ", code[(i + (size_t)s) * 8 + (size_t)b]);
            printf("  ");
        }
        printf("%s\n", line);
        if (used < 0 && !status) {
            fprintf(stderr, "bpfvm: error: %s: instruction %zu: cannot be decoded (%s)\n", in, i, line);
            status = 1;
        }
        i += (size_t)slots;
    }
    free(code);
    return status;
}
