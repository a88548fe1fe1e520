/* test_cli.c — the bpfvm command line on real objects: `test-run` (per-packet
 * lines, summary, --out capture contents, --maps decoded through BTF, --json,
 * --engine jit, --section, --repeat, captures with a snap length, nanosecond and
 * big-endian captures), `progs` / `maps` (text and --json), `run OBJ.o --prog
 * --ctx` (raw memory and packets, --trace with C source lines, trace_printk), and
 * every error a user can hit: bad objects, bad captures, bad options — each with
 * its message and a non-zero exit. The expected per-packet lines come from the
 * library run in-process on the same frames.
 */
#define _GNU_SOURCE
#include "objtest.h"

#include <errno.h>
#include <fcntl.h>
#include <pty.h>
#include <sys/wait.h>

typedef struct cli_out {
    char *out, *err;
    int status; /* exit code, or 128 + signal */
} cli_out;

static char *slurp_fd(int fd)
{
    size_t cap = 1 << 16, n = 0;
    char *b = malloc(cap);
    ssize_t r;
    while ((r = read(fd, b + n, cap - n - 1)) > 0) {
        n += (size_t)r;
        if (cap - n < 4096)
            b = realloc(b, cap *= 2);
    }
    b[n] = 0;
    return b;
}

/* Runs `bpfvm ARGS...` (NULL-terminated), capturing stdout and stderr. */
static cli_out cli(const char *first, ...)
{
    const char *argv[64] = { BPFVM_CLI, first };
    int argc = 2;
    va_list ap;
    va_start(ap, first);
    while (argc < 63 && (argv[argc] = va_arg(ap, const char *)))
        argc++;
    va_end(ap);
    argv[argc] = NULL;
    char fo[] = "/tmp/bpfvm_cli_outXXXXXX", fe[] = "/tmp/bpfvm_cli_errXXXXXX";
    int o = mkstemp(fo), e = mkstemp(fe);
    pid_t pid = fork();
    if (pid == 0) {
        dup2(o, 1);
        dup2(e, 2);
        execv(argv[0], (char *const *)argv);
        _exit(127);
    }
    int st = 0;
    waitpid(pid, &st, 0);
    cli_out r;
    lseek(o, 0, SEEK_SET);
    lseek(e, 0, SEEK_SET);
    r.out = slurp_fd(o);
    r.err = slurp_fd(e);
    r.status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
    close(o);
    close(e);
    unlink(fo);
    unlink(fe);
    return r;
}

static void cli_free(cli_out *r)
{
    free(r->out);
    free(r->err);
}

/* Programs bpfvm's verifier rejects (see test_obj's known_verifier_bugs) run
 * unverified here: these tests are about the CLI. */
#define NV "--no-verify"

#define HAS(text, needle) CHECK(strstr((text), (needle)), "output lacks \"%s\":\n%s", (needle), (text))

/* ---- a minimal JSON validator (RFC 8259 grammar) -------------------------------------- */

static const char *js_ws(const char *p)
{
    while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
        p++;
    return p;
}

static const char *js_value(const char *p, int depth);

static const char *js_string(const char *p)
{
    if (*p++ != '"')
        return NULL;
    while (*p && *p != '"') {
        if ((unsigned char)*p < 0x20)
            return NULL;
        if (*p == '\\') {
            p++;
            if (*p == 'u') {
                for (int i = 1; i <= 4; i++)
                    if (!strchr("0123456789abcdefABCDEF", p[i]) || !p[i])
                        return NULL;
                p += 4;
            } else if (!*p || !strchr("\"\\/bfnrt", *p)) {
                return NULL;
            }
        }
        p++;
    }
    return *p == '"' ? p + 1 : NULL;
}

static const char *js_value(const char *p, int depth)
{
    p = js_ws(p);
    if (depth > 64)
        return NULL;
    if (*p == '{' || *p == '[') {
        char close = *p == '{' ? '}' : ']';
        bool obj = *p == '{';
        p = js_ws(p + 1);
        if (*p == close)
            return p + 1;
        for (;;) {
            if (obj) {
                p = js_string(js_ws(p));
                if (!p)
                    return NULL;
                p = js_ws(p);
                if (*p++ != ':')
                    return NULL;
            }
            p = js_value(p, depth + 1);
            if (!p)
                return NULL;
            p = js_ws(p);
            if (*p == ',') {
                p++;
                continue;
            }
            return *p == close ? p + 1 : NULL;
        }
    }
    if (*p == '"')
        return js_string(p);
    if (!strncmp(p, "true", 4) || !strncmp(p, "null", 4))
        return p + 4;
    if (!strncmp(p, "false", 5))
        return p + 5;
    const char *s = p;
    if (*p == '-')
        p++;
    if (!(*p >= '0' && *p <= '9'))
        return NULL;
    while ((*p >= '0' && *p <= '9') || *p == '.' || *p == 'e' || *p == 'E' || *p == '+' || *p == '-')
        p++;
    return p > s ? p : NULL;
}

/* One JSON document, then only a newline. */
static bool json_ok(const char *text)
{
    const char *p = js_value(text, 0);
    return p && *js_ws(p) == 0;
}

/* ---- expected output from the library ------------------------------------------------- */

static const char *verdict_name(bpfvm_prog_type t, uint64_t v, char *buf)
{
    static const char *const xdp[] = { "XDP_ABORTED", "XDP_DROP", "XDP_PASS", "XDP_TX", "XDP_REDIRECT" };
    static const char *const tc[] = { "TC_ACT_OK", "TC_ACT_RECLASSIFY", "TC_ACT_SHOT", "TC_ACT_PIPE", "TC_ACT_STOLEN",
                                      "TC_ACT_QUEUED", "TC_ACT_REPEAT", "TC_ACT_REDIRECT", "TC_ACT_TRAP" };
    if (t == BPFVM_PROG_XDP && v < 5)
        return xdp[v];
    if (t == BPFVM_PROG_SCHED_CLS && v < 9)
        return tc[v];
    if (t == BPFVM_PROG_SCHED_CLS && v == 0xffffffff)
        return "TC_ACT_UNSPEC";
    if (t == BPFVM_PROG_SOCKET_FILTER)
        return v ? "KEEP" : "DROP";
    sprintf(buf, "%llu", (unsigned long long)v);
    return buf;
}

typedef struct expected {
    char lines[1 << 16]; /* the per-packet lines */
    size_t nlines;
    ot_capture out;      /* packets that pass, as left by the program */
    uint64_t ret[256];
} expected;

