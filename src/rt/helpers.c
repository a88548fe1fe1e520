/* helpers.c — the standard helpers, with Linux's ids, names, prototypes and
 * semantics, in one table (std_helpers[]) that bpfvm_vm_new() registers and the
 * verifier reads. In checked mode (unverified programs) every pointer argument is
 * checked against its prototype before the helper touches it (check_args), so a
 * program cannot make a helper read or write outside its memory.
 * Helpers with no kernel to talk to return what a quiet machine would
 * (get_current_pid_tgid is the host process), or -EOPNOTSUPP where noted.
 */
#define _GNU_SOURCE
#include "rt/helpers.h"
#include "exec/exec.h"
#include "rt/map.h"
#include "rt/packet.h"
#include "rt/progtype.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <time.h>
#include <unistd.h>

#define U64 uint64_t
#define ARGS U64 r1, U64 r2, U64 r3, U64 r4, U64 r5, bpfvm_call *c
#define UNUSED5 (void)r1, (void)r2, (void)r3, (void)r4, (void)r5
#define PTR(x) ((void *)(uintptr_t)(x))
#define ERR(e) ((U64)(int64_t)(-(e)))

static const bpfvm_helper_proto *proto_of(uint32_t id);

/* ---- argument checks from the prototype (checked mode) ----------------------- */

static bool fail_arg(bpfvm_call *c, uint32_t id, int argno, U64 v, const char *what)
{
    bpfvm_call_fail(c, "helper %s (%u): argument %d (r%d = %#" PRIx64 "): %s",
                    bpfvm_helper_name(c->vm, id), id, argno, argno, v, what);
    return false;
}

static bool str_ok(bpfvm_call *c, U64 p)
{
    for (U64 i = 0; i < 4096; i++) {
        if (!run_mem_ok(c, p + i, 1, false))
            return false;
        if (*(const char *)PTR(p + i) == 0)
            return true;
    }
    return false;
}

/* Checks r1..r5 against helper id's prototype. Returns false (and fails the run)
 * on the first bad argument. */
static bool check_args(bpfvm_call *c, uint32_t id, const U64 a[5])
{
    const bpfvm_helper_proto *p = proto_of(id);
    const bpfvm_map *map = NULL;
    char msg[96];
    for (int i = 0; i < 5 && p; i++) {
        U64 v = a[i];
        switch (p->args[i]) {
        case BPFVM_ARG_MAP:
            if (!vm_is_map(c->vm, PTR(v)))
                return fail_arg(c, id, i + 1, v, "not a map");
            map = PTR(v);
            break;
        case BPFVM_ARG_MAP_KEY:
        case BPFVM_ARG_MAP_VALUE:
        case BPFVM_ARG_MAP_VALUE_UNINIT: {
            if (!map)
                break;
            uint32_t n = p->args[i] == BPFVM_ARG_MAP_KEY ? map->def.key_size : map->def.value_size;
            if (!run_mem_ok(c, v, n, p->args[i] == BPFVM_ARG_MAP_VALUE_UNINIT)) {
                snprintf(msg, sizeof msg, "%u bytes of %s are not %s memory", n,
                         p->args[i] == BPFVM_ARG_MAP_KEY ? "key" : "value",
                         p->args[i] == BPFVM_ARG_MAP_VALUE_UNINIT ? "writable" : "readable");
                return fail_arg(c, id, i + 1, v, msg);
            }
            break;
        }
        case BPFVM_ARG_MEM:
        case BPFVM_ARG_MEM_UNINIT:
        case BPFVM_ARG_MEM_OR_NULL: {
            U64 n = i + 1 < 5 ? a[i + 1] : 0;
            if (p->args[i] == BPFVM_ARG_MEM_OR_NULL && v == 0) {
                if (n) /* NULL only with no bytes to touch (Linux's verifier rule) */
                    return fail_arg(c, id, i + 1, v, "NULL with a size that is not 0");
                break;
            }
            if (n > (1u << 30))
                return fail_arg(c, id, i + 2, n, "size is too large");
            if (n && !run_mem_ok(c, v, n, p->args[i] == BPFVM_ARG_MEM_UNINIT)) {
                snprintf(msg, sizeof msg, "%" PRIu64 " bytes are not %s memory", n,
                         p->args[i] == BPFVM_ARG_MEM_UNINIT ? "writable" : "readable");
                return fail_arg(c, id, i + 1, v, msg);
            }
            break;
        }
        case BPFVM_ARG_SIZE:
            if (v == 0)
                return fail_arg(c, id, i + 1, v, "size must not be 0");
            break;
        case BPFVM_ARG_CTX:
            if (v != c->ctx)
                return fail_arg(c, id, i + 1, v, "not the program's context");
            break;
        case BPFVM_ARG_FUNC:
            if ((v & VM_FUNC_TAG_MASK) != VM_FUNC_TAG)
                return fail_arg(c, id, i + 1, v, "not a BPF function (lddw code_addr)");
            break;
        case BPFVM_ARG_CONST_STR:
            if (!str_ok(c, v))
                return fail_arg(c, id, i + 1, v, "not a NUL-terminated string in readable memory");
            break;
        default:
            break;
        }
    }
    return true;
}

#define CHECK(id)                                                   \
    do {                                                            \
        if (c->checked) {                                           \
            const U64 a_[5] = { r1, r2, r3, r4, r5 };               \
            if (!check_args(c, id, a_))                             \
                return 0;                                           \
        }                                                           \
    } while (0)

/* ---- maps -------------------------------------------------------------------------- */

static U64 h_map_lookup_elem(ARGS)
{
    UNUSED5;
    CHECK(1);
    bpfvm_map *m = PTR(r1);
    return (U64)(uintptr_t)m->ops->lookup(m, PTR(r2), c->cpu);
}

