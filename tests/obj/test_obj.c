/* test_obj.c — the corpus of tests/obj/progs, compiled by the build for every
 * -mcpu level, loaded with bpfvm_obj_open and run with the interpreter and the
 * JIT. Each program has a reference model here (plain C over the same packets),
 * and every result is checked exactly: verdicts, output packets, map contents,
 * global data, trace_printk text, ring buffer records. The JIT part is skipped,
 * with a message, for a program bpfvm_prog_jit refuses.
 *   test_obj [CASE...]       only the named cases
 */
#define _GNU_SOURCE
#include "objtest.h"
#include "progs/shared.h"

#include <errno.h>
#include <sys/prctl.h>
#include <time.h>

static ot_capture cap; /* packets.pcap */

typedef struct tctx {
    const char *name, *cpu;
    bpfvm_engine engine;
    bpfvm_vm *vm;
    bpfvm_obj *obj;
    bpfvm_packet *pkt;
    char prints[4096];
    size_t nprints;
} tctx;

static void on_print(void *user, const char *text)
{
    tctx *t = user;
    size_t n = strlen(text);
    if (t->nprints + n + 2 < sizeof t->prints) {
        memcpy(t->prints + t->nprints, text, n);
        t->nprints += n;
        t->prints[t->nprints++] = '\n';
        t->prints[t->nprints] = 0;
    }
}

static bpfvm_prog *prog(tctx *t, const char *name)
{
    bpfvm_prog *p = bpfvm_obj_find_prog(t->obj, name);
    CHECK(p, "no program '%s'", name);
    return p;
}

/* Runs a packet program on frame (d, n); the packet as left is in t->pkt. */
static uint64_t run_pkt(tctx *t, bpfvm_prog *p, const uint8_t *d, size_t n)
{
    bpfvm_error err;
    uint64_t ret = 0xdead;
    bpfvm_run_opts ro = { .engine = t->engine };
    if (CHECK_OK(bpfvm_packet_set(t->pkt, d, n, &err), &err))
        return ret;
    CHECK_OK(bpfvm_run_packet(p, t->pkt, &ro, &ret, &err), &err);
    return ret;
}

static uint64_t run_mem(tctx *t, bpfvm_prog *p, void *mem, size_t len, uint32_t cpu)
{
    bpfvm_error err;
    uint64_t ret = 0xdead;
    bpfvm_run_opts ro = { .engine = t->engine, .cpu = cpu };
    CHECK_OK(bpfvm_run(p, mem, len, &ro, &ret, &err), &err);
    return ret;
}

static const uint8_t *out_pkt(tctx *t, size_t *len) { return bpfvm_packet_data(t->pkt, len); }

static void check_bytes(const uint8_t *got, size_t glen, const uint8_t *want, size_t wlen, size_t frame)
{
    CHECK(glen == wlen, "frame %zu: output is %zu bytes, expected %zu", frame, glen, wlen);
    if (glen == wlen)
        for (size_t i = 0; i < glen; i++)
            if (got[i] != want[i]) {
                CHECK(0, "frame %zu: output byte %zu is %#x, expected %#x", frame, i, got[i], want[i]);
                break;
            }
}

/* Number of keys of a map (iteration). */
static size_t nkeys(bpfvm_map *m)
{
    uint8_t k[64], nk[64];
    size_t n = 0;
    int rc = bpfvm_map_next_key(m, NULL, nk);
    while (rc == 0 && n < 100000) {
        n++;
        memcpy(k, nk, sizeof k);
        rc = bpfvm_map_next_key(m, k, nk);
    }
    return n;
}

static uint16_t be16(const uint8_t *p) { return (uint16_t)(p[0] << 8 | p[1]); }
static uint32_t be32(const uint8_t *p) { return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3]; }

/* ---- xdp_maps ------------------------------------------------------------------ */

static void t_xdp_maps(tctx *t)
{
    static uint64_t by_proto[65536];
    static bool present[65536];
    memset(by_proto, 0, sizeof by_proto);
    memset(present, 0, sizeof present);
    uint64_t hist[8] = { 0 }, pcount = 0, pbytes[16] = { 0 };
    bool pb_present[16] = { 0 };
    int64_t rcs[16] = { 0 };
    struct { uint8_t mac[6]; uint32_t n; } src[32];
    size_t nsrc = 0;
    uint32_t q[64], s[4];
    size_t qn = 0, sn = 0;
    bpfvm_prog *p = prog(t, "xdp_maps");
    if (!p)
        return;
    for (size_t i = 0; i < cap.n; i++) {
        const uint8_t *d = cap.f[i].data;
        uint32_t L = cap.f[i].len;
        uint64_t v = run_pkt(t, p, d, L);
        if (L < 14) {
            CHECK_EQ(v, BPFVM_XDP_DROP);
            continue;
        }
        CHECK_EQ(v, BPFVM_XDP_PASS);
        uint16_t proto = be16(d + 12);
        if (present[proto]) {
            by_proto[proto]++;
            rcs[0] += -EEXIST;
        } else {
            present[proto] = true;
            by_proto[proto] = 1;
            rcs[2] += -ENOENT;
            rcs[3] += -ENOENT;
        }
        if (proto == 0x0806)
            present[proto] = false;
        hist[L / 256 > 7 ? 7 : L / 256]++;
        rcs[6] += -EINVAL;
        size_t k;
        for (k = 0; k < nsrc && memcmp(src[k].mac, d + 6, 6); k++)
            ;
        if (k == nsrc) {
            memcpy(src[nsrc].mac, d + 6, 6);
            src[nsrc++].n = 0;
        }
        src[k].n++;
        pcount++;
        pbytes[proto & 0xf] += L;
        pb_present[proto & 0xf] = true;
        if (qn == 8)
            memmove(q, q + 1, --qn * sizeof *q);
        q[qn++] = L;
        rcs[9] += q[0];
        if (sn == 4) {
            rcs[10] += -E2BIG;
        } else {
            s[sn++] = L;
        }
        if (L % 3 == 0) {
            for (int pop = 0; pop < 2; pop++) {
                int64_t rc = sn ? 0 : -ENOENT;
                uint32_t val = sn ? s[--sn] : 0;
                rcs[pop ? 13 : 11] += rc;
                if (!pop)
                    rcs[12] += val;
            }
        }
    }
    bpfvm_map *m = ot_map(t->vm, "by_proto");
    size_t nproto = 0;
    for (uint32_t k = 0; m && k < 65536; k++) {
        uint16_t key = (uint16_t)k;
        uint64_t val = 0;
        int rc = bpfvm_map_lookup(m, &key, &val);
        if (present[k]) {
            nproto++;
            CHECK(rc == 0 && val == by_proto[k], "by_proto[%#x] = %" PRIu64 " (rc %d), expected %" PRIu64, k, val,
                  rc, by_proto[k]);
        } else {
            CHECK(rc == -ENOENT, "by_proto[%#x] should not exist (rc %d)", k, rc);
        }
    }
    if (m)
        CHECK_EQ(nkeys(m), nproto);
    m = ot_map(t->vm, "len_hist");
    for (uint32_t k = 0; m && k < 8; k++)
        CHECK_EQ(ot_u64(m, k), hist[k]);
    m = ot_map(t->vm, "by_src");
    if (m) {
        CHECK_EQ(nkeys(m), nsrc);
        for (size_t k = 0; k < nsrc; k++) {
            uint32_t val = 0;
            CHECK(bpfvm_map_lookup(m, src[k].mac, &val) == 0 && val == src[k].n, "by_src[%zu] = %u, expected %u", k,
                  val, src[k].n);
        }
    }
    /* per-CPU: this VM has 2 CPUs, the runs were on CPU 0 */
    m = ot_map(t->vm, "pcpu_count");
    uint64_t pv[2];
    uint32_t zero = 0;
    if (m && CHECK_OK(bpfvm_map_lookup(m, &zero, pv), &(bpfvm_error){ .msg = "lookup" }) == 0) {
        CHECK_EQ(pv[0], pcount);
        CHECK_EQ(pv[1], 0);
    }
    m = ot_map(t->vm, "pcpu_bytes");
    for (uint32_t k = 0; m && k < 16; k++) {
        int rc = bpfvm_map_lookup(m, &k, pv);
        CHECK_EQ(rc, pb_present[k] ? 0 : -ENOENT);
        if (rc == 0) {
            CHECK_EQ(pv[0], pbytes[k]);
            CHECK_EQ(pv[1], 0);
        }
    }
    m = ot_map(t->vm, "lens_q");
    for (size_t k = 0; m && k <= qn; k++) {
        uint32_t val = 0;
        int rc = bpfvm_map_pop(m, &val);
        if (k < qn)
            CHECK(rc == 0 && val == q[k], "queue element %zu = %u (rc %d), expected %u", k, val, rc, q[k]);
        else
            CHECK_EQ(rc, -ENOENT);
    }
    m = ot_map(t->vm, "lens_s");
    for (size_t k = 0; m && k <= sn; k++) {
        uint32_t val = 0;
        int rc = bpfvm_map_pop(m, &val);
        if (k < sn)
            CHECK(rc == 0 && val == s[sn - 1 - k], "stack element %zu = %u (rc %d), expected %u", k, val, rc,
                  s[sn - 1 - k]);
        else
            CHECK_EQ(rc, -ENOENT);
    }
    m = ot_map(t->vm, "rcs");
    for (uint32_t k = 0; m && k < 16; k++) {
        int64_t got = (int64_t)ot_u64(m, k);
        CHECK(got == rcs[k], "rcs[%u] = %" PRId64 ", expected %" PRId64, k, got, rcs[k]);
    }
}

