/* cmd_run.c — `bpfvm run`: load a program (bytecode, assembly or a conformance
 * test file), run it on a memory block, print r0; optionally trace every
 * instruction with the registers it changed, or time repeated runs. */
#include "cli.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

static void run_usage(FILE *f)
{
    fprintf(f,
            "usage: bpfvm run PROG [options]\n"
            "  Runs PROG with r1 = the memory block, r2 = its length, r10 = a 512-byte stack,\n"
            "  and prints r0 in hex and decimal. PROG is raw bytecode (.bin), assembly (.s,\n"
            "  either dialect) or a conformance test file (.data, whose -- mem is used).\n"
            "  The program is verified first (see bpfvm verify) and then runs without checks;\n"
            "  with --no-verify it runs in checked mode: a load or store outside the stack and\n"
            "  the memory block stops it with an error naming the instruction.\n"
            "  --mem FILE        memory block from a file\n"
            "  --mem-hex HEX     memory block as hex bytes ('aa bb cc')\n"
            "  --trace           print every executed instruction and the registers it changed\n"
            "  --repeat N        run N times (memory restored before each run, outside the\n"
            "                    timed part) and print the median time per run\n"
            "  --json            print one JSON object (r0, runs, median_ns, engine, ...)\n"
            "  --no-verify       do not verify first: run in checked mode (every load and store\n"
            "                    checked at run time; runaway loops stopped by the step budget)\n"
            "  --budget N        step budget in instructions (default %llu)\n"
            "  --engine E        interp (default) or jit\n"
            "  --ext LIST        accept non-RFC extensions: callx, acqrel, may_goto, all\n"
            "  --syntax S        assembly dialect: auto (default), llvm, ubpf\n"
            "  For an ELF object (OBJ.o):\n"
            "  --prog NAME       the program to run (default: the first one)\n"
            "  --ctx FILE        its input: the memory block of a raw-memory program, or the\n"
            "                    packet (an Ethernet frame) of an XDP / socket filter / tc program\n",
            (unsigned long long)BPFVM_DEFAULT_BUDGET);
}

typedef struct tracer {
    const bpfvm_prog *prog; /* for source lines (BTF line info), may be NULL */
    int last_line;
    const uint8_t *code;
    size_t n;
    uint64_t prev[11];
    bool have_prev;
    unsigned long long count;
    bool print;
} tracer;

static void on_trace(void *user, long insn, const uint64_t regs[11], unsigned depth)
{
    tracer *t = user;
    t->count++;
    if (!t->print)
        return;
    char text[160];
    const char *file, *src;
    int line;
    if (t->prog && bpfvm_prog_line(t->prog, insn, &file, &line, NULL, &src) && line != t->last_line) {
        printf("%*s; %s:%d: %s\n", (int)depth * 2, "", file, line, src ? src : "");
        t->last_line = line;
    }
    bpfvm_disasm_insn(t->code, t->n, (size_t)insn, BPFVM_SYNTAX_LLVM, BPFVM_EXT_ALL, text, sizeof text);
    char changes[400] = "";
    size_t used = 0;
    for (int r = 0; r < 11; r++) {
        if (t->have_prev && t->prev[r] == regs[r])
            continue;
        if (!t->have_prev && regs[r] == 0 && r != 1 && r != 2 && r != 10)
            continue;
        used += (size_t)snprintf(changes + used, used < sizeof changes ? sizeof changes - used : 0,
                                 "%sr%d=%#llx", used ? " " : "", r, (unsigned long long)regs[r]);
        if (used >= sizeof changes)
            break;
    }
    printf("%*s%5ld: %-36s %s\n", (int)depth * 2, "", insn, text, changes);
    memcpy(t->prev, regs, sizeof t->prev);
    t->have_prev = true;
}