static U64 h_map_update_elem(ARGS)
{
    UNUSED5;
    CHECK(2);
    bpfvm_map *m = PTR(r1);
    if (!m->ops->update)
        return ERR(EOPNOTSUPP);
    return (U64)m->ops->update(m, PTR(r2), PTR(r3), r4, c->cpu);
}

static U64 h_map_delete_elem(ARGS)
{
    UNUSED5;
    CHECK(3);
    bpfvm_map *m = PTR(r1);
    if (!m->ops->delete)
        return ERR(EOPNOTSUPP);
    return (U64)m->ops->delete(m, PTR(r2));
}

static U64 h_map_push_elem(ARGS)
{
    UNUSED5;
    CHECK(87);
    bpfvm_map *m = PTR(r1);
    return m->ops->push ? (U64)m->ops->push(m, PTR(r2), r3) : ERR(EOPNOTSUPP);
}

static U64 h_map_pop_elem(ARGS)
{
    UNUSED5;
    CHECK(88);
    bpfvm_map *m = PTR(r1);
    return m->ops->pop ? (U64)m->ops->pop(m, PTR(r2)) : ERR(EOPNOTSUPP);
}

static U64 h_map_peek_elem(ARGS)
{
    UNUSED5;
    CHECK(89);
    bpfvm_map *m = PTR(r1);
    return m->ops->peek ? (U64)m->ops->peek(m, PTR(r2)) : ERR(EOPNOTSUPP);
}

static U64 h_map_lookup_percpu_elem(ARGS)
{
    UNUSED5;
    CHECK(195);
    bpfvm_map *m = PTR(r1);
    if (m->def.type != BPFVM_MAP_PERCPU_ARRAY && m->def.type != BPFVM_MAP_PERCPU_HASH &&
        m->def.type != BPFVM_MAP_LRU_PERCPU_HASH)
        return 0;
    if (r3 >= m->ncpus)
        return 0;
    return (U64)(uintptr_t)m->ops->lookup(m, PTR(r2), (uint32_t)r3);
}

/* ---- tail calls ----------------------------------------------------------------- */

#define MAX_TAIL_CALL_CNT 33

static U64 h_tail_call(ARGS)
{
    UNUSED5;
    CHECK(12);
    bpfvm_map *m = PTR(r2);
    if (m->def.type != BPFVM_MAP_PROG_ARRAY)
        return ERR(EINVAL);
    bpfvm_prog *target = r3 <= UINT32_MAX ? map_prog_at(m, (uint32_t)r3) : NULL;
    /* A failed tail call falls through to the next instruction. */
    if (!target || c->tail_count >= MAX_TAIL_CALL_CNT || target->type != c->prog->type)
        return ERR(ENOENT);
    if (target->unrunnable) { /* an object's program that loaded with what bpfvm lacks */
        bpfvm_call_fail(c, "tail call to program '%s', which cannot run here: %s", target->name,
                        target->unrunnable->msg);
        return 0;
    }
    c->tail_count++;
    c->tail_prog = target;
    c->pending |= PENDING_TAIL;
    return 0;
}

/* ---- time, randomness, identity ------------------------------------------------- */

static U64 clock_ns(clockid_t id)
{
    struct timespec ts;
    clock_gettime(id, &ts);
    return (U64)ts.tv_sec * 1000000000ull + (U64)ts.tv_nsec;
}

static U64 h_ktime_get_ns(ARGS) { UNUSED5; (void)c; return clock_ns(CLOCK_MONOTONIC); }
static U64 h_ktime_get_boot_ns(ARGS) { UNUSED5; (void)c; return clock_ns(CLOCK_BOOTTIME); }
static U64 h_ktime_get_coarse_ns(ARGS) { UNUSED5; (void)c; return clock_ns(CLOCK_MONOTONIC_COARSE); }
static U64 h_jiffies64(ARGS) { UNUSED5; (void)c; return clock_ns(CLOCK_MONOTONIC) / 4000000; /* HZ=250 */ }

static U64 h_get_prandom_u32(ARGS)
{
    UNUSED5;
    /* splitmix64 over an atomic counter: thread-safe and reproducible from the seed */
    U64 z = __atomic_fetch_add(&c->vm->prng, 0x9e3779b97f4a7c15ull, __ATOMIC_RELAXED) + c->vm->seed;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return (uint32_t)(z ^ (z >> 31));
}

static U64 h_get_smp_processor_id(ARGS) { UNUSED5; return c->cpu; }
static U64 h_get_numa_node_id(ARGS) { UNUSED5; (void)c; return 0; }

static U64 h_get_current_pid_tgid(ARGS)
{
    UNUSED5;
    (void)c;
    return (U64)(uint32_t)getpid() << 32 | (uint32_t)gettid();
}

static U64 h_get_current_uid_gid(ARGS)
{
    UNUSED5;
    (void)c;
    return (U64)(uint32_t)getgid() << 32 | (uint32_t)getuid();
}

static U64 h_get_current_comm(ARGS)
{
    UNUSED5;
    CHECK(16);
    char name[17] = "";
    prctl(PR_GET_NAME, name);
    size_t n = r2 < sizeof name ? r2 : sizeof name;
    memset(PTR(r1), 0, r2);
    memcpy(PTR(r1), name, n ? n - 1 : 0);
    return 0;
}

/* ---- memory and strings ----------------------------------------------------------- */

static bool probe_ok(const bpfvm_vm *vm, U64 p, U64 n)
{
    for (size_t i = 0; i < vm->nprobe; i++) {
        const bpfvm_region *g = &vm->probe[i];
        if (p - g->start < g->len && n <= g->len - (p - g->start))
            return true;
    }
    return false;
}