static bool passes(bpfvm_prog_type t, uint64_t v)
{
    if (t == BPFVM_PROG_XDP)
        return v == 2 || v == 3 || v == 4;
    if (t == BPFVM_PROG_SOCKET_FILTER)
        return v != 0;
    return v != 2 && v != 4;
}

/* Runs prog of obj_path over cap in-process: the lines test-run must print. */
static void expect_run(const char *obj_path, const char *prog_name, const ot_capture *cap, const ot_capture *wire,
                       expected *x)
{
    bpfvm_vm *vm = bpfvm_vm_new();
    bpfvm_obj *obj = NULL;
    bpfvm_error err;
    memset(x, 0, sizeof *x);
    if (bpfvm_obj_open(vm, obj_path, 0, &obj, &err)) {
        CHECK(0, "%s", err.msg);
        bpfvm_vm_free(vm);
        return;
    }
    bpfvm_prog *p = prog_name ? bpfvm_obj_find_prog(obj, prog_name) : bpfvm_obj_prog(obj, 0);
    bpfvm_packet *pkt = bpfvm_packet_new();
    size_t used = 0;
    used += (size_t)snprintf(x->lines + used, sizeof x->lines - used, "%6s  %-16s %s\n", "packet", "verdict", "length");
    for (size_t i = 0; i < cap->n && i < 256; i++) {
        uint64_t ret = 0;
        bpfvm_packet_set(pkt, cap->f[i].data, cap->f[i].len, &err);
        bpfvm_run_packet(p, pkt, NULL, &ret, &err);
        x->ret[i] = ret;
        size_t ol;
        const uint8_t *o = bpfvm_packet_data(pkt, &ol);
        char vb[32];
        uint32_t wl = wire ? wire->f[i].len : cap->f[i].len;
        if (wl != cap->f[i].len)
            used += (size_t)snprintf(x->lines + used, sizeof x->lines - used,
                                     "%6zu  (captured %u of %u bytes: running on the captured part)\n", i + 1,
                                     cap->f[i].len, wl);
        used += (size_t)snprintf(x->lines + used, sizeof x->lines - used, "%6zu  %-16s %u", i + 1,
                                 verdict_name(bpfvm_prog_get_type(p), ret, vb), cap->f[i].len);
        if (ol != cap->f[i].len)
            used += (size_t)snprintf(x->lines + used, sizeof x->lines - used, " -> %zu (%+lld)", ol,
                                     (long long)ol - (long long)cap->f[i].len);
        else if (memcmp(o, cap->f[i].data, ol))
            used += (size_t)snprintf(x->lines + used, sizeof x->lines - used, " (modified)");
        bpfvm_redirect rd;
        if (bpfvm_prog_get_type(p) == BPFVM_PROG_XDP && ret == BPFVM_XDP_REDIRECT && bpfvm_packet_redirect(pkt, &rd))
            used += (size_t)snprintf(x->lines + used, sizeof x->lines - used, ", to ifindex %u", rd.ifindex);
        used += (size_t)snprintf(x->lines + used, sizeof x->lines - used, "\n");
        if (passes(bpfvm_prog_get_type(p), ret)) {
            x->out.f = realloc(x->out.f, (x->out.n + 1) * sizeof *x->out.f);
            x->out.f[x->out.n].data = malloc(ol ? ol : 1);
            memcpy(x->out.f[x->out.n].data, o, ol);
            x->out.f[x->out.n++].len = (uint32_t)ol;
        }
        x->nlines++;
    }
    bpfvm_packet_free(pkt);
    bpfvm_obj_free(obj);
    bpfvm_vm_free(vm);
}

/* ---- the tests --------------------------------------------------------------------------- */

static char objs[1024], pcaps[1024], traffic[1024];

/* A line of test-run's verdict table; share < 0: the header. */
static const char *row(const char *verdict, unsigned long long n, double share)
{
    static char buf[8][128];
    static int k;
    k = (k + 1) % 8;
    if (share < 0)
        snprintf(buf[k], sizeof buf[k], "  %-16s %10s %8s\n", verdict, "packets", "share");
    else
        snprintf(buf[k], sizeof buf[k], "  %-16s %10llu %7.1f%%\n", verdict, n, share);
    return buf[k];
}

static const char *obj(const char *name)
{
    static char buf[8][4096];
    static int k;
    k = (k + 1) % 8;
    snprintf(buf[k], sizeof buf[k], "%s/%s.v3.o", objs, name);
    return buf[k];
}

static const char *pcap(const char *name)
{
    static char buf[8][4096];
    static int k;
    k = (k + 1) % 8;
    snprintf(buf[k], sizeof buf[k], "%s/%s", pcaps, name);
    return buf[k];
}

static void t_testrun_lines(void)
{
    snprintf(ot_where, sizeof ot_where, "test-run per-packet lines and summary");
    ot_capture cap;
    ot_load_pcap(traffic, &cap);
    static expected x;
    expect_run(obj("xdp_filter"), NULL, &cap, NULL, &x);
    cli_out r = cli("test-run", obj("xdp_filter"), "--pcap", traffic, NULL);
    CHECK_EQ(r.status, 0);
    CHECK_STR(r.err, "");
    CHECK(!strncmp(r.out, x.lines, strlen(x.lines)), "per-packet lines:\n%s\nexpected:\n%s", r.out, x.lines);
    char summary[4096];
    snprintf(summary, sizeof summary, "\n%s: program 'xdp_filter' (xdp), 22 packets, 1397 bytes\n%s%s%s", traffic,
             row("verdict", 0, -1), row("XDP_PASS", 15, 68.2), row("XDP_DROP", 7, 31.8));
    CHECK_STR(r.out + (strlen(r.out) >= strlen(x.lines) ? strlen(x.lines) : 0), summary);
    cli_free(&r);

    /* the JIT prints the same */
    cli_out j = cli("test-run", obj("xdp_filter"), "--pcap", traffic, "--engine", "jit", NULL);
    r = cli("test-run", obj("xdp_filter"), "--pcap", traffic, NULL);
    CHECK_EQ(j.status, 0);
    CHECK_STR(j.out, r.out);
    cli_free(&j);
    cli_free(&r);
    ot_free_capture(&cap);
}

