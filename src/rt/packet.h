/* packet.h — a packet and the context a packet program sees. The frame lives
 * below 4 GiB (MAP_32BIT on Linux x86-64) so that the u32 fields data, data_end
 * and data_meta of struct xdp_md and struct __sk_buff hold real addresses: a
 * program reading ctx->data as a 32-bit field gets a working pointer, in the
 * interpreter and in the JIT alike, with no rewriting of the program.
 * Layout (Linux XDP): [frame | 256 headroom | meta | data ... data_end | tailroom].
 */
#ifndef BPFVM_PACKET_H
#define BPFVM_PACKET_H

#include "rt/vm.h"

#define PKT_HEADROOM 256u       /* XDP_PACKET_HEADROOM */
#define PKT_FRAME 4096u         /* one page, as the kernel's test run uses */
#define PKT_TAILROOM 320u       /* sizeof(struct skb_shared_info) kept free at the end */
#define PKT_XDP_FRAME_HDR 40u   /* sizeof(struct xdp_frame): adjust_head may not go below */
#define PKT_META_MAX 255u       /* u8 skb_shared_info.meta_len, as Linux 6.18 (older kernels: 32) */
#define PKT_ETH_HLEN 14u

struct bpfvm_packet {
    uint8_t *frame;           /* below 4 GiB */
    size_t frame_size;        /* bytes mapped at frame */
    size_t data_hard_end;     /* offset where the data may end at most */
    uint8_t *meta, *data, *data_end;
    uint32_t ifindex, rx_queue;
    bpfvm_prog_type type;     /* of the run in progress */
    size_t skb_off;           /* socket filters: the skb starts past the Ethernet header */
    bool redirected;          /* the last bpf_redirect / bpf_redirect_map set a target */
    bpfvm_redirect redirect;
    uint64_t ctx[24];         /* struct xdp_md or struct __sk_buff (192 bytes) */
    bpfvm_region regions[8];  /* what the program may touch: writable ctx fields first */
    size_t nregions;
};

/* Rebuilds the context fields and regions from meta/data/data_end. */
void packet_sync(struct bpfvm_packet *pkt);



/* Before a run: set the context up for prog's type (fails for types that cannot
 * run on packets); after: restore the packet's own view (socket filters saw it
 * from the network header). */
int run_packet_prepare(bpfvm_prog *prog, struct bpfvm_packet *pkt, bpfvm_error *err);
void run_packet_finish(struct bpfvm_packet *pkt);
#endif
