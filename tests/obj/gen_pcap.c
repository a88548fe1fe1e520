/* gen_pcap.c — writes the test captures of tests/obj, deterministically (the same
 * bytes on every run), into the directory given as argv[1]:
 *   packets.pcap       Ethernet frames: IPv4/IPv6, TCP/UDP/ICMP, options, fragments,
 *                      VLAN and QinQ tags, ARP, multicast/broadcast, runts (0..34
 *                      bytes), maximum-size (1514, 1518 with a tag) and jumbo (9014)
 *                      frames, and "command" packets (UDP to CMD_PORT + op, see
 *                      progs/shared.h) that drive the rewriting programs through
 *                      every edge of bpf_xdp_adjust_head/tail/meta.
 *   packets_ns.pcap    the first frames again, nanosecond timestamps
 *   packets_be.pcap    the first frames again, big-endian file
 *   redirect.pcap      frame 0 with the redirect choices of progs/redirect_map.c
 *                      in its destination MAC
 *   empty.pcap         a header and no packets
 *   bad_*.pcap         malformed files: truncated header, bad magic, truncated
 *                      record, non-Ethernet link type, absurd record length
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CMD_PORT 9000
#define MAXF 128

typedef struct frame {
    uint8_t b[9100];
    size_t n;
} frame;

static frame frames[MAXF];
static size_t nframes;

static frame *new_frame(void)
{
    if (nframes == MAXF) {
        fprintf(stderr, "gen_pcap: too many frames\n");
        exit(1);
    }
    frame *f = &frames[nframes++];
    memset(f, 0, sizeof *f);
    return f;
}

static void put(frame *f, const void *p, size_t n)
{
    memcpy(f->b + f->n, p, n);
    f->n += n;
}
static void put8(frame *f, unsigned v) { f->b[f->n++] = (uint8_t)v; }
static void put16(frame *f, unsigned v) { put8(f, v >> 8), put8(f, v & 0xff); }
static void put32(frame *f, uint32_t v) { put16(f, v >> 16), put16(f, v & 0xffff); }

static const uint8_t MAC_A[6] = { 0x02, 0, 0, 0, 0, 0x0a }, MAC_B[6] = { 0x02, 0, 0, 0, 0, 0x0b };
static const uint8_t MAC_BCAST[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
static const uint8_t MAC_MCAST[6] = { 0x01, 0x00, 0x5e, 0x00, 0x00, 0xfb }, MAC_ZERO[6];
static const uint8_t IP_H1[4] = { 10, 0, 0, 1 }, IP_H2[4] = { 10, 0, 0, 2 }, IP_SRV[4] = { 10, 0, 0, 100 };
static const uint8_t IP_MC[4] = { 224, 0, 0, 251 };
static const uint8_t IP6_A[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 }, IP6_S[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 0x64 };

static uint32_t sum16(const uint8_t *p, size_t n, uint32_t s)
{
    for (size_t i = 0; i + 1 < n; i += 2)
        s += (uint32_t)p[i] << 8 | p[i + 1];
    if (n & 1)
        s += (uint32_t)p[n - 1] << 8;
    return s;
}

static uint16_t fold(uint32_t s)
{
    while (s >> 16)
        s = (s & 0xffff) + (s >> 16);
    return (uint16_t)~s;
}

/* Ethernet header with up to two tags (tpid 0 = none). */
static void eth(frame *f, const uint8_t *dst, const uint8_t *src, unsigned tpid1, unsigned tci1, unsigned tpid2,
                unsigned tci2, unsigned proto)
{
    put(f, dst, 6);
    put(f, src, 6);
    if (tpid1)
        put16(f, tpid1), put16(f, tci1);
    if (tpid2)
        put16(f, tpid2), put16(f, tci2);
    put16(f, proto);
}

typedef struct l4 {
    unsigned proto; /* 6, 17, 1, 58 */
    unsigned sport, dport;
    const uint8_t *payload;
    size_t plen;
    int udp_nocsum;
} l4;