/* user: the stream (stderr with --json, which keeps stdout one JSON document) */
static void on_print(void *user, const char *text)
{
    size_t n = strlen(text);
    fprintf(user, "trace_printk: %s%s", text, n && text[n - 1] == '\n' ? "" : "\n");
}

static bool ends_with(const char *s, const char *suffix)
{
    size_t a = strlen(s), b = strlen(suffix);
    return a >= b && !strcmp(s + a - b, suffix);
}

/* `run` and `test-run` verify first (unless --no-verify): a verified program runs
 * without run-time checks. A rejection is reported like `bpfvm verify` does. */
int cli_verify(const char *what, bpfvm_prog *p, uint32_t mem_size)
{
    bpfvm_verify_opts vo = { .mem_size = mem_size };
    bpfvm_error err;
    if (bpfvm_verify(p, &vo, NULL, &err) == 0)
        return 0;
    const char *file, *src;
    int line;
    if (err.insn >= 0 && bpfvm_prog_line(p, err.insn, &file, &line, NULL, &src))
        cli_error("%s: program '%s' is rejected by the verifier: %s\n    %s:%d: %s\n"
                  "  (--no-verify runs it unverified, with every access checked at run time)",
                  what, bpfvm_prog_name(p), err.msg, file, line, src ? src : "");
    else
        cli_error("%s: program '%s' is rejected by the verifier: %s\n"
                  "  (--no-verify runs it unverified, with every access checked at run time)",
                  what, bpfvm_prog_name(p), err.msg);
    return 1;
}

static bool is_elf(const char *path)
{
    unsigned char magic[4] = { 0 };
    FILE *f = fopen(path, "rb");
    if (!f)
        return false;
    size_t n = fread(magic, 1, 4, f);
    fclose(f);
    return n == 4 && !memcmp(magic, "\177ELF", 4);
}

/* `bpfvm run OBJ.o [--prog NAME] [--ctx FILE]`: a program of an object on a memory
 * block, or on a packet for the packet program types. */