/* probe_read{,_kernel,_user}(dst, size, unsafe_src) */
static U64 h_probe_read(ARGS)
{
    UNUSED5;
    CHECK(113);
    if (r2 && probe_ok(c->vm, r3, r2)) {
        memcpy(PTR(r1), PTR(r3), r2);
        return 0;
    }
    memset(PTR(r1), 0, r2);
    return ERR(EFAULT);
}

/* probe_read_{kernel,user}_str(dst, size, unsafe_src): copies up to size-1 bytes
 * and a NUL; returns the length including the NUL. */
static U64 h_probe_read_str(ARGS)
{
    UNUSED5;
    CHECK(115);
    char *dst = PTR(r1);
    if (r2 == 0)
        return 0;
    for (U64 i = 0; i < r2; i++) {
        if (!probe_ok(c->vm, r3 + i, 1)) {
            memset(dst, 0, r2);
            return ERR(EFAULT);
        }
        char ch = i + 1 == r2 ? 0 : *(const char *)PTR(r3 + i);
        dst[i] = ch;
        if (!ch)
            return i + 1;
    }
    return r2;
}

static U64 h_strncmp(ARGS)
{
    UNUSED5;
    CHECK(182);
    const unsigned char *a = PTR(r1), *b = PTR(r3);
    for (U64 i = 0; i < r2; i++) {
        if (a[i] != b[i])
            return a[i] < b[i] ? (U64)-1 : 1;
        if (!a[i])
            break;
    }
    return 0;
}

/* Linux's csum_partial on x86-64: 32-bit words added with end-around carry. */
static uint32_t csum_partial32(const uint32_t *w, size_t n, uint32_t seed)
{
    U64 sum = seed;
    for (size_t i = 0; i < n; i++)
        sum += w[i];
    sum = (sum & 0xffffffff) + (sum >> 32);
    sum = (sum & 0xffffffff) + (sum >> 32);
    return (uint32_t)sum;
}

/* Linux's csum_from32to16: the 16-bit ones' complement fold (not inverted). */
static uint32_t csum_from32to16(uint32_t sum)
{
    sum += (sum >> 16) | (sum << 16);
    return sum >> 16;
}

static uint32_t csum_sub32(uint32_t a, uint32_t b)
{
    uint32_t nb = ~b, r = a + nb;
    return r + (r < nb);
}

static uint32_t csum_words(const void *p, U64 size, uint32_t seed)
{
    uint32_t w[128];
    memcpy(w, p, size);
    return csum_partial32(w, size / 4, seed);
}

/* csum_diff(from, from_size, to, to_size, seed): as Linux since 6.12 (commit
 * "bpf: fix bpf_csum_diff() on arches with different csum_partial()"), the result
 * is folded to 16 bits so that it is the same on every architecture. */
static U64 h_csum_diff(ARGS)
{
    UNUSED5;
    CHECK(28);
    if (((r2 | r4) & 3) || r2 > 512 || r4 > 512 || r2 + r4 > 512)
        return ERR(EINVAL);
    uint32_t seed = (uint32_t)r5;
    if (r2 && r4)
        return csum_from32to16(csum_sub32(csum_words(PTR(r3), r4, seed), csum_words(PTR(r1), r2, 0)));
    if (r4)
        return csum_from32to16(csum_words(PTR(r3), r4, seed));
    if (r2)
        return csum_from32to16(~csum_words(PTR(r1), r2, ~seed));
    return seed;
}

/* ---- formatted output: bpf_trace_printk and bpf_snprintf ---------------------- */

/* A %s argument: Linux reads any kernel address without faulting. Here it must be
 * a string the program may read or one in a probe region, verified or not: the
 * verifier does not look at %s arguments, which are plain numbers to it. */
static bool str_readable(bpfvm_call *c, U64 p)
{
    for (U64 i = 0; i < 4096; i++) {
        if (!run_mem_ok(c, p + i, 1, false) && !probe_ok(c->vm, p + i, 1))
            return false;
        if (*(const char *)PTR(p + i) == 0)
            return true;
    }
    return false;
}

/* Formats like Linux's bpf_bprintf_prepare: %d %i %u %x %X %c %s %p %px %%, with
 * the l / ll modifiers. Arguments are u64 values; %s reads a string the program
 * may access (checked mode; anything else prints as "", as in Linux) or any string
 * (verified). Returns the full length or
 * -EINVAL on an unsupported conversion. */
static long format(bpfvm_call *c, char *out, size_t size, const char *fmt, const U64 *args, size_t nargs)
{
    size_t len = 0, ai = 0;
#define PUT(ch)                       \
    do {                              \
        if (len + 1 < size)           \
            out[len] = (ch);          \
        len++;                        \
    } while (0)
    for (const char *f = fmt; *f; f++) {
        if (*f != '%') {
            PUT(*f);
            continue;
        }
        f++;
        if (*f == '%') {
            PUT('%');
            continue;
        }
        int lmod = 0;
        while (*f == 'l' && lmod < 2)
            lmod++, f++;
        if (ai >= nargs)
            return -EINVAL;
        U64 v = args[ai++];
        char buf[64];
        int n = 0;
        switch (*f) {
        case 'd': case 'i':
            n = snprintf(buf, sizeof buf, "%" PRId64, lmod ? (int64_t)v : (int64_t)(int32_t)v);
            break;
        case 'u':
            n = snprintf(buf, sizeof buf, "%" PRIu64, lmod ? v : (uint32_t)v);
            break;
        case 'x':
            n = snprintf(buf, sizeof buf, "%" PRIx64, lmod ? v : (uint32_t)v);
            break;
        case 'X':
            n = snprintf(buf, sizeof buf, "%" PRIX64, lmod ? v : (uint32_t)v);
            break;
        case 'c':
            n = snprintf(buf, sizeof buf, "%c", (char)v);
            break;
        case 'p':
            if (f[1] == 'x' || f[1] == 'K')
                f++;
            n = snprintf(buf, sizeof buf, "0x%" PRIx64, v);
            break;
        case 's': {
            if (!str_readable(c, v))
                continue; /* Linux: an unreadable string prints as "" */
            for (const char *q = PTR(v); *q; q++)
                PUT(*q);
            continue;
        }
        default:
            return -EINVAL;
        }
        for (int k = 0; k < n; k++)
            PUT(buf[k]);
    }
    if (size)
        out[len < size ? len : size - 1] = 0;
    return (long)len;
#undef PUT
}