/* ---- xdp_rewrite ------------------------------------------------------------------ */

/* csum_partial over 32-bit little-endian words with end-around carry (x86-64 Linux). */
static uint32_t csum32(const uint8_t *p, size_t n, uint32_t seed)
{
    uint64_t s = seed;
    for (size_t i = 0; i + 4 <= n; i += 4) {
        uint32_t w;
        memcpy(&w, p + i, 4);
        s += w;
    }
    s = (s & 0xffffffff) + (s >> 32);
    s = (s & 0xffffffff) + (s >> 32);
    return (uint32_t)s;
}

/* Linux's csum_from32to16: bpf_csum_diff folds its result to 16 bits (>= 6.12). */
static uint32_t fold32to16(uint32_t sum)
{
    sum += (sum >> 16) | (sum << 16);
    return sum >> 16;
}

static uint32_t csum_sub(uint32_t a, uint32_t b)
{
    uint32_t r = a + ~b;
    return r + (r < ~b);
}

/* A command packet's op and parameter, or -1. */
static int command(const uint8_t *d, size_t n, int32_t *param)
{
    if (n < 14 + 20 + 8 + 4 || be16(d + 12) != 0x0800 || (d[14] & 0xf) != 5 || d[14 + 9] != 17)
        return -1;
    unsigned port = be16(d + 14 + 20 + 2);
    if (port < CMD_PORT || port >= CMD_PORT + OP_COUNT)
        return -1;
    const uint8_t *pay = d + 42;
    *param = (int32_t)((uint32_t)pay[0] | (uint32_t)pay[1] << 8 | (uint32_t)pay[2] << 16 | (uint32_t)pay[3] << 24);
    return (int)(port - CMD_PORT);
}

static void t_xdp_rewrite(tctx *t)
{
    bpfvm_prog *p = prog(t, "xdp_rewrite");
    if (!p)
        return;
    int64_t rets[128] = { 0 };
    uint32_t last_meta = 0;
    static uint8_t want[12000];
    for (size_t i = 0; i < cap.n; i++) {
        const uint8_t *d = cap.f[i].data;
        size_t L = cap.f[i].len, wl = L;
        memcpy(want, d, L);
        int32_t param = 0;
        int op = command(d, L, &param);
        uint64_t verdict = BPFVM_XDP_PASS;
        switch (op) {
        case OP_ADJUST_HEAD:
            if (param < -216 || param > (int64_t)L - 14) {
                rets[i] = -EINVAL;
                verdict = BPFVM_XDP_DROP;
            } else if (param >= 0) {
                memcpy(want, d + param, L - (size_t)param);
                wl = L - (size_t)param;
                verdict = BPFVM_XDP_TX;
            } else {
                memset(want, 0, (size_t)-param);
                memcpy(want + -param, d, L);
                wl = L + (size_t)-param;
                want[0] = 0xee;
                want[11] = (uint8_t)param;
                verdict = BPFVM_XDP_TX;
            }
            break;
        case OP_ADJUST_TAIL:
            if ((int64_t)L + param < 14 || (int64_t)L + param > 3520) {
                rets[i] = -EINVAL;
                verdict = BPFVM_XDP_DROP;
            } else {
                if (param > 0)
                    memset(want + L, 0, (size_t)param);
                wl = (size_t)((int64_t)L + param);
                verdict = BPFVM_XDP_TX;
            }
            break;
        case OP_ADJUST_META:
            if (param < -216 || param > 0) {
                rets[i] = -EINVAL;
                verdict = BPFVM_XDP_DROP;
            } else if ((-param) % 4 || -param > 255) { /* Linux >= 6.x: up to 255 (was 32) */
                rets[i] = -EACCES;
                verdict = BPFVM_XDP_DROP;
            } else {
                rets[i] = -param >= 4 ? 0xfeedf00d : 0;
                last_meta = (uint32_t)-param;
            }
            break;
        case OP_HEAD_TAIL:
            verdict = BPFVM_XDP_TX;
            if (param >= 0) {
                memcpy(want, d + param, L - 2 * (size_t)param);
                wl = L - 2 * (size_t)param;
            } else {
                memset(want, 0, (size_t)-param);
                memcpy(want + -param, d, L);
                memset(want + -param + L, 0, (size_t)-param);
                wl = L + 2 * (size_t)-param;
            }
            break;
        case OP_SWAP_MAC:
            memcpy(want, d + 6, 6);
            memcpy(want + 6, d, 6);
            verdict = BPFVM_XDP_TX;
            break;
        case OP_REDIRECT:
            verdict = BPFVM_XDP_REDIRECT;
            rets[i] = BPFVM_XDP_REDIRECT;
            break;
        case OP_REDIRECT_BAD:
            verdict = BPFVM_XDP_ABORTED;
            rets[i] = BPFVM_XDP_ABORTED;
            break;
        case OP_XOR_PAYLOAD: {
            size_t n = L - 42 < 16 ? L - 42 : 16;
            for (size_t k = 0; k < n; k++)
                want[42 + k] ^= 0xff;
            rets[i] = (int64_t)n;
            verdict = BPFVM_XDP_TX;
            break;
        }
        case OP_CSUM_DIFF: {
            uint32_t f = fold32to16(csum32(d + 14, 20, 0));
            rets[i] = (int64_t)((uint64_t)f << 32 | f);
            CHECK_EQ(f, 0xffff); /* a valid IPv4 header sums to 0xffff */
            break;
        }
        case OP_CTX:
            rets[i] = 1;
            break;
        default:
            break;
        }
        uint64_t v = run_pkt(t, p, d, L);
        CHECK(v == verdict, "frame %zu (op %d, param %d): verdict %" PRIu64 ", expected %" PRIu64, i, op, param, v,
              verdict);
        size_t ol;
        const uint8_t *o = out_pkt(t, &ol);
        check_bytes(o, ol, want, wl, i);
    }
    bpfvm_map *m = ot_map(t->vm, "rets");
    for (uint32_t k = 0; m && k < 128; k++) {
        int64_t got = (int64_t)ot_u64(m, k);
        CHECK(got == rets[k], "rets[%u] = %" PRId64 " (%#" PRIx64 "), expected %" PRId64, k, got, (uint64_t)got,
              rets[k]);
    }
    struct {
        uint32_t seq;
        uint32_t ingress_ifindex, rx_queue_index, data_len, meta_len;
    } bss;
    if (ot_global(t->vm, ".bss", &bss, sizeof bss)) {
        CHECK_EQ(bss.seq, cap.n);
        CHECK_EQ(bss.ingress_ifindex, 1);
        CHECK_EQ(bss.rx_queue_index, 0);
        CHECK_EQ(bss.data_len, 82);
        CHECK_EQ(bss.meta_len, last_meta);
    }
}

/* ---- tc_skb ------------------------------------------------------------------------ */

static uint32_t sum16(const uint8_t *p, size_t n, uint32_t s)
{
    for (size_t i = 0; i + 1 < n; i += 2)
        s += (uint32_t)p[i] << 8 | p[i + 1];
    if (n & 1)
        s += (uint32_t)p[n - 1] << 8;
    return s;
}

static uint16_t fold16(uint32_t s)
{
    while (s >> 16)
        s = (s & 0xffff) + (s >> 16);
    return (uint16_t)s;
}

/* The kernel's test run receives on the loopback device, whose address and
 * broadcast address are zero: broadcast frames are PACKET_MULTICAST there. */
static uint32_t pkt_type(const uint8_t *d)
{
    static const uint8_t zero[6];
    if (!memcmp(d, zero, 6))
        return 0;
    return d[0] & 1 ? 2 : 3;
}

