// SPDX-License-Identifier: GPL-2.0
/* a prog array initialised with something that is not a program of the object */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

static __noinline int helper_fn(struct xdp_md *ctx) { return ctx->data == 0; }

struct {
    __uint(type, BPF_MAP_TYPE_PROG_ARRAY);
    __uint(max_entries, 2);
    __uint(key_size, sizeof(__u32));
    __array(values, int(struct xdp_md *));
} jmp SEC(".maps") = { .values = { [0] = (void *)&helper_fn } };

SEC("xdp")
int p(struct xdp_md *ctx)
{
    bpf_tail_call(ctx, &jmp, 0);
    return helper_fn(ctx);
}
char LICENSE[] SEC("license") = "GPL";