/* Appends the L4 header + payload; pseudo-header sum given. */
static void put_l4(frame *f, const l4 *t, uint32_t pseudo)
{
    size_t start = f->n;
    if (t->proto == 6) {
        put16(f, t->sport), put16(f, t->dport), put32(f, 1000), put32(f, 0);
        put8(f, 5 << 4), put8(f, 0x18), put16(f, 65535), put16(f, 0), put16(f, 0);
        put(f, t->payload, t->plen);
        size_t len = f->n - start;
        uint16_t c = fold(sum16(f->b + start, len, pseudo + 6 + (uint32_t)len));
        f->b[start + 16] = c >> 8, f->b[start + 17] = c & 0xff;
    } else if (t->proto == 17) {
        put16(f, t->sport), put16(f, t->dport), put16(f, 8 + t->plen), put16(f, 0);
        put(f, t->payload, t->plen);
        size_t len = f->n - start;
        uint16_t c = fold(sum16(f->b + start, len, pseudo + 17 + (uint32_t)len));
        if (c == 0)
            c = 0xffff;
        if (t->udp_nocsum)
            c = 0;
        f->b[start + 6] = c >> 8, f->b[start + 7] = c & 0xff;
    } else { /* ICMP echo (type 8 / ICMPv6 128) */
        put8(f, t->proto == 58 ? 128 : 8), put8(f, 0), put16(f, 0), put16(f, 0x1234), put16(f, 1);
        put(f, t->payload, t->plen);
        size_t len = f->n - start;
        uint16_t c = fold(sum16(f->b + start, len, t->proto == 58 ? pseudo + 58 + (uint32_t)len : 0));
        f->b[start + 2] = c >> 8, f->b[start + 3] = c & 0xff;
    }
}

static void ipv4(frame *f, const uint8_t *src, const uint8_t *dst, unsigned ttl, unsigned frag, int options,
                 const l4 *t)
{
    size_t start = f->n, hl = options ? 24 : 20;
    size_t l4len = (t->proto == 6 ? 20 : 8) + t->plen;
    put8(f, 0x40 | (unsigned)(hl / 4)), put8(f, 0), put16(f, (unsigned)(hl + l4len)), put16(f, 0x1234);
    put16(f, frag), put8(f, ttl), put8(f, t->proto), put16(f, 0);
    put(f, src, 4), put(f, dst, 4);
    if (options)
        put32(f, 0x01010100); /* NOP NOP NOP EOL */
    uint16_t c = fold(sum16(f->b + start, hl, 0));
    f->b[start + 10] = c >> 8, f->b[start + 11] = c & 0xff;
    put_l4(f, t, sum16(src, 4, 0) + sum16(dst, 4, 0));
}

static void ipv6(frame *f, const uint8_t *src, const uint8_t *dst, int hopopts, const l4 *t)
{
    size_t l4len = (t->proto == 6 ? 20 : 8) + t->plen + (hopopts ? 8 : 0);
    put32(f, 0x60000000), put16(f, (unsigned)l4len), put8(f, hopopts ? 0 : t->proto), put8(f, 64);
    put(f, src, 16), put(f, dst, 16);
    if (hopopts) {
        put8(f, t->proto), put8(f, 0), put8(f, 1), put8(f, 4), put32(f, 0); /* PadN */
    }
    put_l4(f, t, sum16(src, 16, 0) + sum16(dst, 16, 0));
}

static const uint8_t PAY[] = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789abcdefghijklmnopqrstuvwxyz"
                             "GET / HTTP/1.1\r\nHost: example\r\n\r\n";
static uint8_t big[9100];

static void v4(const uint8_t *dmac, unsigned proto, unsigned sport, unsigned dport, size_t plen)
{
    frame *f = new_frame();
    eth(f, dmac, MAC_A, 0, 0, 0, 0, 0x0800);
    l4 t = { proto, sport, dport, plen <= sizeof PAY ? PAY : big, plen, 0 };
    ipv4(f, IP_H1, IP_SRV, 64, 0x4000, 0, &t);
}

/* A command packet: UDP to CMD_PORT + op with a little-endian s32 parameter,
 * padded with payload bytes to plen. */
static void cmd(unsigned op, int32_t param, size_t plen)
{
    uint8_t p[256];
    memcpy(p, PAY, sizeof p < sizeof PAY ? sizeof p : sizeof PAY);
    uint32_t u = (uint32_t)param;
    p[0] = u & 0xff, p[1] = (u >> 8) & 0xff, p[2] = (u >> 16) & 0xff, p[3] = u >> 24;
    frame *f = new_frame();
    eth(f, MAC_B, MAC_A, 0, 0, 0, 0, 0x0800);
    l4 t = { 17, 5555, CMD_PORT + op, p, plen < 4 ? 4 : plen, 0 };
    ipv4(f, IP_H2, IP_SRV, 64, 0, 0, &t);
}