static void t_tc_skb(tctx *t)
{
    bpfvm_prog *p = prog(t, "tc_skb");
    if (!p)
        return;
    struct skb_seen seen[128];
    int64_t rets[128] = { 0 };
    memset(seen, 0, sizeof seen);
    for (size_t i = 0; i < cap.n; i++) {
        const uint8_t *d = cap.f[i].data;
        uint32_t L = cap.f[i].len;
        struct skb_seen *v = &seen[i];
        v->len = L;
        v->protocol = L >= 14 ? (uint32_t)(d[12] | d[13] << 8) : 0;
        v->pkt_type = L >= 14 ? pkt_type(d) : 0;
        v->ifindex = 1;
        v->data_len = L;
        v->load_rc = L >= 16 ? 0 : (uint32_t)-EFAULT;
        if (L >= 16)
            memcpy(&v->first_word, d + 12, 4);
        uint64_t verdict = 0;
        uint16_t proto = L >= 14 ? be16(d + 12) : 0;
        const uint8_t *ip = d + 14;
        bool nat = false;
        if (proto == 0x0806) {
            verdict = 7; /* TC_ACT_REDIRECT */
        } else if (proto != 0x0800) {
            verdict = 0;
        } else if (L < 34 || (ip[0] & 0xf) != 5 || (be16(ip + 6) & 0x3fff)) {
            verdict = 0xffffffff; /* TC_ACT_UNSPEC */
        } else if (ip[8] <= 1) {
            verdict = 2; /* TC_ACT_SHOT */
        } else {
            verdict = 0;
            if (ip[9] == 6 || ip[9] == 17) {
                nat = true;
                int64_t rc = L < 38 ? -EFAULT * 100 : 0;
                size_t coff = 34 + (ip[9] == 6 ? 16 : 6);
                if (coff + 2 > L)
                    rc |= -EFAULT;
                rets[i] = rc | (int64_t)((uint64_t)(int64_t)-EFAULT << 32);
            }
        }
        uint64_t got = run_pkt(t, p, d, L);
        CHECK(got == verdict, "frame %zu: verdict %" PRIu64 ", expected %" PRIu64, i, got, verdict);
        size_t ol;
        const uint8_t *o = out_pkt(t, &ol);
        CHECK_EQ(ol, L);
        if (ol != L)
            continue;
        if (proto != 0x0800 || verdict != 0) {
            check_bytes(o, ol, d, L, i);
            continue;
        }
        /* IPv4, TTL - 1, checksum valid */
        const uint8_t *oip = o + 14;
        CHECK_EQ(oip[8], ip[8] - 1);
        CHECK(fold16(sum16(oip, 20, 0)) == 0xffff, "frame %zu: IPv4 header checksum is wrong", i);
        if (!nat) {
            CHECK(!memcmp(o + 34, d + 34, L - 34), "frame %zu: payload changed", i);
            continue;
        }
        CHECK_EQ(be32(oip + 16), 0x0a630001);
        CHECK(!memcmp(oip + 12, ip + 12, 4), "frame %zu: source address changed", i);
        size_t l4len = be16(ip + 2) - 20;
        if (34 + l4len > L)
            continue; /* truncated: the L4 header is not all there */
        const uint8_t *l4 = o + 34;
        uint16_t ports_in[2] = { be16(d + 34), be16(d + 36) };
        if (ports_in[1] == 7) {
            CHECK_EQ(be16(l4), ports_in[1]);
            CHECK_EQ(be16(l4 + 2), ports_in[0]);
        } else {
            CHECK(!memcmp(l4, d + 34, 4), "frame %zu: ports changed", i);
        }
        if (ip[9] == 17 && be16(d + 40) == 0) {
            CHECK_EQ(be16(l4 + 6), 0); /* no UDP checksum stays none (BPF_F_MARK_MANGLED_0) */
        } else {
            uint32_t ps = sum16(oip + 12, 8, 0) + ip[9] + (uint32_t)l4len;
            CHECK(fold16(sum16(l4, l4len, ps)) == 0xffff, "frame %zu: L4 checksum is wrong after NAT", i);
        }
    }
    bpfvm_map *m = ot_map(t->vm, "seen");
    for (uint32_t k = 0; m && k < cap.n; k++) {
        struct skb_seen got;
        memset(&got, 0xee, sizeof got);
        CHECK(bpfvm_map_lookup(m, &k, &got) == 0, "seen[%u]", k);
        CHECK(!memcmp(&got, &seen[k], sizeof got),
              "seen[%u] = {len %u proto %#x type %u vlan %u if %u iif %u mark %u rc %d word %#x dlen %u}, expected "
              "{len %u proto %#x type %u vlan %u if %u iif %u mark %u rc %d word %#x dlen %u}",
              k, got.len, got.protocol, got.pkt_type, got.vlan_present, got.ifindex, got.ingress_ifindex, got.mark,
              (int)got.load_rc, got.first_word, got.data_len, seen[k].len, seen[k].protocol, seen[k].pkt_type,
              seen[k].vlan_present, seen[k].ifindex, seen[k].ingress_ifindex, seen[k].mark, (int)seen[k].load_rc,
              seen[k].first_word, seen[k].data_len);
    }
    m = ot_map(t->vm, "rets");
    for (uint32_t k = 0; m && k < cap.n; k++) {
        int64_t got = (int64_t)ot_u64(m, k);
        CHECK(got == rets[k], "rets[%u] = %" PRId64 ", expected %" PRId64, k, got, rets[k]);
    }
}

/* ---- socket_filter ------------------------------------------------------------------- */

static void t_socket_filter(tctx *t)
{
    bpfvm_prog *p = prog(t, "socket_filter");
    if (!p)
        return;
    static uint64_t counts[65536];
    memset(counts, 0, sizeof counts);
    uint64_t sums[4] = { 0 };
    for (size_t i = 0; i < cap.n; i++) {
        const uint8_t *d = cap.f[i].data;
        uint32_t L = cap.f[i].len;
        /* the program sees the packet from the network header */
        const uint8_t *n3 = L >= 14 ? d + 14 : d;
        uint32_t l3 = L >= 14 ? L - 14 : L;
        uint32_t proto = L >= 14 ? (uint32_t)(d[12] | d[13] << 8) : 0;
        uint64_t want = 0;
        sums[0] += l3;
        sums[1] += L >= 14 ? pkt_type(d) : 0;
        if (proto == 0xdd86) {
            if (l3 >= 7)
                counts[0x600 + n3[6]]++;
        } else if (proto != 0x0008) {
            counts[proto]++;
        } else if (l3 >= 10) {
            uint32_t ihl = (n3[0] & 0xf) * 4u;
            counts[n3[9]]++;
            if (l3 >= 16) {
                sums[2] += be32(n3 + 12);
                if (n3[9] == 6) {
                    if (ihl + 4 <= l3) {
                        sums[3] += be16(n3 + ihl + 2);
                        want = l3;
                    }
                } else if (n3[9] == 17) {
                    want = 42;
                }
            }
        }
        uint64_t got = run_pkt(t, p, d, L);
        CHECK(got == want, "frame %zu: verdict %" PRIu64 ", expected %" PRIu64, i, got, want);
        size_t ol;
        const uint8_t *o = out_pkt(t, &ol);
        check_bytes(o, ol, d, L, i);
    }
    bpfvm_map *m = ot_map(t->vm, "counts");
    size_t n = 0;
    for (uint32_t k = 0; m && k < 65536; k++) {
        uint64_t v = 0;
        int rc = bpfvm_map_lookup(m, &k, &v);
        if (counts[k]) {
            n++;
            CHECK(rc == 0 && v == counts[k], "counts[%#x] = %" PRIu64 " (rc %d), expected %" PRIu64, k, v, rc,
                  counts[k]);
        } else {
            CHECK(rc == -ENOENT, "counts[%#x] should not exist", k);
        }
    }
    if (m)
        CHECK_EQ(nkeys(m), n);
    m = ot_map(t->vm, "sums");
    for (uint32_t k = 0; m && k < 4; k++)
        CHECK_EQ(ot_u64(m, k), sums[k]);
}

/* ---- tailcalls ------------------------------------------------------------------------- */

static void t_tailcalls(tctx *t)
{
    bpfvm_prog *self = prog(t, "tc_self"), *chain = prog(t, "tc_chain_a");
    if (!self || !chain)
        return;
    for (size_t i = 0; i < cap.n; i++) {
        CHECK_EQ(run_pkt(t, self, cap.f[i].data, cap.f[i].len), BPFVM_XDP_PASS);
        CHECK_EQ(run_pkt(t, chain, cap.f[i].data, cap.f[i].len), cap.f[i].len > 100 ? BPFVM_XDP_DROP : BPFVM_XDP_TX);
    }
    /* 33 tail calls at most: 34 runs of tc_self per packet, then it falls through */
    CHECK_EQ(ot_var(t->vm, ".bss", "self_runs", 0), 34 * cap.n);
    CHECK_EQ(ot_var(t->vm, ".bss", "fallthrough", 0), cap.n);
    CHECK_EQ(ot_var(t->vm, ".bss", "chain_a", 0), cap.n);
    CHECK_EQ(ot_var(t->vm, ".bss", "chain_b", 0), cap.n);
    CHECK_EQ(ot_var(t->vm, ".bss", "chain_c", 0), cap.n);
    CHECK_EQ(ot_var(t->vm, ".bss", "misses", 0), 2 * cap.n);

    /* the prog array holds the programs the object named, and the host can change it */
    bpfvm_map *jmp = ot_map(t->vm, "jmp");
    if (jmp) {
        CHECK_EQ(bpfvm_map_set_prog(jmp, 0, NULL), 0);
        CHECK_EQ(run_pkt(t, self, cap.f[0].data, cap.f[0].len), BPFVM_XDP_PASS);
        CHECK_EQ(ot_var(t->vm, ".bss", "self_runs", 0), 34 * cap.n + 1);
        CHECK_EQ(bpfvm_map_set_prog(jmp, 8, self), -E2BIG);
    }
}

/* ---- map_in_map ------------------------------------------------------------------------ */

