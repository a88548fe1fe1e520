/* jitdiff.c — interpreter vs JIT on one program (see jitdiff.h). */
#define _GNU_SOURCE
#include "jitdiff.h"

#include <alloca.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void jd_outcome_free(jd_outcome *o)
{
    free(o->mem);
    o->mem = NULL;
}

void jd_ctx_free(jd_ctx *d)
{
    bpfvm_prog_free(d->probe);
    d->probe = NULL;
}

void jd_normalize(char *msg, uint64_t lo)
{
    char out[512];
    size_t k = 0;
    for (const char *p = msg; *p && k + 40 < sizeof out;) {
        if (p[0] == '0' && p[1] == 'x') {
            char *end;
            uint64_t v = strtoull(p + 2, &end, 16);
            if (end > p + 2 && v - lo + (1u << 20) < (2u << 20)) {
                int64_t d = (int64_t)(v - lo);
                k += (size_t)snprintf(out + k, sizeof out - k, "stack%s%#llx", d < 0 ? "-" : "+",
                                      (unsigned long long)(d < 0 ? -(uint64_t)d : (uint64_t)d));
                p = end;
                continue;
            }
        }
        out[k++] = *p++;
    }
    out[k] = '\0';
    snprintf(msg, 512, "%s", out);
}

static void run_once(jd_ctx *d, bpfvm_prog *p, bpfvm_engine e, jd_outcome *o)
{
    bpfvm_error err;
    memset(&err, 0, sizeof err);
    bpfvm_run_opts ro = { .engine = e, .step_budget = d->budget };
    uint64_t r10 = 0;
    bpfvm_run(d->probe, d->mem, d->mem_len, &ro, &r10, &err); /* the same frames: the same stack */
    memcpy(d->mem, d->mem0, d->mem_len);
    o->r0 = 0;
    o->rc = bpfvm_run(p, d->mem, d->mem_len, &ro, &o->r0, &err);
    o->insn = o->rc ? err.insn : -1;
    snprintf(o->msg, sizeof o->msg, "%s", o->rc ? err.msg : "");
    jd_normalize(o->msg, r10 - BPFVM_MAX_FRAMES * BPFVM_STACK_SIZE);
    o->mem = malloc(d->mem_len ? d->mem_len : 1);
    if (o->mem)
        memcpy(o->mem, d->mem, d->mem_len);
}

/* The same run with the C stack (and so the BPF stack) moved down by pad bytes
 * (a multiple of 16: alloca keeps the stack 16-aligned). */
static void __attribute__((noinline)) run_shifted(jd_ctx *d, bpfvm_prog *p, bpfvm_engine e, size_t pad, jd_outcome *o)
{
    volatile char *buf = alloca(pad);
    buf[0] = 1;
    run_once(d, p, e, o);
    buf[pad - 1] = 2;
}

static bool same(const jd_ctx *d, const jd_outcome *a, const jd_outcome *b)
{
    if (a->rc != b->rc)
        return false;
    if (a->rc == 0 && a->r0 != b->r0)
        return false;
    if (a->rc && (a->insn != b->insn || strcmp(a->msg, b->msg)))
        return false;
    return !a->mem || !b->mem || memcmp(a->mem, b->mem, d->mem_len) == 0;
}

static void describe(const jd_ctx *d, const char *name, const jd_outcome *o, char *buf, size_t n)
{
    size_t k = 0;
    if (o->rc)
        k = (size_t)snprintf(buf, n, "%s: error %d: %s\n", name, o->rc, o->msg);
    else
        k = (size_t)snprintf(buf, n, "%s: r0 = %#" PRIx64 "\n", name, o->r0);
    if (k < n && o->mem) {
        k += (size_t)snprintf(buf + k, n - k, "  mem:");
        for (size_t i = 0; i < d->mem_len && k + 4 < n; i++)
            k += (size_t)snprintf(buf + k, n - k, " %02x", o->mem[i]);
        if (k + 2 < n)
            k += (size_t)snprintf(buf + k, n - k, "\n");
    }
}