static void build(void)
{
    for (size_t i = 0; i < sizeof big; i++)
        big[i] = (uint8_t)(i * 7 + 3);
    l4 t;
    frame *f;
    /* IPv4 TCP, various ports and sizes */
    v4(MAC_B, 6, 40000, 80, 0);
    v4(MAC_B, 6, 40001, 443, 100);
    v4(MAC_B, 6, 40002, 22, 10);
    v4(MAC_B, 6, 40003, 8080, 33);
    v4(MAC_B, 6, 40004, 7, 5);
    /* IPv4 UDP, with and without checksum, and to the echo port */
    v4(MAC_B, 17, 5353, 53, 12);
    f = new_frame();
    eth(f, MAC_B, MAC_A, 0, 0, 0, 0, 0x0800);
    t = (l4){ 17, 5353, 53, PAY, 20, 1 };
    ipv4(f, IP_H2, IP_SRV, 64, 0, 0, &t);
    v4(MAC_B, 17, 6000, 7, 9);
    /* ICMP, IPv4 options, fragments, TTL 1 */
    v4(MAC_B, 1, 0, 0, 16);
    f = new_frame();
    eth(f, MAC_B, MAC_A, 0, 0, 0, 0, 0x0800);
    t = (l4){ 6, 1234, 80, PAY, 8, 0 };
    ipv4(f, IP_H1, IP_SRV, 64, 0, 1, &t);
    f = new_frame();
    eth(f, MAC_B, MAC_A, 0, 0, 0, 0, 0x0800);
    t = (l4){ 17, 1234, 53, PAY, 40, 0 };
    ipv4(f, IP_H1, IP_SRV, 64, 0x2000, 0, &t); /* MF, offset 0 */
    f = new_frame();
    eth(f, MAC_B, MAC_A, 0, 0, 0, 0, 0x0800);
    t = (l4){ 17, 1234, 53, PAY, 40, 0 };
    ipv4(f, IP_H1, IP_SRV, 64, 0x0005, 0, &t); /* offset 40 */
    f = new_frame();
    eth(f, MAC_B, MAC_A, 0, 0, 0, 0, 0x0800);
    t = (l4){ 6, 1234, 80, PAY, 0, 0 };
    ipv4(f, IP_H2, IP_SRV, 1, 0x4000, 0, &t);
    /* IPv6 */
    f = new_frame();
    eth(f, MAC_B, MAC_A, 0, 0, 0, 0, 0x86dd);
    t = (l4){ 6, 50000, 80, PAY, 0, 0 };
    ipv6(f, IP6_A, IP6_S, 0, &t);
    f = new_frame();
    eth(f, MAC_B, MAC_A, 0, 0, 0, 0, 0x86dd);
    t = (l4){ 17, 50001, 53, PAY, 30, 0 };
    ipv6(f, IP6_A, IP6_S, 0, &t);
    f = new_frame();
    eth(f, MAC_B, MAC_A, 0, 0, 0, 0, 0x86dd);
    t = (l4){ 58, 0, 0, PAY, 8, 0 };
    ipv6(f, IP6_A, IP6_S, 0, &t);
    f = new_frame();
    eth(f, MAC_B, MAC_A, 0, 0, 0, 0, 0x86dd);
    t = (l4){ 6, 50002, 8080, PAY, 4, 0 };
    ipv6(f, IP6_A, IP6_S, 1, &t);
    /* VLAN and QinQ */
    f = new_frame();
    eth(f, MAC_B, MAC_A, 0x8100, 100, 0, 0, 0x0800);
    t = (l4){ 17, 7000, 53, PAY, 10, 0 };
    ipv4(f, IP_H2, IP_SRV, 64, 0, 0, &t);
    f = new_frame();
    eth(f, MAC_B, MAC_A, 0x8100, 0x2064, 0, 0, 0x86dd);
    t = (l4){ 6, 7001, 443, PAY, 0, 0 };
    ipv6(f, IP6_A, IP6_S, 0, &t);
    f = new_frame();
    eth(f, MAC_B, MAC_A, 0x88a8, 10, 0x8100, 20, 0x0800);
    t = (l4){ 6, 7002, 8080, PAY, 0, 0 };
    ipv4(f, IP_H1, IP_SRV, 64, 0, 0, &t);
    /* ARP request, multicast, zero destination MAC */
    f = new_frame();
    eth(f, MAC_BCAST, MAC_A, 0, 0, 0, 0, 0x0806);
    put16(f, 1), put16(f, 0x0800), put8(f, 6), put8(f, 4), put16(f, 1);
    put(f, MAC_A, 6), put(f, IP_H1, 4), put(f, MAC_ZERO, 6), put(f, IP_SRV, 4);
    while (f->n < 60)
        put8(f, 0);
    f = new_frame();
    eth(f, MAC_MCAST, MAC_A, 0, 0, 0, 0, 0x0800);
    t = (l4){ 17, 5353, 5353, PAY, 20, 0 };
    ipv4(f, IP_H1, IP_MC, 255, 0, 0, &t);
    v4(MAC_ZERO, 17, 1000, 2000, 3);
    /* runts */
    static const size_t runts[] = { 1, 10, 13, 14, 20, 34 };
    for (size_t i = 0; i < sizeof runts / sizeof *runts; i++) {
        frame tmp;
        memset(&tmp, 0, sizeof tmp);
        eth(&tmp, MAC_B, MAC_A, 0, 0, 0, 0, 0x0800);
        l4 u = { 6, 1, 80, PAY, 0, 0 };
        ipv4(&tmp, IP_H1, IP_SRV, 64, 0, 0, &u);
        f = new_frame();
        put(f, tmp.b, runts[i]);
    }
    /* an IPv6 frame cut inside its 40-byte header */
    {
        frame tmp;
        memset(&tmp, 0, sizeof tmp);
        eth(&tmp, MAC_B, MAC_A, 0, 0, 0, 0, 0x86dd);
        l4 u = { 17, 1, 53, PAY, 0, 0 };
        ipv6(&tmp, IP6_A, IP6_S, 0, &u);
        f = new_frame();
        put(f, tmp.b, 34);
    }
    /* maximum sizes: 1514 (untagged), 1518 (tagged), 9014 (jumbo) */
    v4(MAC_B, 17, 4000, 4001, 1514 - 14 - 20 - 8);
    f = new_frame();
    eth(f, MAC_B, MAC_A, 0x8100, 5, 0, 0, 0x0800);
    t = (l4){ 6, 4002, 4003, big, 1518 - 18 - 20 - 20, 0 };
    ipv4(f, IP_H1, IP_SRV, 64, 0, 0, &t);
    v4(MAC_B, 6, 4004, 4005, 9014 - 14 - 20 - 20);

    /* command packets (UDP payload of 40 bytes: frame of 82 bytes) */
    cmd(0, 0, 40);
    static const int32_t heads[] = { 14, -14, -4, -216, -217, 0, 68, 69, 5000, -5000 };
    for (size_t i = 0; i < sizeof heads / sizeof *heads; i++)
        cmd(1, heads[i], 40);
    /* frame 82 bytes: data may grow to 4096-256-320 = 3520, shrink to 14 */
    static const int32_t tails[] = { -10, 64, -68, -69, 3438, 3439, 0, -100000 };
    for (size_t i = 0; i < sizeof tails / sizeof *tails; i++)
        cmd(2, tails[i], 40);
    static const int32_t metas[] = { -4, -8, -32, -36, -3, 4, 0 };
    for (size_t i = 0; i < sizeof metas / sizeof *metas; i++)
        cmd(3, metas[i], 40);
    cmd(4, 20, 40);
    cmd(4, -20, 40);
    cmd(5, 0, 40);
    cmd(6, 3, 40);
    cmd(7, 3, 40);
    cmd(8, 0, 40);
    cmd(8, 0, 4);
    cmd(9, 0, 40);
    cmd(10, 0, 40);
}