static void t_map_in_map(tctx *t)
{
    bpfvm_prog *p = prog(t, "map_in_map");
    if (!p)
        return;
    uint64_t arr[2][4] = { { 0 } }, h[256] = { 0 };
    uint64_t missing_outer = 0, missing_inner = 0;
    for (size_t i = 0; i < cap.n; i++) {
        const uint8_t *d = cap.f[i].data;
        uint32_t L = cap.f[i].len;
        CHECK_EQ(run_pkt(t, p, d, L), L < 14 ? BPFVM_XDP_DROP : BPFVM_XDP_PASS);
        if (L < 14)
            continue;
        arr[be16(d + 12) == 0x0800 ? 0 : 1][L % 4]++;
        missing_outer++;
        if (!h[d[13]]++)
            missing_inner++;
    }
    const char *names[2] = { "inner_v4", "inner_other" };
    for (int k = 0; k < 2; k++) {
        bpfvm_map *m = ot_map(t->vm, names[k]);
        for (uint32_t j = 0; m && j < 4; j++)
            CHECK_EQ(ot_u64(m, j), arr[k][j]);
        bpfvm_map *outer = ot_map(t->vm, "outer_arr");
        uint32_t key = (uint32_t)k, id = 0;
        if (m && outer) {
            CHECK_EQ(bpfvm_map_lookup(outer, &key, &id), 0);
            CHECK_EQ(id, bpfvm_map_id(m));
        }
    }
    bpfvm_map *m = ot_map(t->vm, "inner_h");
    size_t n = 0;
    for (uint32_t k = 0; m && k < 256; k++) {
        uint64_t v = 0;
        int rc = bpfvm_map_lookup(m, &k, &v);
        if (h[k]) {
            n++;
            CHECK(rc == 0 && v == h[k], "inner_h[%u] = %" PRIu64 ", expected %" PRIu64, k, v, h[k]);
        } else {
            CHECK_EQ(rc, -ENOENT);
        }
    }
    if (m)
        CHECK_EQ(nkeys(m), n);
    bpfvm_map *oh = ot_map(t->vm, "outer_hash");
    uint32_t key = 3, id = 0;
    if (oh && m) {
        CHECK_EQ(bpfvm_map_lookup(oh, &key, &id), 0);
        CHECK_EQ(id, bpfvm_map_id(m));
        CHECK_EQ(nkeys(oh), 1);
    }
    CHECK_EQ(ot_var(t->vm, ".bss", "missing_outer", 0), missing_outer);
    CHECK_EQ(ot_var(t->vm, ".bss", "missing_inner", 0), missing_inner);
}

/* ---- ringbuf --------------------------------------------------------------------------- */

typedef struct rb_expect {
    struct rb_rec rec[256];
    size_t n, seen;
    bool bad;
} rb_expect;

static int rb_cb(void *user, const void *data, size_t size)
{
    rb_expect *e = user;
    if (e->seen >= e->n || size != sizeof(struct rb_rec) || memcmp(data, &e->rec[e->seen], size)) {
        const struct rb_rec *r = data;
        CHECK(0, "ring buffer record %zu: %zu bytes, seq %#x len %u; expected seq %#x len %u", e->seen, size,
              size >= 8 ? r->seq : 0, size >= 8 ? r->len : 0, e->seen < e->n ? e->rec[e->seen].seq : 0,
              e->seen < e->n ? e->rec[e->seen].len : 0);
        e->bad = true;
    }
    e->seen++;
    return 0;
}

static void t_ringbuf(tctx *t)
{
    bpfvm_prog *p = prog(t, "ringbuf");
    if (!p)
        return;
    static rb_expect e;
    memset(&e, 0, sizeof e);
    /* 4096 bytes; a record takes 8 + 24; the ring holds at most 4095 bytes */
    size_t used = 0;
    int64_t output_rcs = 0, reserve_fails = 0, avail_after = 0;
    for (size_t i = 0; i < cap.n; i++) {
        const uint8_t *d = cap.f[i].data;
        uint32_t L = cap.f[i].len;
        CHECK_EQ(run_pkt(t, p, d, L), BPFVM_XDP_PASS);
        struct rb_rec r = { .seq = (uint32_t)i, .len = L };
        if (L >= 16)
            memcpy(r.head, d, 16);
        if (used + 32 > 4095) {
            output_rcs += -EAGAIN;
        } else {
            used += 32;
            e.rec[e.n++] = r;
        }
        if (used + 32 > 4095) {
            reserve_fails++;
            continue;
        }
        used += 32;
        if (!(i & 1)) {
            r.seq = (uint32_t)i | 0x80000000u;
            memset(r.head, 0xab, 16);
            e.rec[e.n++] = r;
        }
        avail_after = (int64_t)used;
    }
    CHECK_EQ(ot_var(t->vm, ".bss", "output_rcs", 0), output_rcs);
    CHECK_EQ(ot_var(t->vm, ".bss", "reserve_fails", 0), reserve_fails);
    CHECK_EQ(ot_var(t->vm, ".bss", "avail_after", 0), avail_after);
    CHECK_EQ(ot_var(t->vm, ".bss", "ring_size", 0), 4096);
    bpfvm_map *rb = ot_map(t->vm, "rb");
    if (rb) {
        int n = bpfvm_ringbuf_consume(rb, rb_cb, &e);
        CHECK_EQ(n, e.n);
        CHECK_EQ(e.seen, e.n);
        CHECK_EQ(bpfvm_ringbuf_consume(rb, rb_cb, &e), 0);
        /* consumed: the program can write again */
        CHECK_EQ(run_pkt(t, p, cap.f[0].data, cap.f[0].len), BPFVM_XDP_PASS);
        CHECK_EQ(ot_var(t->vm, ".bss", "output_rcs", 0), output_rcs);
    }
}

/* ---- globals ------------------------------------------------------------------------- */

static void t_globals(tctx *t)
{
    bpfvm_prog *p = prog(t, "globals"), *sum = prog(t, "globals_sum");
    if (!p || !sum)
        return;
    uint64_t bss = 0, arr[4] = { 1, 2, 3, 4 }, bss_arr[16] = { 0 };
    size_t n = cap.n;
    static const char ro_str[8] = "rodata!";
    for (size_t i = 0; i < n; i++) {
        uint32_t L = cap.f[i].len;
        CHECK_EQ(run_pkt(t, p, cap.f[i].data, L), BPFVM_XDP_PASS);
        bss += L;
        arr[L & 3]++;
        bss_arr[L & 15] = (uint32_t)(bss_arr[L & 15] + L);
    }
    uint32_t lastL = cap.f[n - 1].len;
    CHECK_EQ(ot_var(t->vm, ".data", "g_data", 0), 42 + 13 * n);
    for (unsigned k = 0; k < 4; k++)
        CHECK_EQ(ot_var(t->vm, ".data", "g_arr", k), arr[k]);
    CHECK_EQ(ot_var(t->vm, ".data", "s_data", 0), 7 + 5 * n);
    CHECK_EQ(ot_var(t->vm, ".rodata", "g_ro", 0), 0xabcd);
    CHECK_EQ(ot_var(t->vm, ".rodata", "s_ro", 0), 5);
    CHECK(strstr(ot_format(t->vm, ".rodata"), "g_ro_str = \"rodata!\""), ".rodata prints as %s",
          ot_format(t->vm, ".rodata"));
    CHECK_EQ(ot_var(t->vm, ".bss", "g_bss", 0), bss);
    CHECK_EQ(ot_var(t->vm, ".bss", "s_counter", 0), n);
    CHECK_EQ(ot_var(t->vm, ".bss", "bump.calls", 0), n);
    for (unsigned k = 0; k < 16; k++)
        CHECK_EQ(ot_var(t->vm, ".bss", "g_bss_arr", k), bss_arr[k]);
    CHECK_EQ(ot_var(t->vm, ".bss", "g_strcmp", 0), 0);
    CHECK_EQ(ot_var(t->vm, ".bss", "g_strcmp", 1), 1);
    CHECK_EQ(ot_var(t->vm, ".bss", "g_strcmp", 2), ro_str[lastL & 7]);
    CHECK(strstr(ot_format(t->vm, ".bss"), "g_copy = \"copied from str\""), ".bss prints as %s",
          ot_format(t->vm, ".bss"));
    CHECK_EQ(ot_var(t->vm, ".data.custom", "g_custom", 0), 99 + 77 * n);
    CHECK_EQ(ot_var(t->vm, ".rodata.custom", "g_custom_ro", 0), 77);
    uint64_t want = (42 + 13 * n) + arr[0] + arr[1] + arr[2] + arr[3] + 0xabcd + bss + n + (7 + 5 * n) + 5 +
                    (99 + 77 * n) + 77 + 'r';
    CHECK_EQ(run_mem(t, sum, NULL, 0, 0), want);
    /* string literals: .rodata.str1.1 is a read-only map too */
    bpfvm_map *str = ot_map(t->vm, ".rodata.str1.1");
    if (str)
        CHECK(bpfvm_map_get_def(str)->flags & BPFVM_F_RDONLY_PROG, ".rodata.str1.1 is not read-only");
    bpfvm_map *ro = ot_map(t->vm, ".rodata");
    if (ro)
        CHECK(bpfvm_map_get_def(ro)->flags & BPFVM_F_RDONLY_PROG, ".rodata is not read-only");
}

/* ---- calls --------------------------------------------------------------------------- */

static uint64_t c_leaf(uint64_t x) { return x * 3 + 1; }
static uint64_t c_mid(uint64_t x, uint64_t *acc)
{
    *acc += c_leaf(x);
    return c_leaf(x + 1) ^ *acc;
}
static uint64_t c_top(uint64_t x)
{
    uint64_t acc = 0, r = c_mid(x, &acc);
    r += c_mid(r & 0xff, &acc);
    return r + acc;
}
static int c_global_sub(int x) { return x > 1000 || x < -1000 ? -1 : x * 2 + 5; }