#define MAX_BPRINTF_VARARGS 12
#define MAX_BPRINTF_BUF 1024

/* trace_printk(fmt, fmt_size, arg1, arg2, arg3) */
static U64 h_trace_printk(ARGS)
{
    UNUSED5;
    CHECK(6);
    const char *fmt = PTR(r1);
    if (r2 == 0 || fmt[r2 - 1] != 0)
        return ERR(EINVAL);
    const U64 args[3] = { r3, r4, r5 };
    char text[MAX_BPRINTF_BUF];
    long n = format(c, text, sizeof text, fmt, args, 3);
    if (n < 0)
        return ERR(EINVAL);
    if (c->vm->print)
        c->vm->print(c->vm->print_user, text);
    return (U64)n;
}

/* trace_vprintk(fmt, fmt_size, data, data_len): bpf_printk with more than three
 * arguments; data holds data_len / 8 u64 arguments. */
static U64 h_trace_vprintk(ARGS)
{
    UNUSED5;
    CHECK(177);
    const char *fmt = PTR(r1);
    if ((r4 & 7) || r4 > MAX_BPRINTF_VARARGS * 8 || (r4 && !r3) || !memchr(fmt, 0, r2))
        return ERR(EINVAL);
    U64 args[MAX_BPRINTF_VARARGS];
    if (r4)
        memcpy(args, PTR(r3), r4);
    char text[MAX_BPRINTF_BUF];
    long n = format(c, text, sizeof text, fmt, args, r4 / 8);
    if (n < 0)
        return ERR(EINVAL);
    if (c->vm->print)
        c->vm->print(c->vm->print_user, text);
    return (U64)n;
}

/* snprintf(str, str_size, fmt, data, data_len): returns the length + 1 (NUL). */
static U64 h_snprintf(ARGS)
{
    UNUSED5;
    CHECK(165);
    if ((r5 & 7) || r5 > MAX_BPRINTF_VARARGS * 8 || (r5 && !r4))
        return ERR(EINVAL);
    U64 args[MAX_BPRINTF_VARARGS];
    if (r5)
        memcpy(args, PTR(r4), r5);
    /* Linux checks the whole format before it writes: a bad one leaves str as it was */
    if (format(c, NULL, 0, PTR(r3), args, r5 / 8) < 0)
        return ERR(EINVAL);
    long n = format(c, PTR(r1), r2, PTR(r3), args, r5 / 8);
    return (U64)n + 1;
}

/* ---- bpf_loop ----------------------------------------------------------------- */

#define BPF_MAX_LOOPS (8u * 1024 * 1024)

/* loop(nr_loops, callback_fn, callback_ctx, flags) */
static U64 h_loop(ARGS)
{
    UNUSED5;
    CHECK(181);
    if (r4)
        return ERR(EINVAL);
    if (r1 > BPF_MAX_LOOPS)
        return ERR(E2BIG);
    uint32_t slot = (uint32_t)r2;
    const isa_prog_info *info = &c->prog->info;
    uint32_t f = isa_func_of(info, slot);
    if (info->func_start[f] != slot) {
        bpfvm_call_fail(c, "bpf_loop: callback %#" PRIx64 " is not a function of this program", r2);
        return 0;
    }
    U64 i;
    for (i = 0; i < r1; i++) {
        const U64 args[5] = { i, r3, 0, 0, 0 };
        U64 ret = 0;
        int rc = c->call_fn(c, slot, args, &ret);
        if (rc) { /* the engine filled c->err; make the helper fail with it */
            bpfvm_call_fail(c, "%s", c->err ? c->err->msg : "callback failed");
            return 0;
        }
        if (ret) /* 1: stop; the verifier allows only 0 and 1 */
            return i + 1;
    }
    return i;
}

/* ---- ring buffer ---------------------------------------------------------------- */

static U64 h_ringbuf_output(ARGS)
{
    UNUSED5;
    CHECK(130);
    bpfvm_map *m = PTR(r1);
    if (m->def.type != BPFVM_MAP_RINGBUF)
        return ERR(EINVAL);
    return (U64)map_ringbuf_output(m, PTR(r2), r3, r4);
}

static U64 h_ringbuf_reserve(ARGS)
{
    UNUSED5;
    CHECK(131);
    bpfvm_map *m = PTR(r1);
    if (m->def.type != BPFVM_MAP_RINGBUF || c->nringbuf_open >= 8)
        return 0;
    void *p = map_ringbuf_reserve(m, r2, r3);
    if (p) {
        c->ringbuf_open[c->nringbuf_open] = p;
        c->ringbuf_map[c->nringbuf_open++] = m;
    }
    return (U64)(uintptr_t)p;
}

static U64 ringbuf_release(U64 r1, bpfvm_call *c, bool discard)
{
    for (unsigned i = 0; i < c->nringbuf_open; i++) {
        if (c->ringbuf_open[i] == PTR(r1)) {
            map_ringbuf_commit(c->ringbuf_map[i], PTR(r1), discard);
            c->ringbuf_open[i] = c->ringbuf_open[--c->nringbuf_open];
            c->ringbuf_map[i] = c->ringbuf_map[c->nringbuf_open];
            return 0;
        }
    }
    bpfvm_call_fail(c, "bpf_ringbuf_%s: %#" PRIx64 " is not a record reserved by this run",
                    discard ? "discard" : "submit", r1);
    return 0;
}

