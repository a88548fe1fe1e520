/* packet.c — packets and their contexts (see packet.h): allocation below 4 GiB,
 * struct xdp_md / struct __sk_buff built from the packet the way the kernel's
 * BPF_PROG_TEST_RUN builds them, the regions a checked run may touch, and
 * bpfvm_run_packet.
 */
#define _GNU_SOURCE
#include "rt/packet.h"
#include "rt/progtype.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

/* Maps size bytes below 4 GiB, so that u32 context fields can hold addresses. */
static uint8_t *lowmem_map(size_t size)
{
#ifdef MAP_32BIT
    void *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_32BIT, -1, 0);
#else
    void *p = mmap((void *)(uintptr_t)0x40000000, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
#endif
    if (p == MAP_FAILED)
        return NULL;
    if ((uintptr_t)p + size > UINT32_MAX) {
        munmap(p, size);
        return NULL;
    }
    return p;
}

static size_t frame_size_for(size_t len)
{
    size_t need = PKT_HEADROOM + len + PKT_TAILROOM;
    return need <= PKT_FRAME ? PKT_FRAME : (need + 4095) & ~(size_t)4095;
}

bpfvm_packet *bpfvm_packet_new(void)
{
    bpfvm_packet *p = calloc(1, sizeof *p);
    if (!p)
        return NULL;
    p->frame = lowmem_map(PKT_FRAME);
    if (!p->frame) {
        free(p);
        return NULL;
    }
    p->frame_size = PKT_FRAME;
    p->data_hard_end = PKT_FRAME - PKT_TAILROOM;
    p->meta = p->data = p->data_end = p->frame + PKT_HEADROOM;
    p->ifindex = 1; /* the kernel's test run uses the loopback device */
    return p;
}

void bpfvm_packet_free(bpfvm_packet *p)
{
    if (!p)
        return;
    munmap(p->frame, p->frame_size);
    free(p);
}

int bpfvm_packet_set(bpfvm_packet *p, const void *data, size_t len, bpfvm_error *err)
{
    if (len > (64u << 20))
        return bpfvm_fail(err, BPFVM_E_INVALID, -1, "packet of %zu bytes is too large", len);
    size_t fs = frame_size_for(len);
    if (fs != p->frame_size) {
        uint8_t *f = lowmem_map(fs);
        if (!f)
            return bpfvm_fail(err, BPFVM_E_NOMEM, -1, "cannot map a %zu-byte packet frame below 4 GiB", fs);
        munmap(p->frame, p->frame_size);
        p->frame = f;
        p->frame_size = fs;
    }
    p->data_hard_end = p->frame_size - PKT_TAILROOM;
    memset(p->frame, 0, p->frame_size);
    p->meta = p->data = p->frame + PKT_HEADROOM;
    memcpy(p->data, data, len);
    p->data_end = p->data + len;
    p->redirected = false;
    return 0;
}

bool bpfvm_packet_redirect(const bpfvm_packet *p, bpfvm_redirect *out)
{
    if (!p || !p->redirected)
        return false;
    if (out)
        *out = p->redirect;
    return true;
}

const uint8_t *bpfvm_packet_data(const bpfvm_packet *p, size_t *len)
{
    *len = (size_t)(p->data_end - p->data);
    return p->data;
}

void bpfvm_packet_set_ifindex(bpfvm_packet *p, uint32_t ifindex, uint32_t rx_queue)
{
    p->ifindex = ifindex;
    p->rx_queue = rx_queue;
}

static void put32(bpfvm_packet *p, unsigned off, uint32_t v) { memcpy((uint8_t *)p->ctx + off, &v, 4); }
static uint32_t addr32(const uint8_t *a) { return (uint32_t)(uintptr_t)a; }

/* eth_type_trans's pkt_type for a frame received on the loopback device of the
 * kernel's test run: its address and its broadcast address are both
 * 00:00:00:00:00:00, so ff:ff:ff:ff:ff:ff is PACKET_MULTICAST there, never
 * PACKET_BROADCAST (checked against BPF_PROG_TEST_RUN by tests/obj). */