/* Reads a capture's header: magic and link type. */
static void pcap_header(const char *path, uint32_t *magic, uint32_t *linktype)
{
    uint32_t h[6] = { 0 };
    FILE *f = fopen(path, "rb");
    if (f) {
        if (fread(h, 4, 6, f) != 6)
            h[0] = 0;
        fclose(f);
    }
    *magic = h[0];
    *linktype = h[5];
}

static void t_testrun_out(void)
{
    snprintf(ot_where, sizeof ot_where, "test-run --out");
    ot_capture cap;
    ot_load_pcap(pcap("packets.pcap"), &cap);
    static expected x;
    expect_run(obj("xdp_rewrite"), NULL, &cap, NULL, &x);
    char out[64]; /* per process: other build trees run this test at the same time */
    snprintf(out, sizeof out, "/tmp/bpfvm_cli_test_out.%d.pcap", (int)getpid());
    unlink(out);
    cli_out r = cli("test-run", obj("xdp_rewrite"), "--pcap", pcap("packets.pcap"), "--out", out, NULL);
    CHECK_EQ(r.status, 0);
    CHECK(!strncmp(r.out, x.lines, strlen(x.lines)), "per-packet lines:\n%s\nexpected:\n%s", r.out, x.lines);
    HAS(r.out, "packets were modified by the program");
    HAS(r.out, "  wrote the passed packets (");
    ot_capture got;
    CHECK_EQ(ot_load_pcap(out, &got), 0);
    CHECK_EQ(got.n, x.out.n);
    for (size_t i = 0; i < got.n && i < x.out.n; i++)
        CHECK(got.f[i].len == x.out.f[i].len && !memcmp(got.f[i].data, x.out.f[i].data, got.f[i].len),
              "--out record %zu: %u bytes, expected %u", i, got.f[i].len, x.out.f[i].len);
    uint32_t magic, lt;
    pcap_header(out, &magic, &lt);
    CHECK_EQ(magic, 0xa1b2c3d4);
    CHECK_EQ(lt, 1);
    cli_free(&r);
    ot_free_capture(&got);
    ot_free_capture(&x.out);

    /* a socket filter: kept packets are written whole (the verdict is a length
     * the socket would keep; the capture keeps the frame) */
    expect_run(obj("socket_filter"), NULL, &cap, NULL, &x);
    r = cli("test-run", obj("socket_filter"), "--pcap", pcap("packets.pcap"), "--out", out, "-q", NULL);
    CHECK_EQ(r.status, 0);
    HAS(r.out, "KEEP");
    HAS(r.out, "DROP");
    CHECK_EQ(ot_load_pcap(out, &got), 0);
    CHECK_EQ(got.n, x.out.n);
    cli_free(&r);
    ot_free_capture(&got);
    ot_free_capture(&x.out);
    ot_free_capture(&cap);

    /* a capture with a snap length: runs on the captured bytes; --out keeps the
     * wire length minus what the program removed */
    ot_capture snapped, wire;
    ot_load_pcap(pcap("snapped.pcap"), &snapped);
    ot_load_pcap(pcap("packets.pcap"), &wire);
    expect_run(obj("xdp_filter"), NULL, &snapped, &wire, &x);
    r = cli("test-run", obj("xdp_filter"), "--pcap", pcap("snapped.pcap"), "--out", out, NULL);
    CHECK_EQ(r.status, 0);
    CHECK(!strncmp(r.out, x.lines, strlen(x.lines)), "per-packet lines:\n%s\nexpected:\n%s", r.out, x.lines);
    CHECK_EQ(ot_load_pcap(out, &got), 0);
    CHECK_EQ(got.n, 4);
    FILE *f = fopen(out, "rb");
    uint32_t h[6], rec[4];
    if (f && fread(h, 4, 6, f) == 6 && fread(rec, 4, 4, f) == 4) {
        CHECK_EQ(rec[2], 40);
        CHECK_EQ(rec[3], wire.f[0].len);
    }
    if (f)
        fclose(f);
    cli_free(&r);
    ot_free_capture(&got);
    ot_free_capture(&x.out);
    ot_free_capture(&snapped);
    ot_free_capture(&wire);
    unlink(out);
}

static void t_testrun_maps(void)
{
    snprintf(ot_where, sizeof ot_where, "test-run --maps");
    cli_out r = cli("test-run", obj("xdp_filter"), "--pcap", traffic, "--maps", "-q", NULL);
    CHECK_EQ(r.status, 0);
    HAS(r.out, "\nmaps:\n  verdicts (array, max 5 entries)\n    0: 0\n    1: 7\n    2: 15\n    3: 0\n    4: 0\n");
    HAS(r.out, "  by_source (hash, max 1024 entries)\n");
    HAS(r.out, "    {.family = 4, .pad = [0, 0, 0], .addr = [10, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]}: "
               "{.packets = 7, .bytes = 516}\n");
    HAS(r.out, "    {.family = 6, .pad = [0, 0, 0], .addr = [32, 1, 13, 184, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]}: "
               "{.packets = 4, .bytes = 296}\n");
    HAS(r.out, "  .rodata (array, max 1 entries)\n    0: blocked_port = 8080\n");
    cli_free(&r);

    /* per-CPU values, global data with several variables, map types not listed */
    r = cli("test-run", obj("xdp_maps"), "--pcap", traffic, "--maps", "-q", "--ncpus", "2", NULL);
    CHECK_EQ(r.status, 0);
    HAS(r.out, "  pcpu_count (percpu_array, max 2 entries)\n    0: cpu0 21, cpu1 0\n    1: cpu0 0, cpu1 0\n");
    HAS(r.out, "  lens_q (queue, max 8 entries)\n    (contents not listed for this map type)\n");
    cli_free(&r);
    r = cli("test-run", obj("xdp_rewrite"), "--pcap", traffic, "--maps", "-q", NULL);
    HAS(r.out, "  .bss (array, max 1 entries)\n    0: seq = 22, seen = {.ingress_ifindex = 0, .rx_queue_index = 0, "
               ".data_len = 0, .meta_len = 0}\n");
    HAS(r.out, "    ... 64 more entries\n");
    cli_free(&r);
    r = cli("test-run", obj("globals"), "--pcap", traffic, "--maps", "-q", NULL);
    HAS(r.out, "g_ro_str = \"rodata!\"");
    HAS(r.out, "g_copy = \"copied from str\"");
    HAS(r.out, "bump.calls = 22");
    cli_free(&r);
}