static U64 h_ringbuf_submit(ARGS) { UNUSED5; return ringbuf_release(r1, c, false); }
static U64 h_ringbuf_discard(ARGS) { UNUSED5; return ringbuf_release(r1, c, true); }

static U64 h_ringbuf_query(ARGS)
{
    UNUSED5;
    CHECK(134);
    bpfvm_map *m = PTR(r1);
    return m->def.type == BPFVM_MAP_RINGBUF ? map_ringbuf_query(m, r2) : 0;
}

/* ---- packets: XDP ---------------------------------------------------------------- */

static bool is_xdp(const bpfvm_call *c) { return c->pkt && c->pkt->type == BPFVM_PROG_XDP; }
static bool is_skb(const bpfvm_call *c) { return c->pkt && c->pkt->type != BPFVM_PROG_XDP; }

static U64 no_packet(bpfvm_call *c, const char *name)
{
    bpfvm_call_fail(c, "%s: this program type has no packet", name);
    return 0;
}

/* xdp_adjust_head(xdp_md, delta) */
static U64 h_xdp_adjust_head(ARGS)
{
    UNUSED5;
    CHECK(44);
    if (!is_xdp(c))
        return no_packet(c, "bpf_xdp_adjust_head");
    struct bpfvm_packet *p = c->pkt;
    int64_t delta = (int32_t)r2;
    uint8_t *data = p->data + delta;
    size_t metalen = (size_t)(p->data - p->meta);
    if (data < p->frame + PKT_XDP_FRAME_HDR + metalen || data > p->data_end - PKT_ETH_HLEN)
        return ERR(EINVAL);
    if (metalen)
        memmove(p->meta + delta, p->meta, metalen);
    p->meta += delta;
    p->data = data;
    packet_sync(p);
    return 0;
}

/* xdp_adjust_meta(xdp_md, delta) */
static U64 h_xdp_adjust_meta(ARGS)
{
    UNUSED5;
    CHECK(54);
    if (!is_xdp(c))
        return no_packet(c, "bpf_xdp_adjust_meta");
    struct bpfvm_packet *p = c->pkt;
    uint8_t *meta = p->meta + (int32_t)r2;
    if (meta < p->frame + PKT_XDP_FRAME_HDR || meta > p->data)
        return ERR(EINVAL);
    size_t metalen = (size_t)(p->data - meta);
    if ((metalen & 3) || metalen > PKT_META_MAX)
        return ERR(EACCES);
    p->meta = meta;
    packet_sync(p);
    return 0;
}

/* xdp_adjust_tail(xdp_md, delta) */
static U64 h_xdp_adjust_tail(ARGS)
{
    UNUSED5;
    CHECK(65);
    if (!is_xdp(c))
        return no_packet(c, "bpf_xdp_adjust_tail");
    struct bpfvm_packet *p = c->pkt;
    int64_t delta = (int32_t)r2;
    uint8_t *end = p->data_end + delta;
    if (end > p->frame + p->data_hard_end || end < p->data + PKT_ETH_HLEN)
        return ERR(EINVAL);
    if (delta > 0)
        memset(p->data_end, 0, (size_t)delta);
    p->data_end = end;
    packet_sync(p);
    return 0;
}

#define TC_ACT_SHOT 2
#define TC_ACT_REDIRECT 7
#define BPF_F_INGRESS 1

static void set_redirect(bpfvm_call *c, const bpfvm_map *m, uint32_t key, uint32_t ifindex, U64 flags)
{
    c->pkt->redirected = true;
    c->pkt->redirect = (bpfvm_redirect){ .map = m, .key = key, .ifindex = ifindex, .flags = flags };
}

/* redirect(ifindex, flags) */
static U64 h_redirect(ARGS)
{
    UNUSED5;
    if (is_xdp(c)) {
        if (r2)
            return BPFVM_XDP_ABORTED;
        set_redirect(c, NULL, (uint32_t)r1, (uint32_t)r1, 0);
        return BPFVM_XDP_REDIRECT;
    }
    if (is_skb(c)) {
        if (r2 & ~(U64)BPF_F_INGRESS)
            return TC_ACT_SHOT;
        set_redirect(c, NULL, (uint32_t)r1, (uint32_t)r1, r2);
        return TC_ACT_REDIRECT;
    }
    return no_packet(c, "bpf_redirect");
}

/* redirect_map(map, key, flags), Linux's __bpf_xdp_redirect_map: a key that names
 * a target (a devmap entry, a cpumap CPU, an xskmap socket) redirects; otherwise
 * the low two bits of flags are the action, unless a devmap is asked to broadcast.
 * The key is a u32, as the lookups Linux makes take it. */
static U64 h_redirect_map(ARGS)
{
    UNUSED5;
    CHECK(51);
    if (!is_xdp(c)) {
        bpfvm_call_fail(c, "bpf_redirect_map is for XDP programs");
        return 0;
    }
    bpfvm_map *m = PTR(r1);
    if (!m->ops->redirect) {
        bpfvm_call_fail(c, "bpf_redirect_map: map '%s' is a %s; redirects go through a devmap, devmap_hash, "
                        "cpumap or xskmap", m->name, bpfvm_map_type_name(m->def.type));
        return 0;
    }
    const U64 actions = 3; /* XDP_ABORTED | XDP_DROP | XDP_PASS | XDP_TX */
    if (r3 & ~(actions | m->ops->redirect_flags))
        return BPFVM_XDP_ABORTED;
    uint32_t key = (uint32_t)r2, ifindex = 0;
    if (!m->ops->redirect(m, key, &ifindex) && !(r3 & REDIR_F_BROADCAST)) {
        c->pkt->redirected = false; /* the last call decides, as in Linux */
        return r3 & actions;
    }
    set_redirect(c, m, key, ifindex, r3 & ~actions);
    return BPFVM_XDP_REDIRECT;
}