static int run_object(const char *path, const char *prog_name, const char *ctx_file, const char *ctx_hex,
                      bpfvm_engine engine, bool trace, bool json, unsigned long long repeat,
                      unsigned long long budget, unsigned ext, bool verify)
{
    bpfvm_error err;
    bpfvm_vm *vm = bpfvm_vm_new();
    bpfvm_obj *obj = NULL;
    bpfvm_packet *pkt = NULL;
    uint8_t *in = NULL, *work = NULL;
    size_t in_len = 0;
    int status = 1;
    if (!vm)
        return cli_error("out of memory");
    if (bpfvm_obj_open(vm, path, ext, &obj, &err)) {
        cli_error("%s", err.msg);
        goto out;
    }
    bpfvm_prog *prog = prog_name ? bpfvm_obj_find_prog(obj, prog_name) : bpfvm_obj_prog(obj, 0);
    if (!prog) {
        cli_error("%s has no program '%s' (see bpfvm progs %s)", path, prog_name, path);
        goto out;
    }
    if ((ctx_file && util_read_file(ctx_file, &in, &in_len, &err)) || (ctx_hex && util_parse_hex(ctx_hex, &in, &in_len, &err))) {
        cli_error("%s", err.msg);
        goto out;
    }
    bpfvm_prog_type type = bpfvm_prog_get_type(prog);
    bool packet = type == BPFVM_PROG_XDP || type == BPFVM_PROG_SOCKET_FILTER || type == BPFVM_PROG_SCHED_CLS ||
                  type == BPFVM_PROG_SCHED_ACT;
    if (!packet && type != BPFVM_PROG_MEM && type != BPFVM_PROG_UNSPEC) {
        cli_error("program '%s' is of type %s, which cannot run here (it loads and verifies)",
                  bpfvm_prog_name(prog), bpfvm_prog_type_name(type));
        goto out;
    }
    if (!bpfvm_prog_can_run(prog, &err)) {
        cli_error("%s", err.msg);
        goto out;
    }
    if (verify && cli_verify(path, prog, packet ? 0 : (uint32_t)in_len))
        goto out;
    tracer tr = { .prog = prog, .code = bpfvm_prog_code(prog), .n = bpfvm_prog_len(prog), .print = trace && !json };
    bpfvm_vm_set_print(vm, on_print, json ? stderr : stdout);
    cli_perf_open(obj, json ? stderr : stdout);
    bpfvm_run_opts ro = { .engine = engine, .step_budget = budget };
    if (trace) {
        ro.engine = BPFVM_ENGINE_INTERP;
        ro.trace = on_trace;
        ro.trace_user = &tr;
    }
    uint64_t r0 = 0, t0 = 0, best = UINT64_MAX;
    if (packet && !(pkt = bpfvm_packet_new())) {
        cli_error("cannot allocate a packet buffer below 4 GiB");
        goto out;
    }
    if (!packet && in_len && !(work = malloc(in_len))) {
        cli_error("out of memory");
        goto out;
    }
    for (unsigned long long k = 0; k < (repeat ? repeat : 1); k++) {
        int rc;
        if (packet) {
            if ((rc = bpfvm_packet_set(pkt, in ? in : (const uint8_t *)"", in_len, &err)) == 0) {
                t0 = cli_now_ns();
                rc = bpfvm_run_packet(prog, pkt, &ro, &r0, &err);
            }
        } else {
            if (work)
                memcpy(work, in, in_len);
            t0 = cli_now_ns();
            rc = bpfvm_run(prog, work, in_len, &ro, &r0, &err);
        }
        uint64_t dt = cli_now_ns() - t0;
        if (dt < best)
            best = dt;
        if (rc) {
            const char *file, *src;
            int line;
            if (err.insn >= 0 && bpfvm_prog_line(prog, err.insn, &file, &line, NULL, &src))
                cli_error("%s: program '%s': %s (%s:%d: %s)", path, bpfvm_prog_name(prog), err.msg, file, line,
                          src ? src : "");
            else
                cli_error("%s: program '%s': %s", path, bpfvm_prog_name(prog), err.msg);
            goto out;
        }
        ro.trace = NULL;
    }
    if (json)
        {
            printf("{\"r0\": %llu, \"r0_hex\": \"%#llx\", \"program\": ", (unsigned long long)r0,
                   (unsigned long long)r0);
            cli_json_str(stdout, bpfvm_prog_name(prog));
            printf(", \"type\": \"%s\", \"runs\": %llu, \"min_ns\": %llu}\n", bpfvm_prog_type_name(type),
                   repeat ? repeat : 1ull, (unsigned long long)best);
        }
    else
        printf("r0 = %#llx (%llu)\n", (unsigned long long)r0, (unsigned long long)r0);
    status = 0;
out:
    free(in);
    free(work);
    bpfvm_packet_free(pkt);
    bpfvm_obj_free(obj);
    bpfvm_vm_free(vm);
    return status;
}

