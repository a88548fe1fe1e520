/* cmd_verify.c — `bpfvm verify`: proves programs safe offline, without root or a
 * kernel. One verdict line per program; a rejection names the instruction, the C
 * source line, the reason and the register state; -vv prints the whole walk;
 * --json prints one object per program for CI pipelines. */
#include "cli.h"

#include <stdlib.h>
#include <string.h>

static void usage(FILE *f)
{
    fprintf(f,
            "usage: bpfvm verify OBJ.o|PROG [--prog NAME] [--type TYPE] [-v|-vv] [--json]\n"
            "  Verifies BPF programs like the Linux verifier: termination, memory safety,\n"
            "  helper calls. For an ELF object every program is verified (or --prog NAME),\n"
            "  with the type its section name gives; raw bytecode / assembly is verified as\n"
            "  TYPE (default mem: r1 = a memory block of --mem-size bytes, r2 = its size).\n"
            "  --type TYPE        xdp, socket, tc, kprobe, tracepoint, raw_tracepoint,\n"
            "                     perf_event, cgroup_skb, mem\n"
            "  --mem-size N       size of the memory block of mem programs (default 0)\n"
            "  --unprivileged     also refuse what Linux refuses to unprivileged users\n"
            "  --strict-alignment require naturally aligned memory accesses\n"
            "  -v                 print the register state at a rejection\n"
            "  -vv                print every step of the walk\n"
            "  --json             one JSON object per program\n"
            "  --ext LIST         accept non-RFC extensions (callx, acqrel, may_goto, all)\n");
}

typedef struct vctx {
    bool quiet;
} vctx;

static void on_log(void *user, const char *line)
{
    (void)user;
    printf("    %s\n", line);
}

static void json_escape(const char *s)
{
    putchar('"');
    for (; s && *s; s++) {
        if (*s == '"' || *s == '\\')
            printf("\\%c", *s);
        else if ((unsigned char)*s < 0x20)
            printf("\\u%04x", (unsigned char)*s);
        else
            putchar(*s);
    }
    putchar('"');
}

/* Verifies one program and prints its verdict; returns 0 when accepted. */
static int verify_one(const char *objname, bpfvm_prog *p, const bpfvm_verify_opts *base, bool json)
{
    bpfvm_verify_opts o = *base;
    bpfvm_verify_stats st;
    bpfvm_error err;
    if (json || o.log_level == 0)
        o.log = NULL;
    else
        o.log = on_log;
    bpfvm_prog_type t = o.type ? o.type : bpfvm_prog_get_type(p);
    if (!json && o.log_level >= 2)
        printf("%s (%s): the walk\n", bpfvm_prog_name(p), bpfvm_prog_type_name(t));
    int rc = bpfvm_verify(p, &o, &st, &err);
    const char *section = bpfvm_prog_section(p) ? bpfvm_prog_section(p) : "";
    if (json) {
        printf("{\"object\": ");
        json_escape(objname);
        printf(", \"section\": ");
        json_escape(section);
        printf(", \"program\": ");
        json_escape(bpfvm_prog_name(p));
        printf(", \"type\": \"%s\", \"verdict\": \"%s\", \"insn\": %ld, \"line\": %d, \"message\": ",
               bpfvm_prog_type_name(t), rc ? "reject" : "accept", rc ? err.insn : -1L, rc ? err.line : 0);
        json_escape(rc ? err.msg : "");
        printf(", \"processed_insns\": %llu, \"states\": %u, \"peak_states\": %u, \"time_us\": %.1f, "
               "\"peak_bytes\": %zu, \"stack_depth\": %u}\n",
               (unsigned long long)st.insns_processed, st.states, st.peak_states, (double)st.time_ns / 1000.0,
               st.peak_bytes, st.stack_depth);
        return rc ? 1 : 0;
    }
    bpfvm_error why;
    bool type_runs = t == BPFVM_PROG_XDP || t == BPFVM_PROG_SOCKET_FILTER || t == BPFVM_PROG_SCHED_CLS ||
                     t == BPFVM_PROG_SCHED_ACT || t == BPFVM_PROG_MEM;
    /* it loaded with something bpfvm lacks (a map type, a kfunc, ...): say so */
    bool note = type_runs && !bpfvm_prog_can_run(p, &why);
    if (rc == 0) {
        printf("%s (%s): accepted: %llu instructions processed, %u states, %.2f ms, %zu KiB peak\n",
               bpfvm_prog_name(p), bpfvm_prog_type_name(t), (unsigned long long)st.insns_processed, st.states,
               (double)st.time_ns / 1e6, (st.peak_bytes + 1023) / 1024);
        if (note)
            printf("    note: %s\n", why.msg);
        return 0;
    }
    printf("%s (%s): REJECTED", bpfvm_prog_name(p), bpfvm_prog_type_name(t));
    if (err.insn >= 0) {
        const char *file, *src;
        int line;
        char text[160];
        printf(" at instruction %ld", err.insn);
        if (bpfvm_prog_line(p, err.insn, &file, &line, NULL, &src))
            printf(" (%s:%d)\n    %s", file, line, src ? src : "");
        if ((size_t)err.insn < bpfvm_prog_len(p)) {
            bpfvm_disasm_insn(bpfvm_prog_code(p), bpfvm_prog_len(p), (size_t)err.insn, BPFVM_SYNTAX_LLVM,
                              BPFVM_EXT_ALL, text, sizeof text);
            printf("\n    %ld: %s", err.insn, text);
        }
    }
    /* the message without its "instruction N: " prefix and source suffix */
    const char *m = err.msg;
    if (!strncmp(m, "instruction ", 12)) {
        const char *c = strstr(m, ": ");
        if (c)
            m = c + 2;
    }
    printf("\n    %s\n", m);
    if (note)
        printf("    note: %s\n", why.msg);
    return 1;
}