int jd_compare(jd_ctx *d, const isa_insn *insns, size_t n, jd_outcome *interp, char *why, size_t whysz)
{
    bpfvm_prog *p = NULL;
    bpfvm_error err;
    if (!d->probe) {
        static const uint8_t probe[16] = { 0xbf, 0xa0, 0, 0, 0, 0, 0, 0, 0x95, 0, 0, 0, 0, 0, 0, 0 };
        if (bpfvm_prog_load(d->vm, probe, sizeof probe, NULL, &d->probe, &err)) {
            snprintf(why, whysz, "probe: %s", err.msg);
            return JD_INVALID;
        }
    }
    bpfvm_load_opts lo = { .ext = d->ext, .name = "jitdiff", .jit_blind = d->blind };
    if (bpfvm_prog_load(d->vm, insns, n * 8, &lo, &p, &err)) {
        snprintf(why, whysz, "%s", err.msg);
        return JD_INVALID;
    }
    if (d->verify) {
        bpfvm_verify_opts vo = { .mem_size = (uint32_t)d->mem_len };
        if (bpfvm_verify(p, &vo, NULL, &err)) {
            snprintf(why, whysz, "%s", err.msg);
            bpfvm_prog_free(p);
            return JD_REJECTED;
        }
    }
    if (jit_prog_compile(p, &d->jo, &err)) {
        snprintf(why, whysz, "JIT compile failed: %s", err.msg);
        bpfvm_prog_free(p);
        return JD_DISAGREE;
    }
    jd_outcome a, b;
    run_once(d, p, BPFVM_ENGINE_INTERP, &a);
    run_once(d, p, BPFVM_ENGINE_JIT, &b);
    int res = JD_AGREE;
    if (!same(d, &a, &b)) {
        /* Does the program look at where the stack is? Run both engines elsewhere,
         * moving the stack by each power of two from 16 bytes (both engines align it
         * to 64) so that every address bit the two runs' stacks differ in flips. */
        jd_outcome a2, b2;
        memset(&a2, 0, sizeof a2);
        memset(&b2, 0, sizeof b2);
        bool moved_same = true;
        for (size_t pad = 16; pad <= 8192 && moved_same; pad *= 2) {
            jd_outcome_free(&a2);
            jd_outcome_free(&b2);
            run_shifted(d, p, BPFVM_ENGINE_INTERP, pad, &a2);
            run_shifted(d, p, BPFVM_ENGINE_JIT, pad, &b2);
            moved_same = same(d, &a, &a2) && same(d, &b, &b2);
        }
        if (!moved_same) {
            res = JD_ADDR_DEPENDENT;
            if (getenv("JITDIFF_DEBUG")) {
                char t[4096];
                fprintf(stderr, "rc %d %d %d %d insn %ld %ld %ld %ld r0 %lx %lx memeq %d %d\n", a.rc, a2.rc, b.rc, b2.rc,
                        a.insn, a2.insn, b.insn, b2.insn, (long)a.r0, (long)b.r0,
                        a.mem && a2.mem && !memcmp(a.mem, a2.mem, d->mem_len), a.mem && b.mem && !memcmp(a.mem, b.mem, d->mem_len));
                describe(d, "interp", &a, t, sizeof t), fputs(t, stderr);
                describe(d, "interp (stack moved)", &a2, t, sizeof t), fputs(t, stderr);
                describe(d, "jit", &b, t, sizeof t), fputs(t, stderr);
                describe(d, "jit (stack moved)", &b2, t, sizeof t), fputs(t, stderr);
            }
        } else {
            res = JD_DISAGREE;
            size_t k = 0;
            describe(d, "interp", &a, why, whysz);
            k = strlen(why);
            describe(d, "jit", &b, why + k, whysz - k);
        }
        jd_outcome_free(&a2);
        jd_outcome_free(&b2);
    }
    jd_outcome_free(&b);
    if (interp)
        *interp = a;
    else
        jd_outcome_free(&a);
    bpfvm_prog_free(p);
    return res;
}
