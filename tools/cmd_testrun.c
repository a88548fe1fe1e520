/* cmd_testrun.c — `bpfvm test-run`: runs an XDP, socket filter or tc program of an
 * ELF object on every packet of a capture (libpcap), prints a line per packet
 * (verdict, length change, redirect target), a summary of verdicts and redirect
 * targets, a progress bar for long captures on a terminal, optionally the maps
 * decoded through BTF, and writes the packets as the program left them to a new
 * capture.
 */
#include "cli.h"

#include <pcap/pcap.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static void usage(FILE *f)
{
    fprintf(f,
            "usage: bpfvm test-run OBJ.o [--prog NAME | --section SEC] --pcap IN.pcap [options]\n"
            "  Runs an XDP, socket filter or tc program on every packet of a capture, like the\n"
            "  kernel's BPF_PROG_TEST_RUN: no root, no kernel. Prints one line per packet and a\n"
            "  summary of the verdicts and redirect targets; a progress bar on stderr for\n"
            "  captures over 1 MiB when stderr is a terminal the packet lines do not go to.\n"
            "  trace_printk and bpf_perf_event_output records are printed (perf event arrays\n"
            "  are opened on every CPU, as libbpf's perf buffer does).\n"
            "  --prog NAME       program (function name); default: the object's first program\n"
            "  --section SEC     the first program of section SEC\n"
            "  --pcap FILE       input capture (Ethernet link type)\n"
            "  --out FILE        write the packets after the program ran (adjust_head/tail,\n"
            "                    writes) to this capture; dropped packets are left out\n"
            "  --engine E        interp (default) or jit\n"
            "  --repeat N        run each packet N times and report the median time per packet\n"
            "  --maps            print the object's maps at the end, decoded through BTF\n"
            "  --map-update NAME:KEY=VALUE\n"
            "                    set a map entry before the run (repeatable); KEY and VALUE\n"
            "                    are integers (little-endian) or hex:BYTES, e.g. a devmap\n"
            "                    entry: --map-update tx_port:2=5 sends key 2 to ifindex 5\n"
            "  --quiet           no per-packet lines (summary only)\n"
            "  --ifindex N       ingress interface index in the context (default 1)\n"
            "  --ncpus N         CPUs for per-CPU maps (default 1)\n"
            "  --json            one JSON object: counts per verdict and redirect target, timing\n"
            "                    (trace_printk and perf output then go to stderr)\n"
            "  --no-verify       skip the verifier: run in checked mode\n");
}

static const char *verdict_name(bpfvm_prog_type t, uint64_t v, char *buf, size_t n)
{
    static const char *const xdp[] = { "XDP_ABORTED", "XDP_DROP", "XDP_PASS", "XDP_TX", "XDP_REDIRECT" };
    static const char *const tc[] = { "TC_ACT_OK", "TC_ACT_RECLASSIFY", "TC_ACT_SHOT", "TC_ACT_PIPE",
                                      "TC_ACT_STOLEN", "TC_ACT_QUEUED", "TC_ACT_REPEAT", "TC_ACT_REDIRECT",
                                      "TC_ACT_TRAP" };
    if (t == BPFVM_PROG_XDP && v < 5)
        return xdp[v];
    if ((t == BPFVM_PROG_SCHED_CLS || t == BPFVM_PROG_SCHED_ACT) && v < 9)
        return tc[v];
    if ((t == BPFVM_PROG_SCHED_CLS || t == BPFVM_PROG_SCHED_ACT) && v == (uint32_t)-1)
        return "TC_ACT_UNSPEC";
    if (t == BPFVM_PROG_SOCKET_FILTER)
        return v ? "KEEP" : "DROP";
    snprintf(buf, n, "%llu", (unsigned long long)v);
    return buf;
}

/* Packets the program lets through, per its type (for --out). */
static bool passes(bpfvm_prog_type t, uint64_t v)
{
    if (t == BPFVM_PROG_XDP)
        return v == BPFVM_XDP_PASS || v == BPFVM_XDP_TX || v == BPFVM_XDP_REDIRECT;
    if (t == BPFVM_PROG_SOCKET_FILTER)
        return v != 0;
    return v != 2 && v != 4; /* not TC_ACT_SHOT / STOLEN */
}