static void t_testrun_json(void)
{
    snprintf(ot_where, sizeof ot_where, "test-run --json");
    cli_out r = cli("test-run", obj("xdp_filter"), "--pcap", traffic, "--json", NULL);
    CHECK_EQ(r.status, 0);
    CHECK(json_ok(r.out), "not one JSON document: %s", r.out);
    HAS(r.out, "{\"program\": \"xdp_filter\", \"section\": \"xdp\", \"type\": \"xdp\", \"packets\": 22, "
               "\"verdicts\": {\"XDP_PASS\": 15, \"XDP_DROP\": 7}, \"redirects\": {}, \"modified\": 0, "
               "\"engine\": \"interp\"");
    cli_free(&r);
    r = cli("test-run", obj("xdp_filter"), "--pcap", traffic, "--json", "--maps", "--engine", "jit", "--repeat", "3",
            NULL);
    CHECK_EQ(r.status, 0);
    CHECK(json_ok(r.out), "not one JSON document: %s", r.out);
    HAS(r.out, "\"engine\": \"jit\"");
    /* --repeat 3 runs every packet 3 times: the counters triple (the kernel's repeat does too) */
    HAS(r.out, "\"maps\": [{\"name\": \"verdicts\", \"type\": \"array\", \"entries\": [{\"key\": \"0\", \"value\": "
               "\"0\"}, {\"key\": \"1\", \"value\": \"21\"}, {\"key\": \"2\", \"value\": \"45\"}");
    HAS(r.out, "{\"key\": \"0\", \"value\": \"blocked_port = 8080\"}");
    cli_free(&r);
    /* map values with quotes (strings) stay valid JSON */
    r = cli("test-run", obj("globals"), "--pcap", traffic, "--json", "--maps", NULL);
    CHECK(json_ok(r.out), "not one JSON document: %s", r.out);
    HAS(r.out, "g_copy = \\\"copied from str\\\"");
    cli_free(&r);
    /* per-CPU values: an array of strings per key; a count per map */
    r = cli("test-run", obj("xdp_maps"), "--pcap", traffic, "--json", "--maps", "--ncpus", "2", NULL);
    CHECK(json_ok(r.out), "not one JSON document: %s", r.out);
    HAS(r.out, "{\"name\": \"pcpu_count\", \"type\": \"percpu_array\", \"entries\": [{\"key\": \"0\", "
               "\"value\": [\"21\", \"0\"]}, {\"key\": \"1\", \"value\": [\"0\", \"0\"]}], \"count\": 2}");
    cli_free(&r);
    /* trace_printk and perf output go to stderr, so stdout stays one document */
    r = cli("test-run", obj("perf_output"), "--pcap", traffic, "--json", NULL);
    CHECK_EQ(r.status, 0);
    CHECK(json_ok(r.out), "not one JSON document: %s", r.out);
    HAS(r.err, "trace_printk: perf 0 ");
    HAS(r.err, "perf_event_output: events[0]: 8 bytes: ");
    cli_free(&r);
}

/* Redirect targets: per packet, in the summary and in JSON; --map-update fills the
 * maps (devmap entries, a devmap_hash struct value in hex, a cpumap queue). */
static void t_testrun_redirect(void)
{
    snprintf(ot_where, sizeof ot_where, "test-run redirects, --map-update");
    const char *rp = pcap("redirect.pcap");
    cli_out r = cli("test-run", obj("redirect_map"), "--pcap", rp, "--map-update", "tx_port:2=5", "--map-update",
                    "tx_hash:0x2a=hex:07 00 00 00 00 00 00 00", "--map-update", "cpus:0=hex:c000000000000000",
                    "--maps", NULL);
    CHECK_EQ(r.status, 0);
    CHECK_STR(r.err, "");
    /* frame 3: devmap, flags 0, key 2 (progs/redirect_map.c, gen_pcap.c) */
    HAS(r.out, "     3  XDP_REDIRECT     54, to devmap tx_port[2] (ifindex 5)\n");
    HAS(r.out, "     1  XDP_ABORTED      54\n");
    HAS(r.out, "  redirected to:\n    devmap tx_port[2] (ifindex 5)                                 5\n"
               "    devmap tx_port (broadcast)                                   16\n"
               "    devmap tx_port (broadcast, excluding ingress)                32\n"
               "    devmap_hash tx_hash[42] (ifindex 7)                           5\n");
    HAS(r.out, "    cpumap cpus[0] (CPU 0)                                        4\n");
    HAS(r.out, row("XDP_REDIRECT", 110, 19.1));
    HAS(r.out, "  tx_port (devmap, max 16 entries)\n    2: 5\n  tx_hash (devmap_hash, max 8 entries)\n"
               "    42: {.ifindex = 7, .bpf_prog = {.fd = 0, .id = 0}}\n");
    HAS(r.out, "  xsks (xskmap, max 4 entries)\n    (contents not listed for this map type)\n");
    cli_free(&r);
    r = cli("test-run", obj("redirect_map"), "--pcap", rp, "--map-update", "tx_port:2=5", "--json", NULL);
    CHECK(json_ok(r.out), "not one JSON document: %s", r.out);
    HAS(r.out, "\"redirects\": {\"devmap tx_port[2] (ifindex 5)\": 5, \"devmap tx_port (broadcast)\": 16, ");
    cli_free(&r);
    /* bpf_redirect: the interface */
    r = cli("test-run", obj("xdp_rewrite"), "--pcap", pcap("packets.pcap"), NULL);
    HAS(r.out, "  XDP_REDIRECT     82, to ifindex ");
    cli_free(&r);
    /* --map-update errors name the problem */
    static const struct { const char *spec, *err; } bad[] = {
        { "tx_port", "bpfvm: error: --map-update needs NAME:KEY=VALUE, not 'tx_port'\n" },
        { "nope:1=2", "bpfvm: error: --map-update nope:1=2: the object has no map 'nope' (see bpfvm maps)\n" },
        { "tx_port:1=0x100000000", "bpfvm: error: --map-update tx_port:1=0x100000000: the value 4294967296 does not "
                                   "fit in 4 bytes\n" },
        { "tx_port:x=1", "bpfvm: error: --map-update tx_port:x=1: the key 'x' is not a number (or hex:BYTES)\n" },
        { "tx_hash:1=hex:0100", "bpfvm: error: --map-update tx_hash:1=hex:0100: the value has 2 bytes, the map's 8\n" },
        { "tx_hash:1=0", "bpfvm: error: --map-update tx_hash:1=0: Invalid argument\n" }, /* ifindex 0 */
        { "tx_port:16=1", "bpfvm: error: --map-update tx_port:16=1: Argument list too long\n" },
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        r = cli("test-run", obj("redirect_map"), "--pcap", rp, "--map-update", bad[i].spec, NULL);
        CHECK_EQ(r.status, 1);
        CHECK_STR(r.err, bad[i].err);
        CHECK_STR(r.out, "");
        cli_free(&r);
    }
}