static uint32_t pkt_type_of(const uint8_t *eth)
{
    static const uint8_t zero[6];
    if (!memcmp(eth, zero, 6))
        return 0; /* PACKET_HOST */
    if (eth[0] & 1)
        return 2; /* PACKET_MULTICAST */
    return 3; /* PACKET_OTHERHOST */
}

void packet_sync(bpfvm_packet *p)
{
    const progtype_info *pt = progtype_get(p->type);
    size_t n = 0;
    uint64_t ctx = (uint64_t)(uintptr_t)p->ctx;
    if (p->type == BPFVM_PROG_XDP) {
        put32(p, 0, addr32(p->data));
        put32(p, 4, addr32(p->data_end));
        put32(p, 8, addr32(p->meta));
        put32(p, 12, p->ifindex);
        put32(p, 16, p->rx_queue);
        put32(p, 20, 0);
    } else {
        put32(p, 76, addr32(p->data));
        put32(p, 80, addr32(p->data_end));
        put32(p, 140, addr32(p->data));
        put32(p, 0, (uint32_t)(p->data_end - p->data));
    }
    /* writable context fields first: the first region containing an access decides */
    for (size_t i = 0; pt && i < pt->nfields && n < 6; i++) {
        const ctx_field *f = &pt->fields[i];
        if (f->writable && !(p->type == BPFVM_PROG_SOCKET_FILTER && f->off < 48))
            p->regions[n++] = (bpfvm_region){ ctx + f->off, f->size, true };
    }
    p->regions[n++] = (bpfvm_region){ ctx, pt ? pt->ctx_size : 0, false };
    p->regions[n++] = (bpfvm_region){ (uint64_t)(uintptr_t)p->meta, (uint64_t)(p->data_end - p->meta),
                                      p->type != BPFVM_PROG_SOCKET_FILTER };
    p->nregions = n;
}

/* The __sk_buff fields that do not follow the packet pointers. */
static void skb_init(bpfvm_packet *p, const uint8_t *l2, size_t l2len)
{
    memset(p->ctx, 0, sizeof p->ctx);
    uint16_t proto = 0;
    if (l2len >= PKT_ETH_HLEN) {
        memcpy(&proto, l2 + 12, 2); /* network byte order, as skb->protocol */
        put32(p, 4, pkt_type_of(l2));
    }
    put32(p, 16, proto);
    put32(p, 36, p->ifindex == 1 ? 0 : p->ifindex); /* ingress_ifindex: skb_iif */
    put32(p, 40, p->ifindex);
    put32(p, 160, (uint32_t)l2len); /* wire_len */
}

int run_packet_prepare(bpfvm_prog *prog, bpfvm_packet *p, bpfvm_error *err)
{
    const progtype_info *pt = progtype_get(prog->type);
    if (!pt || !pt->runnable || !pt->packet)
        return bpfvm_fail(err, BPFVM_E_UNSUPPORTED, -1,
                          "program '%s' of type %s cannot run on packets here (XDP, socket filter and tc can)",
                          prog->name, bpfvm_prog_type_name(prog->type));
    p->type = prog->type;
    p->redirected = false;
    if (p->type == BPFVM_PROG_XDP) {
        memset(p->ctx, 0, sizeof p->ctx);
        p->skb_off = 0;
    } else {
        size_t len = (size_t)(p->data_end - p->data);
        skb_init(p, p->data, len);
        /* socket filters see the packet from its network header (eth_type_trans pulled
         * the Ethernet header), tc programs from the Ethernet header */
        p->skb_off = (p->type == BPFVM_PROG_SOCKET_FILTER && len >= PKT_ETH_HLEN) ? PKT_ETH_HLEN : 0;
        p->data += p->skb_off;
        p->meta = p->data;
    }
    packet_sync(p);
    return 0;
}

void run_packet_finish(bpfvm_packet *p)
{
    if (p->type != BPFVM_PROG_XDP) {
        p->data -= p->skb_off;
        p->meta = p->data;
        p->skb_off = 0;
    }
}