typedef struct verdict_count {
    char name[32];
    unsigned long long count;
} verdict_count;

static void count_verdict(verdict_count *v, size_t *n, const char *name)
{
    for (size_t i = 0; i < *n; i++)
        if (!strcmp(v[i].name, name)) {
            v[i].count++;
            return;
        }
    if (*n < 64) {
        snprintf(v[*n].name, sizeof v[*n].name, "%s", name);
        v[(*n)++].count = 1;
    }
}

/* trace_printk and perf output go to stdout between the packet lines, or to
 * stderr with --json (user: the stream). */
static void on_print(void *user, const char *text)
{
    size_t n = strlen(text);
    fprintf(user, "trace_printk: %s%s", text, n && text[n - 1] == '\n' ? "" : "\n");
}

typedef struct target_count {
    char name[96];
    unsigned long long count;
} target_count;

static void count_target(target_count *v, size_t *n, const char *name)
{
    for (size_t i = 0; i < *n; i++)
        if (!strcmp(v[i].name, name)) {
            v[i].count++;
            return;
        }
    if (*n < 32) {
        snprintf(v[*n].name, sizeof v[*n].name, "%s", name);
        v[(*n)++].count = 1;
    }
}

/* Progress on stderr, a bar of 40 characters. */
static void progress_bar(double frac, unsigned long long npkts)
{
    int pct = (int)(100.0 * frac), fill = (int)(40.0 * frac);
    if (pct > 100)
        pct = 100, fill = 40;
    char bar[41];
    memset(bar, '#', (size_t)fill);
    memset(bar + fill, '.', (size_t)(40 - fill));
    bar[40] = 0;
    fprintf(stderr, "\r[%s] %3d%%  %llu packets", bar, pct, npkts);
    fflush(stderr);
}