/* ---- packets: sk_buff --------------------------------------------------------- */

/* skb_load_bytes(skb, offset, to, len) */
static U64 h_skb_load_bytes(ARGS)
{
    UNUSED5;
    CHECK(26);
    if (!is_skb(c))
        return no_packet(c, "bpf_skb_load_bytes");
    struct bpfvm_packet *p = c->pkt;
    U64 len = (U64)(p->data_end - p->data);
    if (r2 > 0xffff || r4 > len || r2 > len - r4) {
        memset(PTR(r3), 0, r4);
        return ERR(EFAULT);
    }
    memcpy(PTR(r3), p->data + r2, r4);
    return 0;
}

/* skb_store_bytes(skb, offset, from, len, flags) */
static U64 h_skb_store_bytes(ARGS)
{
    UNUSED5;
    CHECK(9);
    if (!is_skb(c))
        return no_packet(c, "bpf_skb_store_bytes");
    struct bpfvm_packet *p = c->pkt;
    U64 len = (U64)(p->data_end - p->data);
    if (r5 & ~(U64)3)
        return ERR(EINVAL);
    if (r2 > 0xffff || r4 > len || r2 > len - r4)
        return ERR(EFAULT);
    memmove(p->data + r2, PTR(r3), r4);
    return 0;
}

static uint32_t csum_add(uint32_t a, uint32_t b)
{
    a += b;
    return a + (a < b);
}

static uint16_t csum_fold(uint32_t s)
{
    s = (s & 0xffff) + (s >> 16);
    s = (s & 0xffff) + (s >> 16);
    return (uint16_t)~s;
}

#define BPF_F_HDR_FIELD_MASK 0xf
#define BPF_F_PSEUDO_HDR 0x10
#define BPF_F_MARK_MANGLED_0 0x20
#define BPF_F_MARK_ENFORCE 0x40

/* Replaces from by to inside the 16-bit checksum at ptr; size 0 means `to` is a
 * precomputed difference (csum_diff). As Linux's csum_replace{2,4,_by_diff}. */
static int csum_replace(uint8_t *ptr, U64 from, U64 to, unsigned size)
{
    uint16_t sum;
    memcpy(&sum, ptr, 2);
    uint32_t s = (uint16_t)~sum;
    switch (size) {
    case 0:
        if (from)
            return -EINVAL;
        s = csum_add(s, (uint32_t)to);
        break;
    case 2:
        s = csum_add(s, (uint16_t)~(uint16_t)from);
        s = csum_add(s, (uint16_t)to);
        break;
    case 4:
        s = csum_add(s, ~(uint32_t)from);
        s = csum_add(s, (uint32_t)to);
        break;
    default:
        return -EINVAL;
    }
    sum = csum_fold(s);
    memcpy(ptr, &sum, 2);
    return 0;
}

static uint8_t *skb_field(bpfvm_call *c, U64 off, size_t size)
{
    struct bpfvm_packet *p = c->pkt;
    U64 len = (U64)(p->data_end - p->data);
    if (off > 0xffff || size > len || off > len - size)
        return NULL;
    return p->data + off;
}

/* l3_csum_replace(skb, offset, from, to, flags) */
static U64 h_l3_csum_replace(ARGS)
{
    UNUSED5;
    CHECK(10);
    if (!is_skb(c))
        return no_packet(c, "bpf_l3_csum_replace");
    if (r5 & ~(U64)BPF_F_HDR_FIELD_MASK)
        return ERR(EINVAL);
    uint8_t *ptr = skb_field(c, r2, 2);
    if (!ptr)
        return ERR(EFAULT);
    return (U64)(int64_t)csum_replace(ptr, r3, r4, (unsigned)(r5 & BPF_F_HDR_FIELD_MASK));
}

/* l4_csum_replace(skb, offset, from, to, flags) */
static U64 h_l4_csum_replace(ARGS)
{
    UNUSED5;
    CHECK(11);
    if (!is_skb(c))
        return no_packet(c, "bpf_l4_csum_replace");
    if (r5 & ~(U64)(BPF_F_HDR_FIELD_MASK | BPF_F_PSEUDO_HDR | BPF_F_MARK_MANGLED_0 | BPF_F_MARK_ENFORCE))
        return ERR(EINVAL);
    uint8_t *ptr = skb_field(c, r2, 2);
    if (!ptr)
        return ERR(EFAULT);
    bool mangled = r5 & BPF_F_MARK_MANGLED_0;
    uint16_t sum;
    memcpy(&sum, ptr, 2);
    if (mangled && sum == 0 && !(r5 & BPF_F_MARK_ENFORCE))
        return 0; /* UDP without a checksum stays without */
    int rc = csum_replace(ptr, r3, r4, (unsigned)(r5 & BPF_F_HDR_FIELD_MASK));
    if (rc)
        return (U64)(int64_t)rc;
    memcpy(&sum, ptr, 2);
    if (mangled && sum == 0) {
        sum = 0xffff; /* CSUM_MANGLED_0 */
        memcpy(ptr, &sum, 2);
    }
    return 0;
}

#define BPF_F_INDEX_MASK 0xffffffffull
#define BPF_F_CTXLEN_MASK (0xfffffull << 32)

