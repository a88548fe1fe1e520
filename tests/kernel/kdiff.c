/* kdiff.c — the kernel side of differential testing: wraps a conformance-style
 * program so the kernel can run it (r1/r2 from a map value, r0 captured into a
 * result map by an epilogue every main-function exit jumps to), loads it as a
 * socket filter, test-runs it once and reads r0 back. Maps and program live only
 * for one call; nothing is shared between calls.
 */
#define _GNU_SOURCE
#include "kdiff.h"

#include "kbpf.h"
#include "kpatch.h"

#include <errno.h>
#include <linux/bpf.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Result map value: the captured r0, then a flag proving the epilogue ran. */
#define RES_R0 0
#define RES_DONE 8
#define RES_SIZE 16
#define EPILOGUE_SLOTS 6

static void say(char *msg, size_t msgsz, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void say(char *msg, size_t msgsz, const char *fmt, ...)
{
    if (msg && msgsz) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(msg, msgsz, fmt, ap);
        va_end(ap);
    }
}

const char *kdiff_status_name(kdiff_status s)
{
    switch (s) {
    case KDIFF_OK: return "ok";
    case KDIFF_REJECTED: return "rejected";
    case KDIFF_UNAVAILABLE: return "unavailable";
    case KDIFF_ERROR: return "error";
    }
    return "?";
}

/* lddw dst, map_value(fd) + 0: Linux's BPF_PSEUDO_MAP_VALUE, offset in the 2nd imm. */
static void emit_map_value(isa_insn *p, int dst, int fd)
{
    p[0] = isa_make(ISA_LDDW_MAP_VAL, dst, 0, 0, fd);
    p[1] = isa_make(ISA_LDDW_HI, 0, 0, 0, 0);
}

/* True when the fields a row declares unused are zero (RFC 9669 requires it). */
static bool unused_fields_zero(const isa_insn *in, isa_id id)
{
    const isa_row *r = &isa_rows[id];
    return (r->dst != D_ZERO || in->dst == 0) && (r->src != S_ZERO || in->src == 0) &&
           (r->off != O_ZERO || in->off == 0) && (r->imm != I_ZERO || in->imm == 0);
}

/* End of the main function: the first function start after slot 0. Functions
 * start at local-call targets and at code-address (callback) targets. */
static size_t main_end(const isa_insn *p, size_t n)
{
    size_t end = n;
    for (size_t i = 0; i < n; i += kpatch_width(p, n, i)) {
        isa_id id = isa_find(&p[i], KPATCH_ALL_EXT);
        if (id == ISA_NONE || (isa_rows[id].imm != I_CALL && id != ISA_LDDW_CODE))
            continue;
        long long t;
        if (kpatch_target(p, n, i, &t) && t > 0 && (size_t)t < end)
            end = (size_t)t;
    }
    return end;
}

int kdiff_wrap(const void *insns, size_t n_slots, int mem_map_fd, uint32_t mem_len, int result_map_fd,
               void **out, size_t *out_n, char *msg, size_t msgsz)
{
    *out = NULL;
    *out_n = 0;
    if (mem_len > INT32_MAX) {
        say(msg, msgsz, "memory block too large (%u bytes)", mem_len);
        return -1;
    }
    /* The caller's buffer may be unaligned: work on an aligned copy. */
    isa_insn *prog = malloc((n_slots ? n_slots : 1) * sizeof *prog);
    size_t *pos = malloc((n_slots + 1) * sizeof *pos);
    if (!prog || !pos) {
        free(prog);
        free(pos);
        say(msg, msgsz, "out of memory");
        return -1;
    }
    if (n_slots)
        memcpy(prog, insns, n_slots * sizeof *prog);

    /* Same length with or without memory, so log slot numbers shift by a constant. */
    isa_insn pro[KDIFF_PROLOGUE_SLOTS];
    if (mem_map_fd >= 0)
        emit_map_value(pro, 1, mem_map_fd);
    else {
        pro[0] = isa_make(ISA_LDDW, 1, 0, 0, 0);
        pro[1] = isa_make(ISA_LDDW_HI, 0, 0, 0, 0);
    }
    pro[2] = isa_make(ISA_MOV64_K, 2, 0, 0, (int32_t)mem_len);

    isa_insn epi[EPILOGUE_SLOTS];
    emit_map_value(epi, 1, result_map_fd);
    epi[2] = isa_make(ISA_STXDW, 1, 0, RES_R0, 0); /* all 64 bits of r0 */
    epi[3] = isa_make(ISA_STDW, 1, 0, RES_DONE, 1);
    epi[4] = isa_make(ISA_MOV64_K, 0, 0, 0, 0);
    epi[5] = isa_make(ISA_EXIT, 0, 0, 0, 0);

    size_t end = main_end(prog, n_slots);
    const kpatch_insert ins[2] = {
        { .at = 0, .code = pro, .n = KDIFF_PROLOGUE_SLOTS },
        { .at = end, .code = epi, .n = EPILOGUE_SLOTS },
    };
    isa_insn *o;
    size_t on;
    if (kpatch_apply(prog, n_slots, ins, 2, &o, &on, pos, msg, msgsz) < 0) {
        free(prog);
        free(pos);
        return -1;
    }

    /* exit -> jump to the epilogue; one slot either way, so nothing else moves.
     * A malformed exit stays, for the kernel to reject as it would unwrapped. */
    long long epi_at = (long long)pos[end] - EPILOGUE_SLOTS;
    for (size_t i = 0; i < end; i += kpatch_width(prog, n_slots, i)) {
        if (isa_find(&prog[i], KPATCH_ALL_EXT) != ISA_EXIT || !unused_fields_zero(&prog[i], ISA_EXIT))
            continue;
        long long rel = epi_at - ((long long)pos[i] + 1);
        o[pos[i]] = rel >= INT16_MIN && rel <= INT16_MAX ? isa_make(ISA_JA, 0, 0, (int16_t)rel, 0)
                                                         : isa_make(ISA_JA32, 0, 0, 0, (int32_t)rel);
    }
    free(prog);
    free(pos);
    *out = o;
    *out_n = on;
    return 0;
}