int cmd_testrun(int argc, char **argv)
{
    const char *obj_path = NULL, *prog_name = NULL, *section = NULL, *pcap_in = NULL, *pcap_out = NULL, *v;
    bpfvm_engine engine = BPFVM_ENGINE_INTERP;
    unsigned long long repeat = 0, ifindex = 1, ncpus = 1;
    bool show_maps = false, quiet = false, json = false, verify = true;
    const char *updates[64];
    size_t nupdates = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            usage(stdout);
            return 0;
        } else if (cli_opt(argc, argv, &i, "--prog", &v)) {
            if (!(prog_name = v))
                return cli_error("--prog needs a name");
        } else if (cli_opt(argc, argv, &i, "--section", &v)) {
            if (!(section = v))
                return cli_error("--section needs a name");
        } else if (cli_opt(argc, argv, &i, "--pcap", &v)) {
            if (!(pcap_in = v))
                return cli_error("--pcap needs a file");
        } else if (cli_opt(argc, argv, &i, "--out", &v)) {
            if (!(pcap_out = v))
                return cli_error("--out needs a file");
        } else if (cli_opt(argc, argv, &i, "--engine", &v)) {
            if (v && !strcmp(v, "interp"))
                engine = BPFVM_ENGINE_INTERP;
            else if (v && !strcmp(v, "jit"))
                engine = BPFVM_ENGINE_JIT;
            else
                return cli_error("--engine must be interp or jit");
        } else if (!strcmp(argv[i], "--jit")) {
            engine = BPFVM_ENGINE_JIT;
        } else if (cli_opt(argc, argv, &i, "--repeat", &v)) {
            char *e;
            repeat = v ? strtoull(v, &e, 0) : 0;
            if (!v || *e || !repeat)
                return cli_error("--repeat needs a positive number");
        } else if (cli_opt(argc, argv, &i, "--ifindex", &v)) {
            char *e;
            ifindex = v ? strtoull(v, &e, 0) : 0;
            if (!v || *e || ifindex > UINT32_MAX)
                return cli_error("--ifindex needs a number");
        } else if (cli_opt(argc, argv, &i, "--ncpus", &v)) {
            char *e;
            ncpus = v ? strtoull(v, &e, 0) : 0;
            if (!v || *e || !ncpus || ncpus > 1024)
                return cli_error("--ncpus needs a number from 1 to 1024");
        } else if (cli_opt(argc, argv, &i, "--map-update", &v)) {
            if (!v)
                return cli_error("--map-update needs NAME:KEY=VALUE");
            if (nupdates == sizeof updates / sizeof *updates)
                return cli_error("at most %zu --map-update options", sizeof updates / sizeof *updates);
            updates[nupdates++] = v;
        } else if (!strcmp(argv[i], "--no-verify")) {
            verify = false;
        } else if (!strcmp(argv[i], "--maps")) {
            show_maps = true;
        } else if (!strcmp(argv[i], "--quiet") || !strcmp(argv[i], "-q")) {
            quiet = true;
        } else if (!strcmp(argv[i], "--json")) {
            json = quiet = true;
        } else if (argv[i][0] == '-' && argv[i][1]) {
            return cli_error("test-run: unknown option '%s' (see bpfvm test-run --help)", argv[i]);
        } else if (!obj_path) {
            obj_path = argv[i];
        } else {
            return cli_error("test-run: more than one object given");
        }
    }
    if (!obj_path || !pcap_in) {
        usage(stderr);
        return 2;
    }

    bpfvm_error err;
    bpfvm_vm *vm = bpfvm_vm_new();
    bpfvm_obj *obj = NULL;
    bpfvm_packet *pkt = bpfvm_packet_new();
    pcap_t *in = NULL, *dead = NULL;
    pcap_dumper_t *out = NULL;
    uint64_t *times = NULL;
    int status = 1;
    if (!vm || !pkt) {
        cli_error("out of memory (or no memory below 4 GiB for packet buffers)");
        goto done;
    }
    bpfvm_vm_set_print(vm, on_print, json ? stderr : stdout);
    if (bpfvm_vm_set_ncpus(vm, (uint32_t)ncpus, &err)) {
        cli_error("%s", err.msg);
        goto done;
    }
    if (bpfvm_obj_open(vm, obj_path, 0, &obj, &err)) {
        cli_error("%s", err.msg);
        goto done;
    }
    cli_perf_open(obj, json ? stderr : stdout);
    for (size_t i = 0; i < nupdates; i++)
        if (cli_map_update(obj, updates[i]))
            goto done;
    bpfvm_prog *prog = NULL;
    if (prog_name && !(prog = bpfvm_obj_find_prog(obj, prog_name))) {
        cli_error("%s has no program '%s' (see bpfvm progs %s)", obj_path, prog_name, obj_path);
        goto done;
    }
    if (section) {
        for (size_t i = 0; i < bpfvm_obj_prog_count(obj) && !prog; i++)
            if (!strcmp(bpfvm_prog_section(bpfvm_obj_prog(obj, i)), section))
                prog = bpfvm_obj_prog(obj, i);
        if (!prog) {
            cli_error("%s has no program in section '%s'", obj_path, section);
            goto done;
        }
    }
    if (!prog)
        prog = bpfvm_obj_prog(obj, 0);
    bpfvm_prog_type type = bpfvm_prog_get_type(prog);
    if (type != BPFVM_PROG_XDP && type != BPFVM_PROG_SOCKET_FILTER && type != BPFVM_PROG_SCHED_CLS &&
        type != BPFVM_PROG_SCHED_ACT) {
        cli_error("program '%s' (section '%s') is of type %s; test-run runs XDP, socket filter and tc programs",
                  bpfvm_prog_name(prog), bpfvm_prog_section(prog), bpfvm_prog_type_name(type));
        goto done;
    }
    if (!bpfvm_prog_can_run(prog, &err)) {
        cli_error("%s", err.msg);
        goto done;
    }
    if (verify && cli_verify(obj_path, prog, 0))
        goto done;
    if (engine == BPFVM_ENGINE_JIT && bpfvm_prog_jit(prog, &err)) {
        cli_error("%s", err.msg);
        goto done;
    }

    char ebuf[PCAP_ERRBUF_SIZE] = "";
    in = pcap_open_offline(pcap_in, ebuf);
    if (!in) { /* libpcap names the file in some messages ("PATH: No such file ...") */
        cli_error("%s%s%s", strncmp(ebuf, pcap_in, strlen(pcap_in)) ? pcap_in : "",
                  strncmp(ebuf, pcap_in, strlen(pcap_in)) ? ": " : "", ebuf);
        goto done;
    }
    if (pcap_datalink(in) != DLT_EN10MB) {
        cli_error("%s: link type %s is not Ethernet; test-run needs Ethernet frames", pcap_in,
                  pcap_datalink_val_to_name(pcap_datalink(in)) ? pcap_datalink_val_to_name(pcap_datalink(in)) : "?");
        goto done;
    }
    if (pcap_out) {
        dead = pcap_open_dead_with_tstamp_precision(DLT_EN10MB, 262144, pcap_get_tstamp_precision(in));
        out = dead ? pcap_dump_open(dead, pcap_out) : NULL;
        if (!out) {
            cli_error("%s: %s", pcap_out, dead ? pcap_geterr(dead) : "cannot create");
            goto done;
        }
    }
    bpfvm_packet_set_ifindex(pkt, (uint32_t)ifindex, 0);

    /* Progress bar: for captures over 1 MiB, on stderr when it is a terminal, and
     * not interleaved with packet lines going to the same terminal (use -q there). */
    struct stat st;
    FILE *fp = pcap_file(in);
    bool progress = isatty(2) && fp && stat(pcap_in, &st) == 0 && st.st_size > (1 << 20) &&
                    (quiet || !isatty(1));
    uint64_t next_draw = progress ? cli_now_ns() : 0;

    verdict_count verdicts[64];
    size_t nverdicts = 0;
    target_count targets[32];
    size_t ntargets = 0;
    unsigned long long nredirect = 0;
    unsigned long long npkts = 0, bytes_in = 0, bytes_out = 0, changed = 0;
    size_t ntimes = 0, captimes = 0;
    struct pcap_pkthdr *hdr;
    const u_char *data;
    int r;
    bpfvm_run_opts ro = { .engine = engine };
    if (!quiet)
        printf("%6s  %-16s %s\n", "packet", "verdict", "length");
    while ((r = pcap_next_ex(in, &hdr, &data)) == 1) {
        npkts++;
        if (hdr->caplen < hdr->len && !quiet)
            printf("%6llu  (captured %u of %u bytes: running on the captured part)\n", npkts, hdr->caplen, hdr->len);
        uint64_t ret = 0;
        int rc = 0;
        for (unsigned long long k = 0; k < (repeat ? repeat : 1) && rc == 0; k++) {
            if ((rc = bpfvm_packet_set(pkt, data, hdr->caplen, &err)))
                break;
            uint64_t t0 = repeat ? cli_now_ns() : 0;
            rc = bpfvm_run_packet(prog, pkt, &ro, &ret, &err);
            if (repeat) {
                if (ntimes == captimes) {
                    captimes = captimes ? captimes * 2 : 4096;
                    uint64_t *t = realloc(times, captimes * sizeof *t);
                    if (!t) {
                        cli_error("out of memory");
                        goto done;
                    }
                    times = t;
                }
                times[ntimes++] = cli_now_ns() - t0;
            }
        }
        if (rc) {
            cli_error("packet %llu: %s: %s", npkts, bpfvm_prog_name(prog), err.msg);
            goto done;
        }
        size_t outlen;
        const uint8_t *outdata = bpfvm_packet_data(pkt, &outlen);
        char vb[32];
        const char *vn = verdict_name(type, ret, vb, sizeof vb);
        count_verdict(verdicts, &nverdicts, vn);
        bytes_in += hdr->caplen;
        if (outlen != hdr->caplen || memcmp(outdata, data, outlen))
            changed++;
        char where[128] = "";
        bool redirect = (type == BPFVM_PROG_XDP && ret == BPFVM_XDP_REDIRECT) ||
                        ((type == BPFVM_PROG_SCHED_CLS || type == BPFVM_PROG_SCHED_ACT) && ret == 7);
        if (redirect) {
            bpfvm_redirect rd;
            if (bpfvm_packet_redirect(pkt, &rd))
                cli_redirect_text(&rd, where, sizeof where);
            else
                snprintf(where, sizeof where, "no target (no bpf_redirect call succeeded)");
            count_target(targets, &ntargets, where);
            nredirect++;
        }
        if (!quiet) {
            printf("%6llu  %-16s %u", npkts, vn, hdr->caplen);
            if (outlen != hdr->caplen)
                printf(" -> %zu (%+lld)", outlen, (long long)outlen - (long long)hdr->caplen);
            else if (memcmp(outdata, data, outlen))
                printf(" (modified)");
            if (redirect)
                printf(", to %s", where);
            printf("\n");
        }
        if (out && passes(type, ret)) {
            struct pcap_pkthdr oh = *hdr;
            oh.caplen = (bpf_u_int32)outlen;
            oh.len = (bpf_u_int32)(hdr->len - hdr->caplen + outlen);
            pcap_dump((u_char *)out, &oh, outdata);
            bytes_out += outlen;
        }
        if (progress && npkts % 64 == 0 && cli_now_ns() >= next_draw) {
            progress_bar((double)ftell(fp) / (double)st.st_size, npkts);
            next_draw = cli_now_ns() + 100000000ull; /* 10 times a second */
        }
    }
    if (progress) {
        progress_bar(1.0, npkts);
        fprintf(stderr, "\r%70s\r", "");
    }
    if (r == -1) {
        cli_error("%s: packet %llu: %s", pcap_in, npkts + 1, pcap_geterr(in));
        goto done;
    }
    uint64_t median = 0;
    if (ntimes)
        median = cli_median_ns(times, ntimes);

    if (json) {
        printf("{\"program\": ");
        cli_json_str(stdout, bpfvm_prog_name(prog));
        printf(", \"section\": ");
        cli_json_str(stdout, bpfvm_prog_section(prog));
        printf(", \"type\": \"%s\", \"packets\": %llu, \"verdicts\": {", bpfvm_prog_type_name(type), npkts);
        for (size_t i = 0; i < nverdicts; i++)
            printf("%s\"%s\": %llu", i ? ", " : "", verdicts[i].name, verdicts[i].count);
        printf("}, \"redirects\": {");
        for (size_t i = 0; i < ntargets; i++) {
            printf("%s", i ? ", " : "");
            cli_json_str(stdout, targets[i].name);
            printf(": %llu", targets[i].count);
        }
        printf("}, \"modified\": %llu, \"engine\": \"%s\", \"median_ns\": %llu", changed,
               engine == BPFVM_ENGINE_JIT ? "jit" : "interp", (unsigned long long)median);
        if (show_maps) {
            printf(", \"maps\": ");
            cli_print_maps(obj, true);
        }
        printf("}\n");
    } else {
        printf("\n%s: program '%s' (%s), %llu packets, %llu bytes\n", pcap_in, bpfvm_prog_name(prog),
               bpfvm_prog_type_name(type), npkts, bytes_in);
        printf("  %-16s %10s %8s\n", "verdict", "packets", "share");
        for (size_t i = 0; i < nverdicts; i++)
            printf("  %-16s %10llu %7.1f%%\n", verdicts[i].name, verdicts[i].count,
                   npkts ? 100.0 * (double)verdicts[i].count / (double)npkts : 0.0);
        if (nredirect) {
            printf("  redirected to:\n");
            for (size_t i = 0; i < ntargets; i++)
                printf("    %-52s %10llu\n", targets[i].name, targets[i].count);
        }
        if (changed)
            printf("  %llu packets were modified by the program\n", changed);
        if (out)
            printf("  wrote the passed packets (%llu bytes) to %s\n", bytes_out, pcap_out);
        if (repeat)
            printf("  median %llu ns per packet (%llu runs each, %s)\n", (unsigned long long)median, repeat,
                   engine == BPFVM_ENGINE_JIT ? "jit" : "interp");
    }
    if (show_maps && !json)
        cli_print_maps(obj, false);
    status = 0;
done:
    if (out)
        pcap_dump_close(out);
    if (dead)
        pcap_close(dead);
    if (in)
        pcap_close(in);
    free(times);
    bpfvm_packet_free(pkt);
    bpfvm_obj_free(obj);
    bpfvm_vm_free(vm);
    return status;
}