/* perf_event_output(ctx, map, flags, data, size): the record goes to the host's
 * callback (bpfvm_vm_set_perf_output) when the entry flags & BPF_F_INDEX_MASK (the
 * run's CPU for BPF_F_CURRENT_CPU) is open on this CPU. Packet programs may append
 * the first (flags >> 32) bytes of the packet (bpf_xdp/skb_event_output). */
static U64 h_perf_event_output(ARGS)
{
    UNUSED5;
    CHECK(25);
    bpfvm_map *m = PTR(r2);
    if (m->def.type != BPFVM_MAP_PERF_EVENT_ARRAY) {
        bpfvm_call_fail(c, "bpf_perf_event_output: map '%s' is a %s, not a perf_event_array", m->name,
                        bpfvm_map_type_name(m->def.type));
        return 0;
    }
    U64 ctxlen = (r3 & BPF_F_CTXLEN_MASK) >> 32;
    if (r3 & ~(BPF_F_INDEX_MASK | (c->pkt ? BPF_F_CTXLEN_MASK : 0)))
        return ERR(EINVAL);
    if (c->pkt && ctxlen > (U64)(c->pkt->data_end - c->pkt->data))
        return ERR(EFAULT);
    U64 index = r3 & BPF_F_INDEX_MASK;
    if (index == BPF_F_INDEX_MASK) /* BPF_F_CURRENT_CPU */
        index = c->cpu;
    int64_t on = map_perf_entry(m, (uint32_t)(index > UINT32_MAX ? UINT32_MAX : index));
    if (on < 0)
        return (U64)on;
    if ((uint64_t)on != c->cpu)
        return ERR(EOPNOTSUPP); /* the perf event of that entry belongs to another CPU */
    if (!c->vm->perf)
        return 0;
    if (!ctxlen) {
        c->vm->perf(c->vm->perf_user, m, (uint32_t)index, PTR(r4), r5);
        return 0;
    }
    uint8_t *rec = malloc(r5 + ctxlen);
    if (!rec)
        return ERR(ENOMEM);
    if (r5)
        memcpy(rec, PTR(r4), r5);
    memcpy(rec + r5, c->pkt->data, ctxlen);
    c->vm->perf(c->vm->perf_user, m, (uint32_t)index, rec, r5 + ctxlen);
    free(rec);
    return 0;
}

/* ---- the table -------------------------------------------------------------------- */

#define A_ BPFVM_ARG_ANYTHING
#define P(ret, a1, a2, a3, a4, a5) { BPFVM_RET_##ret, { BPFVM_ARG_##a1, BPFVM_ARG_##a2, BPFVM_ARG_##a3, BPFVM_ARG_##a4, BPFVM_ARG_##a5 }, false, false, false }