/* Leading "N:" of a log line, or -1. */
static long log_slot(const char *s, size_t len)
{
    size_t i = 0;
    long v = 0;
    while (i < len && i < 9 && s[i] >= '0' && s[i] <= '9')
        v = v * 10 + (s[i++] - '0');
    return i > 0 && i < len && s[i] == ':' ? v : -1;
}

/* A log line that says nothing about why the program was refused: summaries,
 * register-state dumps ("N: R1=ctx() ..."), and instructions the verifier
 * accepted (it prints their resulting state after ";"). */
static bool log_noise(const char *s, size_t len)
{
    static const char *const prefixes[] = {
        "processed ", "verification time", "stack depth", "Validating ", "Func#",
    };
    if (len == 0)
        return true;
    for (size_t i = 0; i < sizeof prefixes / sizeof prefixes[0]; i++)
        if (len >= strlen(prefixes[i]) && memcmp(s, prefixes[i], strlen(prefixes[i])) == 0)
            return true;
    if (log_slot(s, len) >= 0) {
        const char *colon = memchr(s, ':', len);
        size_t rest = len - (size_t)(colon - s);
        if (rest < 3 || colon[1] != ' ' || colon[2] != '(')
            return true;
        for (size_t i = 0; i + 2 < len; i++)
            if (s[i] == ' ' && s[i + 1] == ';' && s[i + 2] == ' ')
                return true;
    }
    return false;
}

/* Appends the original program's name for wrapped slot `ws`. */
static size_t put_slot(char *out, size_t outsz, size_t w, long ws, size_t end)
{
    long orig = ws - KDIFF_PROLOGUE_SLOTS;
    int r;
    if (orig < 0)
        r = snprintf(out + w, outsz - w, "(prologue):");
    else if ((size_t)orig < end)
        r = snprintf(out + w, outsz - w, "%ld:", orig);
    else if ((size_t)orig < end + EPILOGUE_SLOTS)
        r = snprintf(out + w, outsz - w, "(epilogue):");
    else
        r = snprintf(out + w, outsz - w, "%ld:", orig - EPILOGUE_SLOTS);
    if (r < 0)
        return w;
    return (size_t)r >= outsz - w ? outsz - 1 : w + (size_t)r;
}

/* The last `want` meaningful lines of a verifier log, oldest first, joined by
 * " | ", with leading slot numbers translated back to the original program
 * (`end` = its main function's length). */
static void log_tail(const char *log, int want, size_t end, char *out, size_t outsz)
{
    const char *start[8];
    size_t len[8];
    int got = 0;
    if (want > 8)
        want = 8;
    const char *e = log + strlen(log);
    while (e > log && got < want) {
        const char *b = e;
        while (b > log && b[-1] != '\n')
            b--;
        const char *t = e;
        while (t > b && (t[-1] == '\n' || t[-1] == '\r' || t[-1] == ' '))
            t--;
        if (!log_noise(b, (size_t)(t - b))) {
            start[got] = b;
            len[got] = (size_t)(t - b);
            got++;
        }
        e = b > log ? b - 1 : log;
    }
    /* Runs of blanks (the log aligns its register dumps in columns) shrink to one. */
    size_t w = 0;
    out[0] = '\0';
    for (int k = got - 1; k >= 0 && w + 1 < outsz; k--) {
        if (w && w + 4 < outsz) {
            memcpy(out + w, " | ", 3);
            w += 3;
        }
        size_t c = 0;
        long ws = log_slot(start[k], len[k]);
        if (ws >= 0) {
            w = put_slot(out, outsz, w, ws, end);
            while (start[k][c] != ':')
                c++;
            c++;
        }
        for (; c < len[k] && w + 1 < outsz; c++) {
            char ch = start[k][c] == '\t' ? ' ' : start[k][c];
            if (ch == ' ' && w && out[w - 1] == ' ')
                continue;
            out[w++] = ch;
        }
        out[w] = '\0';
    }
}

/* errno values that mean "this process may not use bpf(2)", not "bad program". */
static bool not_permitted(int err) { return err == -EPERM || err == -ENOSYS; }