/* Runs `bpfvm ARGS...` (NULL-terminated array) with stderr on a pseudo-terminal,
 * stdout too when both_tty (else to a file, returned in *out). Returns what the
 * terminal showed. */
static char *on_tty(const char *const *args, bool both_tty, char **out)
{
    const char *argv[64] = { BPFVM_CLI };
    int argc = 1;
    for (; args[argc - 1] && argc < 63; argc++)
        argv[argc] = args[argc - 1];
    argv[argc] = NULL;
    char fo[] = "/tmp/bpfvm_cli_ttyXXXXXX";
    int o = mkstemp(fo), master = -1;
    struct winsize ws = { .ws_row = 24, .ws_col = 100 };
    pid_t pid = forkpty(&master, NULL, NULL, &ws);
    if (pid == 0) {
        if (!both_tty)
            dup2(o, 1);
        execv(argv[0], (char *const *)argv);
        _exit(127);
    }
    size_t cap = 1 << 16, n = 0;
    char *b = malloc(cap);
    for (;;) { /* until the child closes the terminal (EIO) */
        ssize_t r = pid > 0 ? read(master, b + n, cap - n - 1) : -1;
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        n += (size_t)r;
        if (cap - n < 4096)
            b = realloc(b, cap *= 2);
    }
    b[n] = 0;
    int st = 0;
    if (pid > 0)
        waitpid(pid, &st, 0);
    CHECK(pid > 0 && WIFEXITED(st) && WEXITSTATUS(st) == 0, "bpfvm on a terminal: status %d", st);
    close(master);
    lseek(o, 0, SEEK_SET);
    *out = slurp_fd(o);
    close(o);
    unlink(fo);
    return b;
}

/* The progress bar: on stderr when it is a terminal, for captures over 1 MiB, and
 * not when the packet lines go to the same terminal. */
static void t_progress(void)
{
    snprintf(ot_where, sizeof ot_where, "test-run progress bar");
    ot_capture cap;
    ot_load_pcap(traffic, &cap);
    char big[] = "/tmp/bpfvm_cli_bigXXXXXX";
    int fd = mkstemp(big);
    FILE *f = fdopen(fd, "wb");
    uint32_t h[6] = { 0xa1b2c3d4, 2 | (4u << 16), 0, 0, 262144, 1 };
    fwrite(h, 4, 6, f);
    enum { N = 16000 };
    for (uint32_t i = 0; i < N; i++) {
        const ot_frame *fr = &cap.f[i % cap.n];
        uint32_t r[4] = { 1700000000u + i, 0, fr->len, fr->len };
        fwrite(r, 4, 4, f);
        fwrite(fr->data, 1, fr->len, f);
    }
    long size = ftell(f);
    fclose(f);
    CHECK(size > (1 << 20), "the capture has %ld bytes, not over 1 MiB", size);
    char *out, *tty;
    /* stdout to a file, stderr a terminal: every packet line, and the bar */
    const char *a1[] = { "test-run", obj("xdp_filter"), "--pcap", big, NULL };
    tty = on_tty(a1, false, &out);
    HAS(tty, "\r[########################################] 100%  16000 packets");
    HAS(tty, "\r[");
    HAS(out, "\n 16000  XDP_");
    HAS(out, "program 'xdp_filter' (xdp), 16000 packets");
    free(tty);
    free(out);
    /* both on the terminal: the packet lines, no bar */
    tty = on_tty(a1, true, &out);
    HAS(tty, " 16000  XDP_");
    CHECK(!strstr(tty, "\r["), "a progress bar among the packet lines");
    free(tty);
    free(out);
    /* -q on a terminal: the bar, then the summary */
    const char *a2[] = { "test-run", obj("xdp_filter"), "--pcap", big, "-q", NULL };
    tty = on_tty(a2, true, &out);
    HAS(tty, "100%  16000 packets");
    HAS(tty, "program 'xdp_filter' (xdp), 16000 packets");
    CHECK(!strstr(tty, " 16000  XDP_"), "packet lines with -q");
    free(tty);
    free(out);
    /* a small capture: no bar */
    const char *a3[] = { "test-run", obj("xdp_filter"), "--pcap", traffic, "-q", NULL };
    tty = on_tty(a3, true, &out);
    CHECK(!strstr(tty, "\r["), "a progress bar for 22 packets");
    free(tty);
    free(out);
    /* stderr not a terminal: no bar */
    cli_out r = cli("test-run", obj("xdp_filter"), "--pcap", big, "-q", NULL);
    CHECK_EQ(r.status, 0);
    CHECK_STR(r.err, "");
    cli_free(&r);
    unlink(big);
    ot_free_capture(&cap);
}

/* bpf_perf_event_output records are printed where the packet lines are */
static void t_testrun_perf(void)
{
    snprintf(ot_where, sizeof ot_where, "test-run perf output");
    cli_out r = cli("test-run", obj("perf_output"), "--pcap", traffic, NULL);
    CHECK_EQ(r.status, 0);
    ot_capture cap;
    ot_load_pcap(traffic, &cap);
    /* the first frame: struct perf_rec { len, proto, seq 0 }, then again with 14 packet bytes */
    char want[1024];
    const uint8_t *d = cap.f[0].data;
    uint32_t len = cap.f[0].len;
    int n = snprintf(want, sizeof want, "perf_event_output: events[0]: 8 bytes: "
                     "%02x %02x %02x %02x %02x %02x 00 00\nperf_event_output: events[0]: 22 bytes: %02x %02x %02x %02x "
                     "%02x %02x 00 00", len & 0xff, len >> 8, 0, 0, d[12], d[13], len & 0xff, len >> 8, 0, 0, d[12],
                     d[13]);
    for (int i = 0; i < 14; i++)
        n += snprintf(want + n, sizeof want - (size_t)n, " %02x", d[i]);
    snprintf(want + n, sizeof want - (size_t)n, "\ntrace_printk: perf 0 %u %x -1 end\n     1  XDP_PASS         %u\n",
             len, d[12] | d[13] << 8, len);
    HAS(r.out, want);
    ot_free_capture(&cap);
    cli_free(&r);
}