static void t_calls(tctx *t)
{
    bpfvm_prog *p = prog(t, "calls"), *p2 = prog(t, "calls2");
    if (!p || !p2)
        return;
    uint64_t r[8] = { 0 };
    for (size_t i = 0; i < cap.n; i++) {
        uint32_t L = cap.f[i].len;
        CHECK_EQ(run_pkt(t, p, cap.f[i].data, L), BPFVM_XDP_PASS);
        CHECK_EQ(run_pkt(t, p2, cap.f[i].data, L), BPFVM_XDP_PASS);
        r[0] += c_top(L);
        r[1] += (uint64_t)(int64_t)c_global_sub((int)L);
        r[2] += (uint64_t)(c_global_sub((int)(L * 1000)) & 0xff);
        r[3] += 6;
        r[4] += 15;
        uint64_t s = 0;
        for (uint32_t k = 0; k < (L & 7); k++)
            s += (uint64_t)k * (k + 1) / 2;
        r[5] += (L & 7) + s;
        r[7] += c_leaf(L);
    }
    for (unsigned k = 0; k < 8; k++)
        CHECK(ot_var(t->vm, ".bss", "results", k) == (int64_t)r[k], "results[%u] = %" PRId64 ", expected %" PRIu64,
              k, ot_var(t->vm, ".bss", "results", k), r[k]);
}

/* ---- helpers_mem ----------------------------------------------------------------------- */

