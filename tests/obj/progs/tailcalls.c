// SPDX-License-Identifier: GPL-2.0
/* tailcalls.c — tail calls through a prog array initialised in the object
 * (.rel.maps): a program that tail-calls itself until the limit (33 tail calls:
 * 34 runs per packet), a chain of distinct programs, and a call to an empty slot
 * (falls through). Counts go to .bss.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

__u64 self_runs, chain_a, chain_b, chain_c, fallthrough, misses;

int tc_self(struct xdp_md *ctx);
int tc_chain_b(struct xdp_md *ctx);
int tc_chain_c(struct xdp_md *ctx);

struct {
    __uint(type, BPF_MAP_TYPE_PROG_ARRAY);
    __uint(max_entries, 8);
    __uint(key_size, sizeof(__u32));
    __array(values, int(struct xdp_md *));
} jmp SEC(".maps") = {
    .values = {
        [0] = (void *)&tc_self,
        [1] = (void *)&tc_chain_b,
        [2] = (void *)&tc_chain_c,
    },
};

SEC("xdp")
int tc_self(struct xdp_md *ctx)
{
    self_runs++;
    bpf_tail_call(ctx, &jmp, 0);
    /* reached once per packet: when the limit stops the 34th call */
    fallthrough++;
    return XDP_PASS;
}

SEC("xdp")
int tc_chain_a(struct xdp_md *ctx)
{
    chain_a++;
    bpf_tail_call(ctx, &jmp, 5); /* empty slot: falls through */
    misses++;
    bpf_tail_call(ctx, &jmp, 100); /* out of range: falls through */
    misses++;
    bpf_tail_call(ctx, &jmp, 1);
    return XDP_ABORTED; /* not reached */
}

SEC("xdp")
int tc_chain_b(struct xdp_md *ctx)
{
    chain_b++;
    bpf_tail_call(ctx, &jmp, 2);
    return XDP_ABORTED;
}

SEC("xdp")
int tc_chain_c(struct xdp_md *ctx)
{
    chain_c++;
    return (ctx->data_end - ctx->data) > 100 ? XDP_DROP : XDP_TX;
}

char LICENSE[] SEC("license") = "GPL";