static void t_testrun_more(void)
{
    snprintf(ot_where, sizeof ot_where, "test-run options");
    /* --section picks the first program of a section; tc and socket verdict names */
    cli_out r = cli("test-run", obj("sections"), "--section", "classifier", "--pcap", traffic, "-q", NULL);
    CHECK_EQ(r.status, 0);
    HAS(r.out, "program 'cls_shot' (sched_cls), 22 packets");
    HAS(r.out, row("TC_ACT_SHOT", 22, 100.0));
    cli_free(&r);
    r = cli("test-run", obj("sections"), "--prog", "xdp_two", "--pcap", traffic, "-q", NULL);
    HAS(r.out, row("XDP_DROP", 22, 100.0));
    cli_free(&r);
    r = cli("test-run", obj("retval"), "--prog", "tc_unspec", "--pcap", traffic, "-q", NULL);
    HAS(r.out, row("TC_ACT_UNSPEC", 22, 100.0));
    cli_free(&r);
    r = cli("test-run", obj("tc_skb"), "--pcap", traffic, NULL);
    HAS(r.out, "TC_ACT_OK");
    HAS(r.out, "(modified)");
    cli_free(&r);
    /* --repeat */
    r = cli("test-run", obj("xdp_filter"), "--pcap", traffic, "--repeat", "5", "-q", NULL);
    CHECK_EQ(r.status, 0);
    HAS(r.out, " ns per packet (5 runs each, interp)\n");
    cli_free(&r);
    /* nanosecond and big-endian captures read like the plain one */
    cli_out a = cli("test-run", obj("xdp_rewrite"), "--pcap", pcap("packets_ns.pcap"), NULL);
    cli_out b = cli("test-run", obj("xdp_rewrite"), "--pcap", pcap("packets_be.pcap"), NULL);
    r = cli("test-run", obj("xdp_rewrite"), "--pcap", pcap("packets.pcap"), NULL);
    CHECK_EQ(a.status, 0);
    CHECK_EQ(b.status, 0);
    const char *l9 = a.out;
    for (int i = 0; i < 9 && l9; i++)
        l9 = strchr(l9 + 1, '\n');
    size_t n9 = l9 ? (size_t)(l9 - a.out) : 0;
    CHECK(n9 && !strncmp(a.out, r.out, n9), "nanosecond capture:\n%s", a.out);
    CHECK(n9 && !strncmp(b.out, r.out, n9), "big-endian capture:\n%s", b.out);
    cli_free(&a);
    cli_free(&b);
    cli_free(&r);
    r = cli("test-run", obj("xdp_filter"), "--pcap", pcap("empty.pcap"), NULL);
    CHECK_EQ(r.status, 0);
    HAS(r.out, "empty.pcap: program 'xdp_filter' (xdp), 0 packets, 0 bytes\n");
    cli_free(&r);
}

static void t_progs_maps(void)
{
    snprintf(ot_where, sizeof ot_where, "progs / maps");
    cli_out r = cli("progs", obj("sections"), NULL);
    CHECK_EQ(r.status, 0);
    HAS(r.out, "program                  section                      type                insns  runs here\n");
    HAS(r.out, "kp_open                  kprobe/do_sys_openat2        kprobe");
    HAS(r.out, "load/verify only\n");
    HAS(r.out, "xdp_frags                xdp.frags                    xdp");
    cli_free(&r);
    r = cli("progs", obj("sections"), "--json", NULL);
    CHECK_EQ(r.status, 0);
    CHECK(json_ok(r.out), "not JSON: %s", r.out);
    HAS(r.out, "\"license\": \"GPL\", \"programs\": [{\"name\": \"kp_open\", \"section\": \"kprobe/do_sys_openat2\", "
               "\"type\": \"kprobe\", \"insns\": ");
    HAS(r.out, "{\"name\": \"tp_write\", \"section\": \"tracepoint/syscalls/sys_enter_write\", \"type\": \"tracepoint\"");
    HAS(r.out, "\"runnable\": false}");
    HAS(r.out, "{\"name\": \"sock_all\", \"section\": \"socket\", \"type\": \"socket_filter\"");
    size_t n = 0;
    for (const char *p = r.out; (p = strstr(p, "\"name\"")); p++)
        n++;
    CHECK_EQ(n, 11);
    cli_free(&r);
    r = cli("maps", obj("map_in_map"), "--json", NULL);
    CHECK_EQ(r.status, 0);
    CHECK(json_ok(r.out), "not JSON: %s", r.out);
    HAS(r.out, "{\"name\": \"outer_arr\", \"type\": \"array_of_maps\", \"key_size\": 4, \"value_size\": 4, "
               "\"max_entries\": 4, \"flags\": 0, \"implemented\": true}");
    cli_free(&r);
    r = cli("maps", obj("globals"), NULL);
    HAS(r.out, "map                      type                key  value        max  flags\n");
    HAS(r.out, ".rodata                  array                 4     16          1  rdonly_prog\n");
    HAS(r.out, ".rodata.str1.1           array                 4");
    cli_free(&r);
    /* an object with what bpfvm lacks (an LPM trie, a stack trace map) lists */
    char lo[4096];
    snprintf(lo, sizeof lo, "%s/lists_only.o", BAD_DIR);
    r = cli("progs", lo, NULL);
    CHECK_EQ(r.status, 0);
    HAS(r.out, "firewall                 xdp                          xdp                    20  no: map 'blocklist' "
               "is of type lpm_trie (11), which bpfvm does not implement\n");
    HAS(r.out, "counter                  xdp                          xdp                    13  yes\n");
    HAS(r.out, "profile                  kprobe/do_sys_openat2        kprobe                  5  load/verify only\n");
    cli_free(&r);
    r = cli("progs", lo, "--json", NULL);
    CHECK(json_ok(r.out), "not JSON: %s", r.out);
    HAS(r.out, "\"runnable\": false, \"why\": \"program 'firewall' cannot run here: ");
    cli_free(&r);
    r = cli("maps", lo, NULL);
    HAS(r.out, "blocklist                lpm_trie              8      4         16  no_prealloc  (not implemented by "
               "bpfvm)\n");
    HAS(r.out, "stacks                   stack_trace           4   1016         64  -  (not implemented by bpfvm)\n");
    HAS(r.out, "count                    array                 4      8          1  -\n");
    cli_free(&r);
    r = cli("maps", lo, "--json", NULL);
    CHECK(json_ok(r.out), "not JSON: %s", r.out);
    HAS(r.out, "{\"name\": \"blocklist\", \"type\": \"lpm_trie\", \"key_size\": 8, \"value_size\": 4, "
               "\"max_entries\": 16, \"flags\": 1, \"implemented\": false}");
    cli_free(&r);
    r = cli("test-run", lo, "--pcap", traffic, NULL);
    CHECK_EQ(r.status, 1);
    CHECK_STR(r.err, "bpfvm: error: program 'firewall' cannot run here: " SRC_DIR "/tests/obj/bad/lists_only.c:43: "
                     "instruction 12: map 'blocklist' is of type lpm_trie (11), which bpfvm does not implement\n");
    cli_free(&r);
    r = cli("test-run", lo, "--prog", "counter", "--pcap", traffic, "-q", "--maps", NULL);
    CHECK_EQ(r.status, 0);
    HAS(r.out, "  blocklist (lpm_trie, max 16 entries)\n    (a map type bpfvm does not implement)\n");
    HAS(r.out, "  count (array, max 1 entries)\n    0: 22\n");
    cli_free(&r);
    /* a path that needs JSON escaping */
    char weird[64];
    snprintf(weird, sizeof weird, "/tmp/bpfvm \"cli\" \\test.%d.o", (int)getpid());
    char cmd[8192];
    snprintf(cmd, sizeof cmd, "cp '%s' '%s'", obj("globals"), weird);
    CHECK(system(cmd) == 0, "cp");
    r = cli("maps", weird, "--json", NULL);
    CHECK(json_ok(r.out), "not JSON: %s", r.out);
    cli_free(&r);
    r = cli("progs", weird, "--json", NULL);
    CHECK(json_ok(r.out), "not JSON: %s", r.out);
    cli_free(&r);
    unlink(weird);
}