const std_helper std_helpers[] = {
    { 1, "bpf_map_lookup_elem", h_map_lookup_elem, P(MAP_VALUE_OR_NULL, MAP, MAP_KEY, NONE, NONE, NONE) },
    { 2, "bpf_map_update_elem", h_map_update_elem, P(INTEGER, MAP, MAP_KEY, MAP_VALUE, ANYTHING, NONE) },
    { 3, "bpf_map_delete_elem", h_map_delete_elem, P(INTEGER, MAP, MAP_KEY, NONE, NONE, NONE) },
    { 4, "bpf_probe_read", h_probe_read, P(INTEGER, MEM_UNINIT, SIZE_OR_ZERO, ANYTHING, NONE, NONE) },
    { 5, "bpf_ktime_get_ns", h_ktime_get_ns, P(INTEGER, NONE, NONE, NONE, NONE, NONE) },
    { 6, "bpf_trace_printk", h_trace_printk, P(INTEGER, MEM, SIZE, NONE, NONE, NONE) }, /* varargs: unchecked, as Linux */
    { 7, "bpf_get_prandom_u32", h_get_prandom_u32, P(INTEGER, NONE, NONE, NONE, NONE, NONE) },
    { 8, "bpf_get_smp_processor_id", h_get_smp_processor_id, P(INTEGER, NONE, NONE, NONE, NONE, NONE) },
    { 9, "bpf_skb_store_bytes", h_skb_store_bytes, P(INTEGER, CTX, ANYTHING, MEM, SIZE, ANYTHING) },
    { 10, "bpf_l3_csum_replace", h_l3_csum_replace, P(INTEGER, CTX, ANYTHING, ANYTHING, ANYTHING, ANYTHING) },
    { 11, "bpf_l4_csum_replace", h_l4_csum_replace, P(INTEGER, CTX, ANYTHING, ANYTHING, ANYTHING, ANYTHING) },
    { 12, "bpf_tail_call", h_tail_call, P(NEVER, CTX, MAP, ANYTHING, NONE, NONE) },
    { 14, "bpf_get_current_pid_tgid", h_get_current_pid_tgid, P(INTEGER, NONE, NONE, NONE, NONE, NONE) },
    { 15, "bpf_get_current_uid_gid", h_get_current_uid_gid, P(INTEGER, NONE, NONE, NONE, NONE, NONE) },
    { 16, "bpf_get_current_comm", h_get_current_comm, P(INTEGER, MEM_UNINIT, SIZE, NONE, NONE, NONE) },
    { 23, "bpf_redirect", h_redirect, P(INTEGER, ANYTHING, ANYTHING, NONE, NONE, NONE) },
    { 25, "bpf_perf_event_output", h_perf_event_output, P(INTEGER, CTX, MAP, ANYTHING, MEM, SIZE_OR_ZERO) },
    { 26, "bpf_skb_load_bytes", h_skb_load_bytes, P(INTEGER, CTX, ANYTHING, MEM_UNINIT, SIZE, NONE) },
    { 28, "bpf_csum_diff", h_csum_diff, P(INTEGER, MEM_OR_NULL, SIZE_OR_ZERO, MEM_OR_NULL, SIZE_OR_ZERO, ANYTHING) },
    { 42, "bpf_get_numa_node_id", h_get_numa_node_id, P(INTEGER, NONE, NONE, NONE, NONE, NONE) },
    { 44, "bpf_xdp_adjust_head", h_xdp_adjust_head, P(INTEGER, CTX, ANYTHING, NONE, NONE, NONE) },
    { 45, "bpf_probe_read_str", h_probe_read_str, P(INTEGER, MEM_UNINIT, SIZE_OR_ZERO, ANYTHING, NONE, NONE) },
    { 51, "bpf_redirect_map", h_redirect_map, P(INTEGER, MAP, ANYTHING, ANYTHING, NONE, NONE) },
    { 54, "bpf_xdp_adjust_meta", h_xdp_adjust_meta, P(INTEGER, CTX, ANYTHING, NONE, NONE, NONE) },
    { 65, "bpf_xdp_adjust_tail", h_xdp_adjust_tail, P(INTEGER, CTX, ANYTHING, NONE, NONE, NONE) },
    { 87, "bpf_map_push_elem", h_map_push_elem, P(INTEGER, MAP, MAP_VALUE, ANYTHING, NONE, NONE) },
    { 88, "bpf_map_pop_elem", h_map_pop_elem, P(INTEGER, MAP, MAP_VALUE_UNINIT, NONE, NONE, NONE) },
    { 89, "bpf_map_peek_elem", h_map_peek_elem, P(INTEGER, MAP, MAP_VALUE_UNINIT, NONE, NONE, NONE) },
    { 112, "bpf_probe_read_user", h_probe_read, P(INTEGER, MEM_UNINIT, SIZE_OR_ZERO, ANYTHING, NONE, NONE) },
    { 113, "bpf_probe_read_kernel", h_probe_read, P(INTEGER, MEM_UNINIT, SIZE_OR_ZERO, ANYTHING, NONE, NONE) },
    { 114, "bpf_probe_read_user_str", h_probe_read_str, P(INTEGER, MEM_UNINIT, SIZE_OR_ZERO, ANYTHING, NONE, NONE) },
    { 115, "bpf_probe_read_kernel_str", h_probe_read_str, P(INTEGER, MEM_UNINIT, SIZE_OR_ZERO, ANYTHING, NONE, NONE) },
    { 118, "bpf_jiffies64", h_jiffies64, P(INTEGER, NONE, NONE, NONE, NONE, NONE) },
    { 125, "bpf_ktime_get_boot_ns", h_ktime_get_boot_ns, P(INTEGER, NONE, NONE, NONE, NONE, NONE) },
    { 130, "bpf_ringbuf_output", h_ringbuf_output, P(INTEGER, MAP, MEM, SIZE_OR_ZERO, ANYTHING, NONE) },
    { 131, "bpf_ringbuf_reserve", h_ringbuf_reserve, P(ALLOC_MEM_OR_NULL, MAP, ANYTHING, ANYTHING, NONE, NONE) },
    { 132, "bpf_ringbuf_submit", h_ringbuf_submit, P(VOID, ALLOC_MEM, ANYTHING, NONE, NONE, NONE) },
    { 133, "bpf_ringbuf_discard", h_ringbuf_discard, P(VOID, ALLOC_MEM, ANYTHING, NONE, NONE, NONE) },
    { 134, "bpf_ringbuf_query", h_ringbuf_query, P(INTEGER, MAP, ANYTHING, NONE, NONE, NONE) },
    { 160, "bpf_ktime_get_coarse_ns", h_ktime_get_coarse_ns, P(INTEGER, NONE, NONE, NONE, NONE, NONE) },
    { 165, "bpf_snprintf", h_snprintf, P(INTEGER, MEM_UNINIT, SIZE_OR_ZERO, CONST_STR, MEM_OR_NULL, SIZE_OR_ZERO) },
    { 177, "bpf_trace_vprintk", h_trace_vprintk, P(INTEGER, MEM, SIZE, MEM_OR_NULL, SIZE_OR_ZERO, NONE) },
    { 181, "bpf_loop", h_loop, P(INTEGER, ANYTHING, FUNC, ANYTHING, ANYTHING, NONE) },
    { 182, "bpf_strncmp", h_strncmp, P(INTEGER, MEM, SIZE, CONST_STR, NONE, NONE) },
    { 195, "bpf_map_lookup_percpu_elem", h_map_lookup_percpu_elem, P(MAP_VALUE_OR_NULL, MAP, MAP_KEY, ANYTHING, NONE, NONE) },
};
const size_t std_helpers_count = sizeof std_helpers / sizeof *std_helpers;

static const bpfvm_helper_proto *proto_of(uint32_t id)
{
    for (size_t i = 0; i < std_helpers_count; i++)
        if (std_helpers[i].id == id)
            return &std_helpers[i].proto;
    return NULL;
}

int helpers_register_std(bpfvm_vm *vm, bpfvm_error *err)
{
    for (size_t i = 0; i < std_helpers_count; i++) {
        const std_helper *h = &std_helpers[i];
        bpfvm_helper_proto p = h->proto;
        p.releases_ref = h->id == 132 || h->id == 133;
        p.changes_packet = h->id == 44 || h->id == 54 || h->id == 65 || h->id == 9 || h->id == 10 || h->id == 11;
        p.gpl_only = h->id == 6 || h->id == 177 || h->id == 4 || h->id == 112 || h->id == 113 || h->id == 114 || h->id == 115;
        int rc = bpfvm_register_helper_proto(vm, h->id, h->name, h->fn, &p, err);
        if (rc)
            return rc;
        vm->helpers[h->id].std = true;
    }
    return 0;
}