#define KDIFF_LOG_SIZE (64 * 1024)

kdiff_status kdiff_run_mem(const void *insns, size_t n_slots, const void *mem, size_t mem_len,
                           void *mem_out, uint64_t *r0, char *msg, size_t msgsz)
{
    char ebuf[128];
    kdiff_status st = KDIFF_ERROR;
    int res_fd = -1, mem_fd = -1, prog_fd = -1;
    void *wrapped = NULL;
    char *log = NULL;

    say(msg, msgsz, "%s", "");
    if (!mem || mem_len == 0)
        mem_len = 0;
    if (mem_len > INT32_MAX) {
        say(msg, msgsz, "memory block too large (%zu bytes)", mem_len);
        return KDIFF_ERROR;
    }

    res_fd = kbpf_map_create_array(RES_SIZE, 1);
    if (res_fd < 0) {
        st = not_permitted(res_fd) ? KDIFF_UNAVAILABLE : KDIFF_ERROR;
        say(msg, msgsz, "bpf(BPF_MAP_CREATE)%s: %s", st == KDIFF_UNAVAILABLE ? " not permitted" : "",
            strerror_r(-res_fd, ebuf, sizeof ebuf));
        goto out;
    }
    if (mem_len) {
        mem_fd = kbpf_map_create_array((uint32_t)mem_len, 1);
        int r = mem_fd < 0 ? mem_fd : kbpf_map_update(mem_fd, 0, mem);
        if (r < 0) {
            st = not_permitted(r) ? KDIFF_UNAVAILABLE : KDIFF_ERROR;
            say(msg, msgsz, "memory map of %zu bytes: %s", mem_len, strerror_r(-r, ebuf, sizeof ebuf));
            goto out;
        }
    }

    size_t wn;
    if (kdiff_wrap(insns, n_slots, mem_fd, (uint32_t)mem_len, res_fd, &wrapped, &wn, msg, msgsz) < 0)
        goto out;

    log = malloc(KDIFF_LOG_SIZE);
    if (!log) {
        say(msg, msgsz, "out of memory");
        goto out;
    }
    prog_fd = kbpf_prog_load(wrapped, wn, BPF_PROG_TYPE_SOCKET_FILTER, log, KDIFF_LOG_SIZE);
    if (prog_fd < 0) {
        const char *why = strerror_r(-prog_fd, ebuf, sizeof ebuf);
        if (not_permitted(prog_fd) && log[0] == '\0') {
            st = KDIFF_UNAVAILABLE;
            say(msg, msgsz, "bpf(BPF_PROG_LOAD) not permitted: %s", why);
        } else {
            char tail[1024];
            isa_insn *copy = malloc((n_slots ? n_slots : 1) * sizeof *copy);
            size_t end = n_slots;
            if (copy) {
                if (n_slots)
                    memcpy(copy, insns, n_slots * sizeof *copy);
                end = main_end(copy, n_slots);
                free(copy);
            }
            log_tail(log, 3, end, tail, sizeof tail);
            st = KDIFF_REJECTED;
            say(msg, msgsz,
                "%s (%s; slot numbers inside messages are the wrapped program's: "
                "original + %d in main, + %d after it)",
                tail[0] ? tail : "no verifier log", why, KDIFF_PROLOGUE_SLOTS, KDIFF_PROLOGUE_SLOTS + EPILOGUE_SLOTS);
        }
        goto out;
    }

    /* The packet is only the socket filter's context, which the wrapper ignores;
     * the test run needs at least an Ethernet header of it. */
    static const uint8_t pkt[64];
    int r = kbpf_test_run(prog_fd, pkt, sizeof pkt, NULL, NULL, 1, NULL, NULL);
    if (r < 0) {
        say(msg, msgsz, "bpf(BPF_PROG_TEST_RUN): %s", strerror_r(-r, ebuf, sizeof ebuf));
        goto out;
    }
    uint8_t res[RES_SIZE];
    r = kbpf_map_lookup(res_fd, 0, res);
    if (r == 0 && mem_out && mem_len)
        r = kbpf_map_lookup(mem_fd, 0, mem_out);
    if (r < 0) {
        say(msg, msgsz, "bpf(BPF_MAP_LOOKUP_ELEM): %s", strerror_r(-r, ebuf, sizeof ebuf));
        goto out;
    }
    uint64_t done;
    memcpy(&done, res + RES_DONE, sizeof done);
    if (done != 1) {
        say(msg, msgsz, "the program ended without reaching an exit of its main function");
        goto out;
    }
    memcpy(r0, res + RES_R0, sizeof *r0);
    st = KDIFF_OK;
out:
    kbpf_close(prog_fd);
    kbpf_close(mem_fd);
    kbpf_close(res_fd);
    free(wrapped);
    free(log);
    return st;
}

kdiff_status kdiff_run(const void *insns, size_t n_slots, const void *mem, size_t mem_len,
                       uint64_t *r0, char *msg, size_t msgsz)
{
    return kdiff_run_mem(insns, n_slots, mem, mem_len, NULL, r0, msg, msgsz);
}