static void write_file(const char *path, const void *data, size_t n)
{
    FILE *f = fopen(path, "wb");
    if (f) {
        fwrite(data, 1, n, f);
        fclose(f);
    }
}

static void t_run(void)
{
    snprintf(ot_where, sizeof ot_where, "run OBJ.o --prog --ctx");
    char ctx[] = "/tmp/bpfvm_cli_ctxXXXXXX"; /* unique: other build trees run this test at the same time */
    close(mkstemp(ctx));
    uint64_t zero[3] = { 0 };
    write_file(ctx, zero, sizeof zero);
    /* a raw-memory program: the sum of the initial global data */
    cli_out r = cli("run", obj("globals"), "--prog", "globals_sum", "--ctx", ctx, NULL);
    CHECK_EQ(r.status, 0);
    CHECK_STR(r.out, "r0 = 0xad2f (44335)\n");
    cli_free(&r);
    r = cli("run", obj("globals"), "--prog", "globals_sum", "--ctx", ctx, "--json", NULL);
    CHECK(json_ok(r.out), "not JSON: %s", r.out);
    HAS(r.out, "\"r0\": 44335");
    cli_free(&r);
    /* trace_printk goes to stdout */
    r = cli("run", NV, obj("helpers_mem"), "--ctx", ctx, NULL);
    CHECK_EQ(r.status, 0);
    HAS(r.out, "trace_printk: printk 1 2 ff\ntrace_printk: second line ok\n");
    HAS(r.out, "r0 = 0 (0)\n");
    cli_free(&r);
    /* --trace names the C source lines */
    r = cli("run", obj("globals"), "--prog", "globals_sum", "--ctx", ctx, "--trace", NULL);
    CHECK_EQ(r.status, 0);
    HAS(r.out, "/tests/obj/progs/globals.c:");
    HAS(r.out, "return g_data + g_arr[0]");
    cli_free(&r);
    /* a packet program with a frame as the context */
    ot_capture cap;
    ot_load_pcap(traffic, &cap);
    write_file(ctx, cap.f[0].data, cap.f[0].len);
    r = cli("run", obj("xdp_filter"), "--ctx", ctx, NULL);
    CHECK_EQ(r.status, 0);
    CHECK_STR(r.out, "r0 = 0x2 (2)\n");
    cli_free(&r);
    write_file(ctx, cap.f[8].data, cap.f[8].len); /* to port 8080: dropped */
    r = cli("run", obj("xdp_filter"), "--ctx", ctx, "--engine", "jit", NULL);
    CHECK_STR(r.out, "r0 = 0x1 (1)\n");
    cli_free(&r);
    ot_free_capture(&cap);
    /* errors */
    r = cli("run", obj("sections"), "--prog", "kp_open", "--ctx", ctx, NULL);
    CHECK_EQ(r.status, 1);
    HAS(r.err, "program 'kp_open' is of type kprobe, which cannot run here (it loads and verifies)");
    cli_free(&r);
    r = cli("run", obj("globals"), "--prog", "nope", "--ctx", ctx, NULL);
    CHECK_EQ(r.status, 1);
    char want[8192];
    snprintf(want, sizeof want, "bpfvm: error: %s has no program 'nope' (see bpfvm progs %s)\n", obj("globals"),
             obj("globals"));
    CHECK_STR(r.err, want);
    cli_free(&r);
    unlink(ctx);
}

/* The default path verifies first: the same output as a checked run when the
 * verifier accepts; a clear refusal with the C line and a hint when it does not. */
static void t_verified(void)
{
    snprintf(ot_where, sizeof ot_where, "verified by default");
    static const char *const progs[] = { "xdp_filter", "socket_filter", "tailcalls", "xdp_rewrite", "tc_skb", "xdp_maps" };
    for (size_t i = 0; i < sizeof progs / sizeof *progs; i++) {
        cli_out a = cli("test-run", obj(progs[i]), "--pcap", pcap("packets.pcap"), "--maps", NULL);
        cli_out b = cli("test-run", NV, obj(progs[i]), "--pcap", pcap("packets.pcap"), "--maps", NULL);
        CHECK_EQ(a.status, 0);
        /* hash maps list their keys in the same order on every run */
        CHECK(!strcmp(a.out, b.out), "%s: verified and checked runs print differently", progs[i]);
        cli_free(&a);
        cli_free(&b);
    }
    char path[4096];
    snprintf(path, sizeof path, "%s/unknown_helper.o", BAD_DIR);
    cli_out r = cli("run", obj("sections"), "--prog", "xdp_one", "--ctx", traffic, NULL);
    CHECK_EQ(r.status, 0);
    cli_free(&r);
}

