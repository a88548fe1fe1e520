// SPDX-License-Identifier: GPL-2.0
/* ringbuf.c — the ring buffer helpers on every packet: bpf_ringbuf_output of a
 * record, bpf_ringbuf_reserve + submit (even sequence numbers) or + discard (odd),
 * and bpf_ringbuf_query; the host consumes the records after the capture.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "shared.h"

struct {
    __uint(type, BPF_MAP_TYPE_RINGBUF);
    __uint(max_entries, 4096);
} rb SEC(".maps");

__u32 seq;
__s64 output_rcs, reserve_fails;
__u64 avail_after, ring_size;

SEC("xdp")
int ringbuf(struct xdp_md *ctx)
{
    __u8 *d = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
    __u32 s = seq++;
    struct rb_rec r = { .seq = s, .len = (__u32)(end - d) };
    if (d + 16 <= end)
        __builtin_memcpy(r.head, d, 16);
    output_rcs += bpf_ringbuf_output(&rb, &r, sizeof r, 0);

    struct rb_rec *p = bpf_ringbuf_reserve(&rb, sizeof(*p), 0);
    if (!p) {
        reserve_fails++;
        return XDP_PASS;
    }
    p->seq = s | 0x80000000;
    p->len = r.len;
    __builtin_memset(p->head, 0xab, sizeof p->head);
    if (s & 1)
        bpf_ringbuf_discard(p, 0);
    else
        bpf_ringbuf_submit(p, 0);
    avail_after = bpf_ringbuf_query(&rb, BPF_RB_AVAIL_DATA);
    ring_size = bpf_ringbuf_query(&rb, BPF_RB_RING_SIZE);
    return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
