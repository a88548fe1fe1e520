// SPDX-License-Identifier: GPL-2.0
/* calls.c — bpf-to-bpf calls: static subprograms several levels deep, global
 * (separately verified) subprograms, a subprogram shared by two programs, stack
 * pointers passed down, and bpf_loop with callbacks (nested, stopping early).
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

__u64 results[8];

static __noinline __u64 leaf(__u64 x) { return x * 3 + 1; }

static __noinline __u64 mid(__u64 x, __u64 *acc)
{
    *acc += leaf(x);
    return leaf(x + 1) ^ *acc;
}

static __noinline __u64 top(__u64 x)
{
    __u64 acc = 0;
    __u64 r = mid(x, &acc);
    r += mid(r & 0xff, &acc);
    return r + acc;
}

/* global: the kernel verifies it on its own, for any argument value */
__noinline int global_sub(int x)
{
    if (x > 1000 || x < -1000)
        return -1;
    return x * 2 + 5;
}

__noinline int global_ctx(struct xdp_md *ctx)
{
    if (!ctx)
        return 0;
    return ctx->data_end - ctx->data;
}

struct loop_ctx {
    __u64 sum;
    __u32 limit;
};

static int add_cb(__u32 i, struct loop_ctx *c)
{
    c->sum += i;
    return i >= c->limit; /* 1 stops the loop */
}

static int outer_cb(__u32 i, struct loop_ctx *c)
{
    struct loop_ctx inner = { 0, 1000 };
    bpf_loop(i + 1, add_cb, &inner, 0);
    c->sum += inner.sum;
    return 0;
}

SEC("xdp")
int calls(struct xdp_md *ctx)
{
    __u32 len = global_ctx(ctx);
    results[0] += top(len);
    results[1] += global_sub(len);
    results[2] += global_sub(len * 1000) & 0xff;
    struct loop_ctx lc = { 0, 5 };
    long n = bpf_loop(100, add_cb, &lc, 0);
    results[3] += n;        /* 6: stopped after i == 5 */
    results[4] += lc.sum;   /* 0+1+..+5 = 15 */
    lc.sum = 0;
    n = bpf_loop(len & 7, outer_cb, &lc, 0);
    results[5] += n + lc.sum;
    results[6] += bpf_loop(0, add_cb, &lc, 0);
    return XDP_PASS;
}

SEC("xdp")
int calls2(struct xdp_md *ctx)
{
    results[7] += leaf(global_ctx(ctx));
    return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