/* ---- pcap writing ------------------------------------------------------------------ */

static uint32_t sw32(uint32_t v) { return __builtin_bswap32(v); }
static uint16_t sw16(uint16_t v) { return __builtin_bswap16(v); }

static void hdr(FILE *f, uint32_t magic, uint32_t linktype, int swap)
{
    uint32_t h[6] = { magic, 2 | (4u << 16), 0, 0, 262144, linktype };
    if (swap) {
        h[0] = sw32(magic);
        uint16_t v[2] = { sw16(2), sw16(4) };
        memcpy(&h[1], v, 4);
        h[4] = sw32(h[4]);
        h[5] = sw32(h[5]);
    }
    fwrite(h, 4, 6, f);
}

static void rec(FILE *f, size_t i, const uint8_t *p, uint32_t caplen, uint32_t len, int ns, int swap)
{
    uint32_t r[4] = { 1700000000u + (uint32_t)i, (uint32_t)i * (ns ? 1000000u : 1000u), caplen, len };
    if (swap)
        for (int k = 0; k < 4; k++)
            r[k] = sw32(r[k]);
    fwrite(r, 4, 4, f);
    fwrite(p, 1, caplen, f);
}

static FILE *open_out(const char *dir, const char *name)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    if (!f) {
        perror(path);
        exit(1);
    }
    return f;
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: gen_pcap OUTDIR\n");
        return 2;
    }
    const char *dir = argv[1];
    build();
    FILE *f = open_out(dir, "packets.pcap");
    hdr(f, 0xa1b2c3d4, 1, 0);
    for (size_t i = 0; i < nframes; i++)
        rec(f, i, frames[i].b, (uint32_t)frames[i].n, (uint32_t)frames[i].n, 0, 0);
    fclose(f);

    f = open_out(dir, "packets_ns.pcap");
    hdr(f, 0xa1b23c4d, 1, 0);
    for (size_t i = 0; i < 8; i++)
        rec(f, i, frames[i].b, (uint32_t)frames[i].n, (uint32_t)frames[i].n, 1, 0);
    fclose(f);

    f = open_out(dir, "packets_be.pcap");
    hdr(f, 0xa1b2c3d4, 1, 1);
    for (size_t i = 0; i < 8; i++)
        rec(f, i, frames[i].b, (uint32_t)frames[i].n, (uint32_t)frames[i].n, 0, 1);
    fclose(f);

    /* redirect.pcap: frame 0 with every (map, flags, key) that progs/redirect_map.c
     * reads from the destination MAC: byte 3 the map, byte 4 the flags, byte 5 the key */
    f = open_out(dir, "redirect.pcap");
    hdr(f, 0xa1b2c3d4, 1, 0);
    {
        static const uint8_t flags[] = { 0, 1, 2, 3, 4, 8, 0x10, 0x18, 0x1b };
        static const uint8_t keys[] = { 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 15, 16, 0x0b, 0x2a, 0x2b, 0xff };
        size_t i = 0;
        for (unsigned m = 0; m < 4; m++)
            for (size_t fl = 0; fl < sizeof flags; fl++)
                for (size_t k = 0; k < sizeof keys; k++) {
                    uint8_t b[9100];
                    memcpy(b, frames[0].b, frames[0].n);
                    b[3] = (uint8_t)m, b[4] = flags[fl], b[5] = keys[k];
                    rec(f, i++, b, (uint32_t)frames[0].n, (uint32_t)frames[0].n, 0, 0);
                }
    }
    fclose(f);

    f = open_out(dir, "empty.pcap");
    hdr(f, 0xa1b2c3d4, 1, 0);
    fclose(f);

    /* a capture with a snap length: records shorter than the packet on the wire */
    f = open_out(dir, "snapped.pcap");
    hdr(f, 0xa1b2c3d4, 1, 0);
    for (size_t i = 0; i < 4; i++)
        rec(f, i, frames[i].b, 40, (uint32_t)frames[i].n, 0, 0);
    fclose(f);

    f = open_out(dir, "bad_trunc_header.pcap");
    uint32_t h[6] = { 0xa1b2c3d4, 2 | (4u << 16), 0, 0, 262144, 1 };
    fwrite(h, 1, 10, f);
    fclose(f);

    f = open_out(dir, "bad_magic.pcap");
    hdr(f, 0xdeadbeef, 1, 0);
    rec(f, 0, frames[0].b, (uint32_t)frames[0].n, (uint32_t)frames[0].n, 0, 0);
    fclose(f);

    f = open_out(dir, "bad_trunc_record.pcap");
    hdr(f, 0xa1b2c3d4, 1, 0);
    rec(f, 0, frames[0].b, (uint32_t)frames[0].n, (uint32_t)frames[0].n, 0, 0);
    {
        uint32_t r1[4] = { 1700000001u, 0, 60, 60 }; /* claims 60 bytes, holds 30 */
        fwrite(r1, 4, 4, f);
        fwrite(frames[1].b, 1, 30, f);
    }
    fclose(f);

    f = open_out(dir, "bad_linktype.pcap"); /* LINKTYPE_RAW: IPv4 without Ethernet */
    hdr(f, 0xa1b2c3d4, 101, 0);
    rec(f, 0, frames[0].b + 14, (uint32_t)frames[0].n - 14, (uint32_t)frames[0].n - 14, 0, 0);
    fclose(f);

    f = open_out(dir, "bad_caplen.pcap"); /* a record claiming 2 GiB */
    hdr(f, 0xa1b2c3d4, 1, 0);
    uint32_t r[4] = { 1700000000u, 0, 0x7fffffff, 0x7fffffff };
    fwrite(r, 4, 4, f);
    fwrite(frames[0].b, 1, frames[0].n, f);
    fclose(f);

    printf("gen_pcap: %zu frames\n", nframes);
    return 0;
}