int cmd_verify(int argc, char **argv)
{
    const char *path = NULL, *prog_name = NULL, *v;
    bool json = false;
    unsigned ext = 0;
    bpfvm_verify_opts o = { .log_level = 0 };
    bpfvm_error err;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            usage(stdout);
            return 0;
        } else if (cli_opt(argc, argv, &i, "--prog", &v)) {
            if (!(prog_name = v))
                return cli_error("--prog needs a name");
        } else if (cli_opt(argc, argv, &i, "--type", &v)) {
            int t = v ? bpfvm_prog_type_parse(v) : -1;
            if (t < 0)
                return cli_error("unknown program type '%s'", v ? v : "");
            o.type = (bpfvm_prog_type)t;
        } else if (cli_opt(argc, argv, &i, "--mem-size", &v)) {
            char *e;
            unsigned long n = v ? strtoul(v, &e, 0) : 0;
            if (!v || *e || n > (1ul << 30))
                return cli_error("--mem-size needs a number of bytes");
            o.mem_size = (uint32_t)n;
        } else if (cli_opt(argc, argv, &i, "--ext", &v)) {
            if (!v || util_parse_ext(v, &ext, &err))
                return cli_error("%s", v ? err.msg : "--ext needs a list");
        } else if (!strcmp(argv[i], "-v")) {
            o.log_level = 1;
        } else if (!strcmp(argv[i], "-vv")) {
            o.log_level = 2;
        } else if (!strcmp(argv[i], "--json")) {
            json = true;
        } else if (!strcmp(argv[i], "--unprivileged")) {
            o.unprivileged = true;
        } else if (!strcmp(argv[i], "--strict-alignment")) {
            o.strict_alignment = true;
        } else if (argv[i][0] == '-' && argv[i][1]) {
            return cli_error("verify: unknown option '%s' (see bpfvm verify --help)", argv[i]);
        } else if (!path) {
            path = argv[i];
        } else {
            return cli_error("verify: more than one input given");
        }
    }
    if (!path) {
        usage(stderr);
        return 2;
    }
    bpfvm_vm *vm = bpfvm_vm_new();
    if (!vm)
        return cli_error("out of memory");
    int status = 0;
    FILE *f = fopen(path, "rb");
    unsigned char magic[4] = { 0 };
    bool elf = f && fread(magic, 1, 4, f) == 4 && !memcmp(magic, "\177ELF", 4);
    if (f)
        fclose(f);
    if (elf) {
        bpfvm_obj *obj;
        if (bpfvm_obj_open(vm, path, ext, &obj, &err)) {
            bpfvm_vm_free(vm);
            return cli_error("%s", err.msg);
        }
        size_t n = bpfvm_obj_prog_count(obj), done = 0;
        for (size_t i = 0; i < n; i++) {
            bpfvm_prog *p = bpfvm_obj_prog(obj, i);
            if (prog_name && strcmp(bpfvm_prog_name(p), prog_name) &&
                !(bpfvm_prog_section(p) && !strcmp(bpfvm_prog_section(p), prog_name)))
                continue;
            status |= verify_one(path, p, &o, json);
            done++;
        }
        if (!done)
            status = cli_error("%s has no program '%s'", path, prog_name);
        bpfvm_obj_free(obj);
    } else {
        uint8_t *code;
        size_t len;
        bpfvm_prog *p;
        if (util_load_program_bytes(path, BPFVM_SYNTAX_AUTO, ext, &code, &len, &err)) {
            bpfvm_vm_free(vm);
            return cli_error("%s", err.msg);
        }
        bpfvm_load_opts lo = { .ext = ext, .name = path, .type = o.type ? o.type : BPFVM_PROG_MEM };
        if (bpfvm_prog_load(vm, code, len, &lo, &p, &err)) {
            free(code);
            bpfvm_vm_free(vm);
            return cli_error("%s: %s", path, err.msg);
        }
        status = verify_one(path, p, &o, json);
        bpfvm_prog_free(p);
        free(code);
    }
    bpfvm_vm_free(vm);
    return status;
}