int cmd_run(int argc, char **argv)
{
    const char *prog_path = NULL, *mem_file = NULL, *mem_hex = NULL, *prog_name = NULL, *v;
    bool trace = false, json = false, verify = true;
    unsigned long long repeat = 0, budget = 0;
    bpfvm_engine engine = BPFVM_ENGINE_INTERP;
    bpfvm_syntax syntax = BPFVM_SYNTAX_AUTO;
    unsigned ext = 0;
    bpfvm_error err;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            run_usage(stdout);
            return 0;
        } else if (cli_opt(argc, argv, &i, "--mem", &v)) {
            if (!v)
                return cli_error("--mem needs a file");
            mem_file = v;
        } else if (cli_opt(argc, argv, &i, "--ctx", &v)) {
            if (!v)
                return cli_error("--ctx needs a file");
            mem_file = v;
        } else if (cli_opt(argc, argv, &i, "--prog", &v)) {
            if (!v)
                return cli_error("--prog needs a name");
            prog_name = v;
        } else if (cli_opt(argc, argv, &i, "--mem-hex", &v)) {
            if (!v)
                return cli_error("--mem-hex needs hex bytes");
            mem_hex = v;
        } else if (!strcmp(argv[i], "--trace")) {
            trace = true;
        } else if (!strcmp(argv[i], "--json")) {
            json = true;
        } else if (!strcmp(argv[i], "--no-verify")) {
            verify = false;
        } else if (cli_opt(argc, argv, &i, "--repeat", &v)) {
            char *e;
            repeat = v ? strtoull(v, &e, 0) : 0;
            if (!v || *e || repeat == 0)
                return cli_error("--repeat needs a positive number");
        } else if (cli_opt(argc, argv, &i, "--budget", &v)) {
            char *e;
            budget = v ? strtoull(v, &e, 0) : 0;
            if (!v || *e || budget == 0)
                return cli_error("--budget needs a positive number");
        } else if (cli_opt(argc, argv, &i, "--engine", &v)) {
            if (v && !strcmp(v, "interp"))
                engine = BPFVM_ENGINE_INTERP;
            else if (v && !strcmp(v, "jit"))
                engine = BPFVM_ENGINE_JIT;
            else
                return cli_error("--engine must be interp or jit");
        } else if (!strcmp(argv[i], "--jit")) {
            engine = BPFVM_ENGINE_JIT;
        } else if (cli_opt(argc, argv, &i, "--ext", &v)) {
            if (!v || util_parse_ext(v, &ext, &err))
                return cli_error("%s", v ? err.msg : "--ext needs a list");
        } else if (cli_opt(argc, argv, &i, "--syntax", &v)) {
            if (!cli_syntax(v, &syntax))
                return cli_error("--syntax must be auto, llvm or ubpf");
        } else if (argv[i][0] == '-' && argv[i][1]) {
            return cli_error("run: unknown option '%s' (see bpfvm run --help)", argv[i]);
        } else if (!prog_path) {
            prog_path = argv[i];
        } else {
            return cli_error("run: more than one program given");
        }
    }
    if (!prog_path) {
        run_usage(stderr);
        return 2;
    }
    if (mem_file && mem_hex)
        return cli_error("give --mem or --mem-hex, not both");

    uint8_t *code = NULL, *mem = NULL;
    size_t code_len = 0, mem_len = 0;
    if (is_elf(prog_path))
        return run_object(prog_path, prog_name, mem_file, mem_hex, engine, trace, json, repeat, budget, ext, verify);
    if (prog_name)
        return cli_error("--prog selects a program of an ELF object; %s is not one", prog_path);
    if (util_load_program_bytes(prog_path, syntax, ext, &code, &code_len, &err))
        return cli_error("%s", err.msg);
    int rc = 0;
    if (mem_file) {
        rc = util_read_file(mem_file, &mem, &mem_len, &err);
    } else if (mem_hex) {
        rc = util_parse_hex(mem_hex, &mem, &mem_len, &err);
    } else if (ends_with(prog_path, ".data")) { /* a conformance test brings its memory */
        uint8_t *text;
        size_t tl;
        conf_test t;
        if (util_read_file(prog_path, &text, &tl, &err) == 0) {
            if (util_parse_conf_test((char *)text, &t, &err) == 0) {
                mem = t.mem;
                mem_len = t.mem_len;
                t.mem = NULL;
                util_free_conf_test(&t);
            }
            free(text);
        }
    }
    if (rc) {
        free(code);
        return cli_error("%s", err.msg);
    }
    if (mem && mem_len == 0) {
        free(mem);
        mem = NULL;
    }

    bpfvm_vm *vm = bpfvm_vm_new();
    bpfvm_prog *prog = NULL;
    bpfvm_load_opts lo = { .ext = ext, .name = prog_path };
    if (!vm) {
        free(code);
        free(mem);
        return cli_error("out of memory");
    }
    bpfvm_vm_set_print(vm, on_print, json ? stderr : stdout);
    rc = bpfvm_prog_load(vm, code, code_len, &lo, &prog, &err);
    if (rc) {
        cli_error("%s: %s", prog_path, err.msg);
        goto out;
    }
    if (verify && (rc = cli_verify(prog_path, prog, (uint32_t)mem_len)))
        goto out;

    tracer tr = { .code = code, .n = code_len / 8, .print = trace && !json };
    bpfvm_run_opts ro = { .engine = engine, .step_budget = budget };
    uint8_t *pristine = NULL;
    if (mem_len && !(pristine = malloc(mem_len))) {
        rc = cli_error("out of memory");
        goto out;
    }
    if (pristine)
        memcpy(pristine, mem, mem_len);

    /* First run: the result (traced or counted when asked). */
    uint64_t r0 = 0;
    if (trace || json) { /* traced/counted run: always the interpreter */
        bpfvm_run_opts to = ro;
        to.engine = BPFVM_ENGINE_INTERP;
        to.trace = on_trace;
        to.trace_user = &tr;
        rc = bpfvm_run(prog, mem, mem_len, &to, &r0, &err);
        if (rc == 0 && pristine)
            memcpy(mem, pristine, mem_len);
    }
    if (rc == 0 && (engine != BPFVM_ENGINE_INTERP || !(trace || json)))
        rc = bpfvm_run(prog, mem, mem_len, &ro, &r0, &err);
    if (rc) {
        cli_error("%s: %s", prog_path, err.msg);
        free(pristine);
        goto out;
    }

    uint64_t *times = NULL, median = 0, min = 0;
    if (repeat) {
        times = malloc(repeat * sizeof *times);
        if (!times) {
            rc = cli_error("out of memory");
            free(pristine);
            goto out;
        }
        for (unsigned long long k = 0; k < repeat && rc == 0; k++) {
            if (pristine)
                memcpy(mem, pristine, mem_len);
            uint64_t t0 = cli_now_ns();
            rc = bpfvm_run(prog, mem, mem_len, &ro, &r0, &err);
            times[k] = cli_now_ns() - t0;
        }
        if (rc) {
            cli_error("%s: %s", prog_path, err.msg);
            free(times);
            free(pristine);
            goto out;
        }
        median = cli_median_ns(times, repeat);
        min = times[0];
        free(times);
    }
    free(pristine);

    if (json) {
        printf("{\"r0\": %llu, \"r0_hex\": \"%#llx\", \"runs\": %llu, \"median_ns\": %llu, "
               "\"min_ns\": %llu, \"engine\": \"%s\", \"insns\": %zu, \"executed\": %llu",
               (unsigned long long)r0, (unsigned long long)r0, repeat ? repeat : 1ull,
               (unsigned long long)median, (unsigned long long)min,
               engine == BPFVM_ENGINE_JIT ? "jit" : "interp", code_len / 8, tr.count);
        bpfvm_jit_info ji;
        if (engine == BPFVM_ENGINE_JIT && bpfvm_prog_jit_info(prog, &ji, NULL) == 0)
            printf(", \"compile_ns\": %llu, \"code_bytes\": %zu", (unsigned long long)ji.compile_ns,
                   ji.code_size);
        printf("}\n");
    } else {
        printf("r0 = %#llx (%llu", (unsigned long long)r0, (unsigned long long)r0);
        if ((int64_t)r0 < 0)
            printf(", %lld", (long long)r0);
        printf(")\n");
        if (repeat)
            printf("runs: %llu, median %llu ns/run, min %llu ns/run\n", repeat,
                   (unsigned long long)median, (unsigned long long)min);
    }
    rc = 0;
out:
    bpfvm_prog_free(prog);
    bpfvm_vm_free(vm);
    free(code);
    free(mem);
    return rc ? 1 : 0;
}