static uint64_t ns(clockid_t id)
{
    struct timespec ts;
    clock_gettime(id, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static uint32_t first_prandom[4];
static bool have_prandom;

static void t_helpers_mem(tctx *t)
{
    bpfvm_prog *p = prog(t, "helpers");
    if (!p)
        return;
    static const uint64_t probe[2] = { 0x1122334455667788ull, 0x99aabbccddeeff00ull };
    static const char str[] = "hello probe";
    static uint64_t unregistered = 0x5555;
    bpfvm_error err;
    CHECK_OK(bpfvm_vm_add_probe_region(t->vm, probe, sizeof probe, &err), &err);
    CHECK_OK(bpfvm_vm_add_probe_region(t->vm, str, sizeof str, &err), &err);
    uint64_t mem[3] = { (uint64_t)(uintptr_t)probe, (uint64_t)(uintptr_t)&unregistered, (uint64_t)(uintptr_t)str };
    uint64_t m0 = ns(CLOCK_MONOTONIC), b0 = ns(CLOCK_BOOTTIME), c0 = ns(CLOCK_MONOTONIC_COARSE);
    CHECK_EQ(run_mem(t, p, mem, sizeof mem, 2), 0);
    uint64_t m1 = ns(CLOCK_MONOTONIC), b1 = ns(CLOCK_BOOTTIME);
    struct helper_results r;
    if (!ot_global(t->vm, ".bss", &r, sizeof r))
        return;
    CHECK(m0 <= r.ktime1 && r.ktime1 <= r.ktime2 && r.ktime2 <= m1, "ktime_get_ns %" PRIu64 " %" PRIu64
          " outside [%" PRIu64 ", %" PRIu64 "]", (uint64_t)r.ktime1, (uint64_t)r.ktime2, m0, m1);
    CHECK(b0 <= r.boot_ns && r.boot_ns <= b1, "ktime_get_boot_ns %" PRIu64 " outside [%" PRIu64 ", %" PRIu64 "]",
          (uint64_t)r.boot_ns, b0, b1);
    CHECK(c0 <= r.coarse_ns && r.coarse_ns <= m1 + 10000000, "ktime_get_coarse_ns %" PRIu64, (uint64_t)r.coarse_ns);
    CHECK(m0 / 4000000 <= r.jiffies && r.jiffies <= m1 / 4000000, "jiffies64 %" PRIu64, (uint64_t)r.jiffies);
    CHECK_EQ(r.pid_tgid, (uint64_t)(uint32_t)getpid() << 32 | (uint32_t)gettid());
    CHECK_EQ(r.uid_gid, (uint64_t)(uint32_t)getgid() << 32 | (uint32_t)getuid());
    /* prandom: the default seed is fixed, so every fresh VM gives the same numbers */
    CHECK(r.prandom[0] != r.prandom[1] || r.prandom[1] != r.prandom[2], "prandom repeats");
    if (!have_prandom) {
        memcpy(first_prandom, r.prandom, sizeof first_prandom);
        have_prandom = true;
    } else {
        CHECK(!memcmp(first_prandom, r.prandom, sizeof first_prandom), "prandom differs between fresh VMs");
    }
    CHECK_EQ(r.cpu, 2);
    CHECK_EQ(r.numa, 0);
    CHECK_EQ(r.probe_ok_rc, 0);
    CHECK_EQ(r.probe_ok_val, probe[0]);
    CHECK_EQ(r.probe_bad_rc, -EFAULT);
    CHECK_EQ(r.probe_bad_val, 0);
    CHECK_EQ(r.probe_user_rc, 0);
    CHECK_EQ(r.probe_user_val, probe[1]);
    CHECK_EQ(r.probe_str_rc, sizeof str);
    CHECK_STR(r.probe_str, str);
    CHECK_EQ(r.probe_str_bad_rc, -EFAULT);
    CHECK_EQ(r.probe_legacy_rc, 0);
    CHECK_EQ(r.probe_legacy_val, probe[0]);
    CHECK_EQ(r.probe_legacy_str_rc, 4);
    CHECK_STR(r.probe_legacy_str, "hel");
    CHECK_EQ(r.snprintf_rc, 18);
    CHECK_STR(r.snprintf_out, "a=42 b=-7 c=str %");
    CHECK_EQ(r.snprintf_small_rc, 12);
    CHECK(!memcmp(r.snprintf_small, "42-ffff", 8), "snprintf small: '%.8s'", r.snprintf_small);
    CHECK_EQ(r.snprintf_bad_rc, -EINVAL); /* and the output untouched (above) */
    CHECK_EQ(r.snprintf_invalid_rc, 3);
    CHECK_STR(r.snprintf_invalid, "<>");
    CHECK_EQ(r.printk_rc, 13);
    CHECK_EQ(r.vprintk_rc, 20);
    CHECK_STR(t->prints, "printk 1 2 ff\nsecond line ok\nvprintk 1 2 3 -4 str\n");
    CHECK_EQ(r.strncmp_eq, 0);
    CHECK_EQ(r.strncmp_lt, -1);
    CHECK_EQ(r.strncmp_gt, 1);
    CHECK_EQ(r.strncmp_prefix, 0);
    uint32_t from[2] = { 0x01020304, 0x05060708 }, to[2] = { 0x01020305, 0x05060708 };
    CHECK_EQ(r.csum_diff_rc, fold32to16(csum_sub(csum32((const uint8_t *)to, 8, 0), csum32((const uint8_t *)from, 8, 0))));
    CHECK_EQ(r.csum_diff_rc, 1); /* the u32 words differ by 1 */
    CHECK_EQ(r.csum_diff_bad_rc, -EINVAL);
    CHECK_EQ(r.loop_rc, 10);
    CHECK_EQ(r.loop_sum, 45);
    CHECK_EQ(r.loop_stop_rc, 10);
    CHECK_EQ(r.loop_big_rc, -E2BIG);
    char comm[17] = "";
    prctl(PR_GET_NAME, comm);
    CHECK_EQ(r.comm_rc, 0);
    CHECK_STR(r.comm, comm);
    CHECK_EQ(r.percpu_rc, 0);
    CHECK_EQ(r.percpu_vals[0], 0);
    CHECK_EQ(r.percpu_vals[1], 0);
    CHECK_EQ(r.percpu_vals[2], 3);
    CHECK_EQ(r.percpu_vals[3], 0);
}

/* ---- legacy_maps ----------------------------------------------------------------------- */

static void t_legacy_maps(tctx *t)
{
    bpfvm_prog *p = prog(t, "legacy");
    if (!p)
        return;
    uint64_t arr[4] = { 0 }, h[2] = { 0 };
    for (size_t i = 0; i < cap.n; i++) {
        uint32_t L = cap.f[i].len;
        CHECK_EQ(run_pkt(t, p, cap.f[i].data, L), BPFVM_XDP_PASS);
        arr[L & 3]++;
        h[L > 100] += L;
    }
    bpfvm_map *m = ot_map(t->vm, "legacy_array");
    for (uint32_t k = 0; m && k < 4; k++)
        CHECK_EQ(ot_u64(m, k), arr[k]);
    m = ot_map(t->vm, "legacy_hash");
    for (uint32_t k = 0; m && k < 2; k++)
        CHECK_EQ(ot_u64(m, k), h[k]);
    if (m) {
        const bpfvm_map_def *d = bpfvm_map_get_def(m);
        CHECK_EQ(d->type, BPFVM_MAP_HASH);
        CHECK_EQ(d->key_size, 4);
        CHECK_EQ(d->value_size, 8);
        CHECK_EQ(d->max_entries, 16);
    }
}

/* ---- sections -------------------------------------------------------------------------- */

static void t_sections(tctx *t)
{
    static const struct {
        const char *name, *section;
        bpfvm_prog_type type;
        int64_t verdict; /* on frame 0; -1: cannot run here */
        uint32_t event;
    } want[] = {
        { "kp_open", "kprobe/do_sys_openat2", BPFVM_PROG_KPROBE, -1, 0 },
        { "krp_open", "kretprobe/do_sys_openat2", BPFVM_PROG_KPROBE, -1, 0 },
        { "tp_write", "tracepoint/syscalls/sys_enter_write", BPFVM_PROG_TRACEPOINT, -1, 0 },
        { "rtp_switch", "raw_tp/sched_switch", BPFVM_PROG_RAW_TRACEPOINT, -1, 0 },
        { "pe_sample", "perf_event", BPFVM_PROG_PERF_EVENT, -1, 0 },
        { "sock_all", "socket", BPFVM_PROG_SOCKET_FILTER, 0, 100 },
        { "tc_ok", "tc", BPFVM_PROG_SCHED_CLS, 0, 101 },
        { "cls_shot", "classifier", BPFVM_PROG_SCHED_CLS, 2, 102 },
        { "xdp_one", "xdp", BPFVM_PROG_XDP, BPFVM_XDP_PASS, 103 },
        { "xdp_two", "xdp", BPFVM_PROG_XDP, BPFVM_XDP_DROP, 104 },
        { "xdp_frags", "xdp.frags", BPFVM_PROG_XDP, BPFVM_XDP_TX, 105 },
    };
    size_t n = sizeof want / sizeof *want;
    CHECK_EQ(bpfvm_obj_prog_count(t->obj), n);
    CHECK_STR(bpfvm_obj_license(t->obj), "GPL");
    bpfvm_map *ev = ot_map(t->vm, "events");
    for (size_t i = 0; i < n && i < bpfvm_obj_prog_count(t->obj); i++) {
        bpfvm_prog *p = bpfvm_obj_prog(t->obj, i);
        CHECK_STR(bpfvm_prog_name(p), want[i].name);
        CHECK_STR(bpfvm_prog_section(p), want[i].section);
        CHECK_EQ(bpfvm_prog_get_type(p), want[i].type);
        CHECK_EQ(bpfvm_prog_type_of_section(want[i].section), want[i].type);
        bpfvm_error err;
        uint64_t ret = 0;
        bpfvm_packet_set(t->pkt, cap.f[0].data, cap.f[0].len, &err);
        bpfvm_run_opts ro = { .engine = t->engine };
        int rc = bpfvm_run_packet(p, t->pkt, &ro, &ret, &err);
        if (want[i].verdict < 0) {
            CHECK_EQ(rc, -BPFVM_E_UNSUPPORTED);
            CHECK(rc && strstr(err.msg, "cannot run on packets here"), "%s: %s", want[i].name, rc ? err.msg : "ran");
            continue;
        }
        CHECK(rc == 0, "%s: %s", want[i].name, rc ? err.msg : "");
        if (want[i].type == BPFVM_PROG_SOCKET_FILTER)
            CHECK_EQ(ret, cap.f[0].len - 14);
        else
            CHECK_EQ(ret, want[i].verdict);
        uint32_t k = want[i].event;
        uint64_t v = 0;
        CHECK(ev && bpfvm_map_lookup(ev, &k, &v) == 0 && v == 1, "events[%u] = %" PRIu64, k, v);
    }
}

/* ---- percpu_lru ------------------------------------------------------------------------ */

static void t_percpu_lru(tctx *t)
{
    bpfvm_prog *p = prog(t, "percpu"), *lru = prog(t, "lru_insert");
    if (!p || !lru)
        return;
    CHECK_EQ(bpfvm_vm_ncpus(t->vm), 4);
    for (uint32_t cpu = 0; cpu < 4; cpu++) {
        uint64_t key = 0;
        CHECK_EQ(run_mem(t, p, &key, 8, cpu), cpu);
        key = 1;
        for (uint32_t k = 0; k <= cpu; k++)
            CHECK_EQ(run_mem(t, p, &key, 8, cpu), cpu);
    }
    uint64_t v[4];
    uint32_t k0 = 0, k1 = 1;
    bpfvm_map *m = ot_map(t->vm, "pc_arr");
    if (m && bpfvm_map_lookup(m, &k0, v) == 0)
        for (int c = 0; c < 4; c++)
            CHECK_EQ(v[c], c + 1);
    if (m && bpfvm_map_lookup(m, &k1, v) == 0)
        for (int c = 0; c < 4; c++)
            CHECK_EQ(v[c], (c + 1) * (c + 1));
    /* 4-byte per-CPU values are 8 bytes apart (Linux's round_up(value_size, 8)) */
    m = ot_map(t->vm, "pc_hash");
    if (m && bpfvm_map_lookup(m, &k0, v) == 0)
        for (int c = 0; c < 4; c++)
            CHECK_EQ((uint32_t)v[c], 10 * (c + 1));
    if (m && bpfvm_map_lookup(m, &k1, v) == 0)
        for (int c = 0; c < 4; c++)
            CHECK_EQ((uint32_t)v[c], 10 * (c + 1) * (c + 1));
    m = ot_map(t->vm, "pc_lru");
    if (m && bpfvm_map_lookup(m, &k0, v) == 0)
        for (int c = 0; c < 4; c++)
            CHECK_EQ(v[c], 100);
    if (m && bpfvm_map_lookup(m, &k1, v) == 0)
        for (int c = 0; c < 4; c++)
            CHECK_EQ(v[c], 100 * (c + 1));
    /* another CPU's value through bpf_map_lookup_percpu_elem is in helpers_mem */

    /* LRU: never more than max_entries; the newest key is always there */
    m = ot_map(t->vm, "lru");
    for (uint64_t k = 1; m && k <= 4; k++)
        CHECK_EQ(run_mem(t, lru, &k, 8, 0), 0);
    for (uint64_t k = 1; m && k <= 4; k++)
        CHECK_EQ(run_mem(t, lru, &k, 8, 0), 1);
    for (uint64_t k = 5; m && k < 105; k++) {
        CHECK_EQ((int64_t)run_mem(t, lru, &k, 8, 0), 0);
        uint32_t key = (uint32_t)k;
        uint64_t val = 0;
        CHECK(bpfvm_map_lookup(m, &key, &val) == 0 && val == 1, "LRU lost the key %u just inserted", key);
        CHECK(nkeys(m) <= 4, "LRU map holds %zu keys, more than its 4 entries", nkeys(m));
    }
    if (m)
        CHECK_EQ(nkeys(m), 4);
}

/* ---- isa_v4 --------------------------------------------------------------------------- */

static void t_isa_v4(tctx *t)
{
    bpfvm_prog *p = prog(t, "isa_v4");
    if (!p)
        return;
    uint64_t atom = 10;
    int64_t out[12] = { 0 };
    for (size_t i = 0; i < cap.n; i++) {
        int64_t L = cap.f[i].len;
        CHECK_EQ(run_pkt(t, p, cap.f[i].data, (size_t)L), L & 1 ? BPFVM_XDP_PASS : BPFVM_XDP_DROP);
        out[0] = -L / 7;
        out[1] = -L % 7;
        out[2] = L / -3;
        out[3] = -5, out[4] = -300, out[5] = -70000;
        out[6] = (int64_t)(int32_t)(uint32_t)((uint64_t)L * 0x10001);
        out[7] = __builtin_bswap32((uint32_t)L);
        out[8] = (int64_t)__builtin_bswap64((uint64_t)L);
        out[9] = __builtin_bswap16((uint16_t)L);
        out[10] = (int64_t)atom++;
        out[11] = (int64_t)atom;
        if (atom == 11)
            atom = 20;
    }
    for (unsigned k = 0; k < 12; k++)
        CHECK(ot_var(t->vm, ".bss", "out", k) == out[k], "out[%u] = %" PRId64 ", expected %" PRId64, k,
              ot_var(t->vm, ".bss", "out", k), out[k]);
    CHECK_EQ(ot_var(t->vm, ".data", "atom", 0), atom);
}

/* ---- redirect_map ------------------------------------------------------------------ */

/* The entries test_kdiff_obj gives the kernel's maps too (redirect_map.c). */
static void fill_redirect_maps(tctx *t)
{
    bpfvm_map *dev = ot_map(t->vm, "tx_port"), *hash = ot_map(t->vm, "tx_hash"), *cpus = ot_map(t->vm, "cpus");
    uint32_t one = 1;
    for (uint32_t k = 0; dev && k < 16; k++)
        if (k % 2 == 0 && k < 8)
            CHECK_EQ(bpfvm_map_update(dev, &k, &one, BPFVM_ANY), 0);
    uint32_t k = 0x0b;
    if (dev)
        CHECK_EQ(bpfvm_map_update(dev, &k, &one, BPFVM_ANY), 0);
    static const uint32_t hkeys[] = { 1, 0x0b, 0x2a };
    uint32_t hv[2] = { 1, 0 };
    for (size_t i = 0; hash && i < 3; i++)
        CHECK_EQ(bpfvm_map_update(hash, &hkeys[i], hv, BPFVM_NOEXIST), 0);
    uint32_t cv[2] = { 192, 0 };
    k = 0;
    if (cpus)
        CHECK_EQ(bpfvm_map_update(cpus, &k, cv, BPFVM_ANY), 0);
}

static void t_redirect_map(tctx *t)
{
    bpfvm_prog *p = prog(t, "redirect_map"), *lk = prog(t, "devmap_lookup");
    if (!p || !lk)
        return;
    uint8_t frame[60] = { 0 };
    /* before the host fills them, no key has a target */
    frame[5] = 0x0b, frame[4] = 2;
    CHECK_EQ(run_pkt(t, p, frame, sizeof frame), BPFVM_XDP_PASS);
    CHECK(!bpfvm_packet_redirect(t->pkt, NULL), "a redirect without a target");
    fill_redirect_maps(t);
    bpfvm_map *dev = ot_map(t->vm, "tx_port"), *hash = ot_map(t->vm, "tx_hash"), *cpus = ot_map(t->vm, "cpus"),
              *xsks = ot_map(t->vm, "xsks");
    static const struct {
        uint8_t which, flags, key;
        uint64_t ret;
    } cases[] = {
        { 0, 0, 0x0b, BPFVM_XDP_REDIRECT }, /* devmap entry */
        { 0, 0, 2, BPFVM_XDP_REDIRECT },
        { 0, 0, 3, BPFVM_XDP_ABORTED },     /* no entry, flags 0 */
        { 0, 2, 3, BPFVM_XDP_PASS },        /* no entry: the low bits of flags */
        { 0, 1, 16, BPFVM_XDP_DROP },       /* beyond max_entries */
        { 0, 3, 0x0b, BPFVM_XDP_REDIRECT }, /* an entry: flags do not matter */
        { 0, 8, 3, BPFVM_XDP_REDIRECT },    /* BPF_F_BROADCAST: redirects anyway */
        { 0, 0x18, 2, BPFVM_XDP_REDIRECT }, /* + BPF_F_EXCLUDE_INGRESS */
        { 0, 4, 2, BPFVM_XDP_ABORTED },     /* an unknown flag */
        { 1, 0, 0x2a, BPFVM_XDP_REDIRECT }, /* devmap_hash */
        { 1, 2, 0x2b, BPFVM_XDP_PASS },
        { 1, 8, 0x2b, BPFVM_XDP_REDIRECT },
        { 2, 0, 0, BPFVM_XDP_REDIRECT },    /* cpumap: CPU 0 */
        { 2, 1, 1, BPFVM_XDP_DROP },        /* no queue for CPU 1 */
        { 2, 8, 1, BPFVM_XDP_ABORTED },     /* a cpumap cannot broadcast */
        { 3, 2, 0, BPFVM_XDP_PASS },        /* xskmap: no socket yet */
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        frame[3] = cases[i].which;
        frame[4] = cases[i].flags;
        frame[5] = cases[i].key;
        uint64_t ret = run_pkt(t, p, frame, sizeof frame);
        CHECK(ret == cases[i].ret, "redirect_map case %zu: %" PRIu64 ", expected %" PRIu64, i, ret, cases[i].ret);
        bpfvm_redirect r;
        bool red = bpfvm_packet_redirect(t->pkt, &r);
        CHECK(red == (ret == BPFVM_XDP_REDIRECT), "case %zu: redirect target %s", i, red ? "set" : "missing");
        if (red) {
            const bpfvm_map *want[4] = { dev, hash, cpus, xsks };
            CHECK(r.map == want[cases[i].which], "case %zu: the target's map", i);
            CHECK_EQ(r.key, cases[i].key);
            CHECK_EQ(r.flags, cases[i].flags & ~3u);
            uint8_t key = cases[i].key;
            bool dev = cases[i].which == 0 && (key == 0x0b || (key < 8 && key % 2 == 0));
            bool hashed = cases[i].which == 1 && (key == 1 || key == 0x0b || key == 0x2a);
            CHECK_EQ(r.ifindex, dev || hashed ? 1 : 0); /* a devmap entry's ifindex; 0 when broadcast */
        }
    }
    /* an xskmap entry: the host stores the socket's queue id */
    uint32_t k = 1, q = 5;
    CHECK_EQ(bpfvm_map_update(xsks, &k, &q, BPFVM_NOEXIST), 0);
    frame[3] = 3, frame[4] = 0, frame[5] = 1;
    CHECK_EQ(run_pkt(t, p, frame, sizeof frame), BPFVM_XDP_REDIRECT);
    /* a failed lookup after a successful one clears the target (the last call decides) */
    CHECK_EQ(bpfvm_map_delete(dev, &(uint32_t){ 2 }), 0);
    frame[3] = 0, frame[4] = 2, frame[5] = 2;
    CHECK_EQ(run_pkt(t, p, frame, sizeof frame), BPFVM_XDP_PASS);
    CHECK(!bpfvm_packet_redirect(t->pkt, NULL), "a target after a failed lookup");
    /* devmap lookups from the program: entry 4 has ifindex 1, entry 5 none */
    frame[5] = 4;
    CHECK_EQ(run_pkt(t, lk, frame, sizeof frame), BPFVM_XDP_PASS);
    frame[5] = 5;
    CHECK_EQ(run_pkt(t, lk, frame, sizeof frame), BPFVM_XDP_DROP);
}

/* ---- perf_output ------------------------------------------------------------------- */

typedef struct perf_log {
    size_t n;
    struct {
        const bpfvm_map *map;
        uint32_t index;
        size_t size;
        uint8_t data[96];
    } r[4096];
} perf_log;

static void on_perf(void *user, bpfvm_map *map, uint32_t index, const void *data, size_t size)
{
    perf_log *l = user;
    if (l->n < sizeof l->r / sizeof *l->r) {
        l->r[l->n].map = map;
        l->r[l->n].index = index;
        l->r[l->n].size = size;
        memcpy(l->r[l->n].data, data, size < 96 ? size : 96);
    }
    l->n++;
}

static void t_perf_output(tctx *t)
{
    bpfvm_prog *xp = prog(t, "xdp_perf"), *sp = prog(t, "sock_perf");
    bpfvm_map *ev = ot_map(t->vm, "events"), *ev4 = ot_map(t->vm, "events4"), *rcs = ot_map(t->vm, "perf_rcs");
    if (!xp || !sp || !ev || !ev4 || !rcs)
        return;
    CHECK_EQ(bpfvm_map_get_def(ev)->max_entries, 2); /* no max_entries: one per CPU (this VM has 2) */
    CHECK_EQ(bpfvm_map_get_def(ev4)->max_entries, 4);
    static perf_log log;
    log.n = 0;
    bpfvm_vm_set_perf_output(t->vm, on_perf, &log);
    int64_t want[PERF_RC_N] = { 0 };
    size_t nrec = 0;
    char prints[4096] = "";
    uint16_t seq = 0;
    for (int open = 0; open < 2; open++) {
        if (open) { /* what libbpf's perf buffer does: entry i is CPU i's perf event */
            for (uint32_t i = 0; i < 2; i++)
                CHECK_EQ(bpfvm_map_update(ev, &i, &i, BPFVM_ANY), 0);
            uint32_t i = 3;
            CHECK_EQ(bpfvm_map_update(ev4, &i, &i, BPFVM_ANY), 0);
            CHECK_EQ(bpfvm_map_update(ev4, &i, &i, BPFVM_NOEXIST), -EINVAL);
        }
        for (size_t f = 0; f < cap.n; f++) {
            const uint8_t *d = cap.f[f].data;
            uint32_t L = cap.f[f].len;
            CHECK_EQ(run_pkt(t, xp, d, L), L < 14 ? BPFVM_XDP_DROP : BPFVM_XDP_PASS);
            if (L >= 14) {
                struct perf_rec r = { .len = L, .proto = (uint16_t)(d[12] | d[13] << 8), .seq = seq };
                want[PERF_RC_CURRENT] += open ? 0 : -ENOENT;
                want[PERF_RC_CTXLEN] += open ? 0 : -ENOENT;
                want[PERF_RC_INDEX] += open ? -EOPNOTSUPP : -ENOENT; /* entry 3 is CPU 3's */
                want[PERF_RC_E2BIG] += -E2BIG;
                want[PERF_RC_EFAULT] += -EFAULT;
                want[PERF_RC_EINVAL] += -EINVAL;
                if (seq < 2) {
                    char line[128];
                    int n = snprintf(line, sizeof line, "perf %u %u %x %d %s", seq, L, r.proto, -1, "end");
                    want[PERF_RC_VPRINTK] += n;
                    snprintf(prints + strlen(prints), sizeof prints - strlen(prints), "%s\n", line);
                }
                seq++;
                if (open) {
                    CHECK(nrec + 2 <= log.n, "frame %zu: %zu records, expected %zu", f, log.n, nrec + 2);
                    if (nrec + 2 <= log.n) {
                        CHECK(log.r[nrec].map == ev && log.r[nrec].index == 0 && log.r[nrec].size == sizeof r &&
                                  !memcmp(log.r[nrec].data, &r, sizeof r),
                              "frame %zu: record %zu", f, nrec);
                        CHECK(log.r[nrec + 1].map == ev && log.r[nrec + 1].size == sizeof r + 14 &&
                                  !memcmp(log.r[nrec + 1].data, &r, sizeof r) &&
                                  !memcmp(log.r[nrec + 1].data + sizeof r, d, 14),
                              "frame %zu: record %zu with 14 packet bytes", f, nrec + 1);
                    }
                    nrec += 2;
                }
            }
            CHECK_EQ(log.n, nrec);
            /* socket filter: 64 bytes from the network header, if there are as many */
            uint32_t net = L >= 14 ? L - 14 : L;
            CHECK_EQ(run_pkt(t, sp, d, L), net);
            if (net < 64) {
                want[PERF_RC_SKB] += -EFAULT;
                continue;
            }
            want[PERF_RC_SKB] += open ? 0 : -ENOENT;
            if (open) {
                CHECK(log.n == nrec + 1 && log.r[nrec].size == 4 + 64 && !memcmp(log.r[nrec].data, &net, 4) &&
                          !memcmp(log.r[nrec].data + 4, d + (L - net), 64),
                      "frame %zu: socket filter record", f);
                nrec++;
            }
        }
    }
    /* on CPU 1 the output goes to entry 1 */
    bpfvm_run_opts ro = { .engine = t->engine, .cpu = 1 };
    bpfvm_error err;
    uint64_t ret;
    bpfvm_packet_set(t->pkt, cap.f[0].data, cap.f[0].len, &err);
    if (cap.f[0].len >= 14 && CHECK_OK(bpfvm_run_packet(xp, t->pkt, &ro, &ret, &err), &err) == 0) {
        CHECK(log.n == nrec + 2 && log.r[nrec].index == 1, "CPU 1: %zu records, index %u", log.n - nrec,
              log.n > nrec ? log.r[nrec].index : 0);
        want[PERF_RC_INDEX] += -EOPNOTSUPP;
        want[PERF_RC_E2BIG] += -E2BIG;
        want[PERF_RC_EFAULT] += -EFAULT;
        want[PERF_RC_EINVAL] += -EINVAL;
    }
    for (uint32_t k = 0; k < PERF_RC_N; k++)
        CHECK(ot_u64(rcs, k) == (uint64_t)want[k], "perf_rcs[%u] = %" PRId64 ", expected %" PRId64, k,
              (int64_t)ot_u64(rcs, k), want[k]);
    CHECK_STR(t->prints, prints);
    /* the perf event arrays themselves: Linux's answers */
    uint32_t i = 0, v = 0;
    CHECK_EQ(bpfvm_map_lookup(ev, &i, &v), -524); /* ENOTSUPP: no fds to give back */
    i = 2;
    CHECK_EQ(bpfvm_map_update(ev, &i, &v, BPFVM_ANY), -E2BIG);
    CHECK_EQ(bpfvm_map_delete(ev, &i), -E2BIG);
    i = 1;
    CHECK_EQ(bpfvm_map_delete(ev, &i), 0);
    CHECK_EQ(bpfvm_map_delete(ev, &i), -ENOENT);
    bpfvm_vm_set_perf_output(t->vm, NULL, NULL);
}

/* ---- retval --------------------------------------------------------------------------- */

static void t_retval(tctx *t)
{
    static const struct {
        const char *name;
        uint64_t ret;
    } want[] = {
        { "xdp_wide", BPFVM_XDP_PASS }, { "socket_minus1", 0xffffffff }, { "socket_wide_zero", 0 },
        { "tc_unspec", 0xffffffff },
    };
    for (size_t i = 0; i < sizeof want / sizeof *want; i++) {
        bpfvm_prog *p = prog(t, want[i].name);
        if (p)
            CHECK(run_pkt(t, p, cap.f[0].data, cap.f[0].len) == want[i].ret, "%s: not %#" PRIx64, want[i].name,
                  want[i].ret);
    }
}

/* ---- driver --------------------------------------------------------------------------- */

static const struct tcase {
    const char *name; /* progs/NAME.c */
    uint32_t ncpus;
    void (*fn)(tctx *);
    uint32_t mem_size; /* raw-memory programs: the block the case runs them on */
} cases[] = {
    { "xdp_maps", 2, t_xdp_maps, 0 },       { "xdp_rewrite", 1, t_xdp_rewrite, 0 },
    { "tc_skb", 1, t_tc_skb, 0 },           { "socket_filter", 1, t_socket_filter, 0 },
    { "tailcalls", 1, t_tailcalls, 0 },     { "map_in_map", 1, t_map_in_map, 0 },
    { "ringbuf", 1, t_ringbuf, 0 },         { "globals", 1, t_globals, 0 },
    { "calls", 1, t_calls, 0 },             { "helpers_mem", 4, t_helpers_mem, 24 },
    { "legacy_maps", 1, t_legacy_maps, 0 }, { "sections", 1, t_sections, 0 },
    { "percpu_lru", 4, t_percpu_lru, 8 },   { "isa_v4", 1, t_isa_v4, 0 },
    { "retval", 1, t_retval, 0 },       { "redirect_map", 1, t_redirect_map, 0 },
    { "perf_output", 2, t_perf_output, 0 },
};

/* Rejections by bpfvm's verifier of programs Linux accepts, reported to the
 * verifier's authors: a verified run is skipped (with a message) while they last.
 * Any other rejection of a corpus program fails the test. */
static const char *const known_verifier_bugs[] = {
    NULL, /* none at present */
};

static const char *const engine_names[4] = { "interp", "jit", "interp verified", "jit verified" };
static unsigned verified_runs, known_rejections;

/* Verifies every program of t->obj; false (with a message) when one is rejected. */
static bool verify_all(tctx *t, uint32_t mem_size)
{
    for (size_t i = 0; i < bpfvm_obj_prog_count(t->obj); i++) {
        bpfvm_prog *p = bpfvm_obj_prog(t->obj, i);
        bpfvm_verify_opts vo = { .mem_size = mem_size };
        bpfvm_error err;
        if (bpfvm_verify(p, &vo, NULL, &err) == 0)
            continue;
        bool known = false;
        for (size_t k = 0; k < sizeof known_verifier_bugs / sizeof *known_verifier_bugs; k++)
            known |= known_verifier_bugs[k] && strstr(err.msg, known_verifier_bugs[k]) != NULL;
        if (known) {
            known_rejections++;
            printf("KNOWN verifier bug, verified run skipped: %s: %s: %s\n", ot_where, bpfvm_prog_name(p), err.msg);
        } else {
            CHECK(0, "the verifier rejects %s, which Linux accepts: %s", bpfvm_prog_name(p), err.msg);
        }
        return false;
    }
    return true;
}

int main(int argc, char **argv)
{
    const char *objdir = ot_dir("BPFVM_OBJ_DIR", OBJ_DIR);
    char path[4096];
    snprintf(path, sizeof path, "%s/packets.pcap", ot_dir("BPFVM_PCAP_DIR", PCAP_DIR));
    if (ot_load_pcap(path, &cap) || cap.n == 0) {
        fprintf(stderr, "cannot read %s\n", path);
        return 1;
    }
    bool v4_missing = false, jit_skipped = false;
    unsigned runs = 0;
    for (size_t c = 0; c < sizeof cases / sizeof *cases; c++) {
        const struct tcase *tc = &cases[c];
        bool wanted = argc < 2;
        for (int a = 1; a < argc; a++)
            wanted |= !strcmp(argv[a], tc->name);
        if (!wanted)
            continue;
        for (size_t k = 0; k < sizeof ot_cpus / sizeof *ot_cpus; k++) {
            char obj_path[4096];
            if (!ot_obj_path(objdir, tc->name, ot_cpus[k], obj_path, sizeof obj_path)) {
                if (!strcmp(ot_cpus[k], "v4"))
                    v4_missing = true;
                else
                    CHECK(0, "%s was not built", obj_path);
                continue;
            }
            for (int e = 0; e < 4; e++) {
                tctx t;
                memset(&t, 0, sizeof t);
                t.name = tc->name;
                t.cpu = ot_cpus[k];
                t.engine = e & 1 ? BPFVM_ENGINE_JIT : BPFVM_ENGINE_INTERP;
                snprintf(ot_where, sizeof ot_where, "%s.%s.o %s", tc->name, t.cpu, engine_names[e]);
                bpfvm_error err;
                t.vm = bpfvm_vm_new();
                t.pkt = bpfvm_packet_new();
                if (!t.vm || !t.pkt) {
                    CHECK(0, "out of memory");
                    return 1;
                }
                bpfvm_vm_set_print(t.vm, on_print, &t);
                CHECK_OK(bpfvm_vm_set_ncpus(t.vm, tc->ncpus, &err), &err);
                if (CHECK_OK(bpfvm_obj_open(t.vm, obj_path, 0, &t.obj, &err), &err) == 0) {
                    bool run = e < 2 || verify_all(&t, tc->mem_size);
                    for (size_t i = 0; (e & 1) && i < bpfvm_obj_prog_count(t.obj) && run; i++) {
                        if (bpfvm_prog_jit(bpfvm_obj_prog(t.obj, i), &err)) {
                            printf("SKIP jit for %s: program %s: %s\n", ot_where,
                                   bpfvm_prog_name(bpfvm_obj_prog(t.obj, i)), err.msg);
                            jit_skipped = run = false;
                        }
                    }
                    if (run) {
                        tc->fn(&t);
                        runs++;
                        verified_runs += e >= 2;
                    }
                }
                bpfvm_obj_free(t.obj);
                bpfvm_packet_free(t.pkt);
                bpfvm_vm_free(t.vm);
            }
        }
    }
    if (v4_missing)
        printf("SKIP -mcpu=v4 objects: not built (no /usr/bin/clang-19 when the build was configured)\n");
    (void)jit_skipped;
    printf("%u runs (case x -mcpu x engine), %u of them verified (unchecked); %u verified runs skipped for known "
           "verifier bugs\n", runs, verified_runs, known_rejections);
    ot_free_capture(&cap);
    return ot_summary("obj_corpus");
}
