// SPDX-License-Identifier: GPL-2.0
/* c_ringbuf.c — ring buffers from C: reserve, fill, submit or discard on every
 * path; forgetting the NULL check, leaking a record, writing past it, using it
 * after submitting. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct {
    __uint(type, BPF_MAP_TYPE_RINGBUF);
    __uint(max_entries, 4096);
} rb SEC(".maps");

struct rec {
    __u64 ts;
    __u32 len;
    __u32 ifindex;
};

//@ case reserve_submit_ok
//@ expect accept
SEC("xdp") int reserve_submit_ok(struct xdp_md *ctx)
{
    struct rec *r = bpf_ringbuf_reserve(&rb, sizeof *r, 0);
    if (!r)
        return XDP_PASS;
    r->ts = bpf_ktime_get_ns();
    r->len = ctx->data_end - ctx->data;
    r->ifindex = ctx->ingress_ifindex;
    bpf_ringbuf_submit(r, 0);
    return XDP_PASS;
}

//@ case reserve_unchecked
//@ expect reject 6: R0 may be NULL: check the result of bpf_ringbuf_reserve against NULL before the write
SEC("xdp") int reserve_unchecked(struct xdp_md *ctx)
{
    struct rec *r = bpf_ringbuf_reserve(&rb, sizeof *r, 0);
    r->ts = 1;
    bpf_ringbuf_submit(r, 0);
    return XDP_PASS;
}

//@ case reserve_leaked_on_error_path
//@ expect reject 18: the ring buffer record reserved at instruction 5 is neither submitted nor discarded on this path
SEC("xdp") int reserve_leaked_on_error_path(struct xdp_md *ctx)
{
    struct rec *r = bpf_ringbuf_reserve(&rb, sizeof *r, 0);
    if (!r)
        return XDP_PASS;
    if (ctx->rx_queue_index > 4)
        return XDP_DROP;
    r->ts = 0;
    bpf_ringbuf_submit(r, 0);
    return XDP_PASS;
}

//@ case discard_on_error_path_ok
//@ expect accept
SEC("xdp") int discard_on_error_path_ok(struct xdp_md *ctx)
{
    struct rec *r = bpf_ringbuf_reserve(&rb, sizeof *r, 0);
    if (!r)
        return XDP_PASS;
    if (ctx->rx_queue_index > 4) {
        bpf_ringbuf_discard(r, 0);
        return XDP_DROP;
    }
    r->ts = 0;
    bpf_ringbuf_submit(r, 0);
    return XDP_PASS;
}

//@ case write_past_record
//@ expect reject 7: R0 pointer to a ring buffer record: write of 8 bytes at offset 16 is outside its 16 bytes
SEC("xdp") int write_past_record(struct xdp_md *ctx)
{
    __u64 *r = bpf_ringbuf_reserve(&rb, 16, 0);
    if (!r)
        return XDP_PASS;
    r[2] = 1;
    bpf_ringbuf_submit(r, 0);
    return XDP_PASS;
}

//@ case use_after_submit
//@ expect reject 11: R6 is no longer a pointer: bpf_ringbuf_submit at instruction 9 released the ring buffer record it pointed to
SEC("xdp") int use_after_submit(struct xdp_md *ctx)
{
    struct rec *r = bpf_ringbuf_reserve(&rb, sizeof *r, 0);
    if (!r)
        return XDP_PASS;
    bpf_ringbuf_submit(r, 0);
    r->len = 0;
    return XDP_PASS;
}

//@ case output_copy_ok
//@ expect accept
SEC("xdp") int output_copy_ok(struct xdp_md *ctx)
{
    struct rec r = { .ts = bpf_ktime_get_ns(), .ifindex = ctx->ingress_ifindex };
    bpf_ringbuf_output(&rb, &r, sizeof r, 0);
    return XDP_PASS;
}

//@ case record_copy_packet_ok
//@ expect accept
SEC("xdp") int record_copy_packet_ok(struct xdp_md *ctx)
{
    void *data = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
    if (data + 14 > end)
        return XDP_PASS;
    __u8 *r = bpf_ringbuf_reserve(&rb, 14, 0);
    if (!r)
        return XDP_PASS;
    __builtin_memcpy(r, data, 14);
    bpf_ringbuf_submit(r, 0);
    return XDP_PASS;
}

//@ case reserve_variable_size
//@ expect reject 6: R2: bpf_ringbuf_reserve needs a constant size
SEC("xdp") int reserve_variable_size(struct xdp_md *ctx)
{
    __u8 *r = bpf_ringbuf_reserve(&rb, (ctx->rx_queue_index & 15) + 1, 0);
    if (!r)
        return XDP_PASS;
    r[0] = 1;
    bpf_ringbuf_submit(r, 0);
    return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