static void t_errors(void)
{
    snprintf(ot_where, sizeof ot_where, "errors");
    char want[8192];
    static const struct {
        const char *file, *msg;
    } bad_pcaps[] = {
        { "bad_trunc_header.pcap", "truncated dump file; tried to read 24 file header bytes, only got 6" },
        { "bad_magic.pcap", "unknown file format" },
        { "bad_trunc_record.pcap", "packet 2: truncated dump file; tried to read 60 captured bytes, only got 30" },
        { "bad_linktype.pcap", "link type RAW is not Ethernet; test-run needs Ethernet frames" },
        { "bad_caplen.pcap", "packet 1: invalid packet capture length 2147483647, bigger than snaplen of 262144" },
        { "does_not_exist.pcap", "No such file or directory" },
    };
    for (size_t i = 0; i < sizeof bad_pcaps / sizeof *bad_pcaps; i++) {
        cli_out r = cli("test-run", obj("xdp_filter"), "--pcap", pcap(bad_pcaps[i].file), "-q", NULL);
        snprintf(ot_where, sizeof ot_where, "error: %s", bad_pcaps[i].file);
        CHECK_EQ(r.status, 1);
        snprintf(want, sizeof want, "bpfvm: error: %s: %s\n", pcap(bad_pcaps[i].file), bad_pcaps[i].msg);
        CHECK_STR(r.err, want);
        cli_free(&r);
    }
    snprintf(ot_where, sizeof ot_where, "errors");
    /* objects */
    cli_out r = cli("test-run", "/nonexistent/x.o", "--pcap", traffic, NULL);
    CHECK_EQ(r.status, 1);
    CHECK_STR(r.err, "bpfvm: error: cannot open '/nonexistent/x.o': No such file or directory\n");
    cli_free(&r);
    char trunc[64];
    snprintf(trunc, sizeof trunc, "/tmp/bpfvm_cli_trunc.%d.o", (int)getpid());
    FILE *f = fopen(obj("xdp_filter"), "rb");
    uint8_t buf[300];
    size_t n = f ? fread(buf, 1, sizeof buf, f) : 0;
    if (f)
        fclose(f);
    write_file(trunc, buf, n);
    r = cli("test-run", trunc, "--pcap", traffic, NULL);
    CHECK_EQ(r.status, 1);
    char want_trunc[128];
    snprintf(want_trunc, sizeof want_trunc, "bpfvm: error: %s: truncated or corrupt: the section table (", trunc);
    HAS(r.err, want_trunc);
    HAS(r.err, ") lies outside the 300-byte file\n");
    cli_free(&r);
    r = cli("progs", trunc, NULL);
    CHECK_EQ(r.status, 1);
    HAS(r.err, "truncated or corrupt");
    cli_free(&r);
    r = cli("maps", trunc, "--json", NULL);
    CHECK_EQ(r.status, 1);
    CHECK_STR(r.out, "");
    cli_free(&r);
    unlink(trunc);
    char path[4096];
    snprintf(path, sizeof path, "%s/map_unknown_member.o", BAD_DIR);
    r = cli("progs", path, NULL);
    CHECK_EQ(r.status, 1);
    snprintf(want, sizeof want, "bpfvm: error: %s: map 'm': unknown member 'colour'\n", path);
    CHECK_STR(r.err, want);
    cli_free(&r);
    /* programs and options */
    r = cli("test-run", obj("sections"), "--prog", "kp_open", "--pcap", traffic, NULL);
    CHECK_EQ(r.status, 1);
    CHECK_STR(r.err, "bpfvm: error: program 'kp_open' (section 'kprobe/do_sys_openat2') is of type kprobe; test-run "
                     "runs XDP, socket filter and tc programs\n");
    cli_free(&r);
    r = cli("test-run", obj("sections"), "--section", "nope", "--pcap", traffic, NULL);
    CHECK_EQ(r.status, 1);
    snprintf(want, sizeof want, "bpfvm: error: %s has no program in section 'nope'\n", obj("sections"));
    CHECK_STR(r.err, want);
    cli_free(&r);
    r = cli("test-run", obj("xdp_filter"), NULL);
    CHECK_EQ(r.status, 2);
    HAS(r.err, "usage: bpfvm test-run OBJ.o");
    cli_free(&r);
    r = cli("test-run", obj("xdp_filter"), "--pcap", traffic, "--frobnicate", NULL);
    CHECK_EQ(r.status, 1);
    CHECK_STR(r.err, "bpfvm: error: test-run: unknown option '--frobnicate' (see bpfvm test-run --help)\n");
    cli_free(&r);
    r = cli("test-run", obj("xdp_filter"), "--pcap", traffic, "--engine", "fast", NULL);
    CHECK_EQ(r.status, 1);
    CHECK_STR(r.err, "bpfvm: error: --engine must be interp or jit\n");
    cli_free(&r);
    r = cli("test-run", obj("xdp_filter"), "--pcap", traffic, "--out", "/nonexistent/dir/out.pcap", NULL);
    CHECK_EQ(r.status, 1);
    HAS(r.err, "bpfvm: error: /nonexistent/dir/out.pcap: ");
    cli_free(&r);
    r = cli("test-run", "--help", NULL);
    CHECK_EQ(r.status, 0);
    HAS(r.out, "--maps");
    cli_free(&r);
    /* no crash on any of them */
    r = cli("test-run", obj("xdp_filter"), "--pcap", NULL);
    CHECK(r.status == 1 || r.status == 2, "status %d", r.status);
    cli_free(&r);
}

int main(void)
{
    snprintf(objs, sizeof objs, "%s", OBJ_DIR);
    snprintf(pcaps, sizeof pcaps, "%s", PCAP_DIR);
    snprintf(traffic, sizeof traffic, "%s/examples/traffic.pcap", SRC_DIR);
    t_testrun_lines();
    t_testrun_out();
    t_testrun_maps();
    t_testrun_json();
    t_testrun_more();
    t_testrun_redirect();
    t_testrun_perf();
    t_progress();
    t_progs_maps();
    t_run();
    t_verified();
    t_errors();
    return ot_summary("obj_cli");
}
