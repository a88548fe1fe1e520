// SPDX-License-Identifier: GPL-2.0
/* perf_output.c — bpf_perf_event_output into BPF_MAP_TYPE_PERF_EVENT_ARRAY maps
 * (one without max_entries: the loader gives it one entry per CPU, as libbpf),
 * from XDP and socket filter programs, with packet bytes appended (the upper 32
 * bits of flags), and each error Linux gives; bpf_printk with five arguments
 * (bpf_trace_vprintk). The return codes are summed in perf_rcs[PERF_RC_*]. A
 * kprobe program of the same kind loads and lists, but does not run here.
 * In the kernel differential no perf event is open: every output gives -ENOENT
 * there (and in bpfvm, whose entries are empty too unless the host opens them).
 */
#include <linux/bpf.h>
#include <linux/ptrace.h>
#include <bpf/bpf_helpers.h>
#include "shared.h"

struct {
    __uint(type, BPF_MAP_TYPE_PERF_EVENT_ARRAY);
    __uint(key_size, sizeof(__u32));
    __uint(value_size, sizeof(__u32));
} events SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_PERF_EVENT_ARRAY);
    __uint(max_entries, 4);
    __type(key, int);
    __type(value, __u32);
} events4 SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __uint(max_entries, PERF_RC_N);
    __type(key, __u32);
    __type(value, __s64);
} perf_rcs SEC(".maps");

__u16 seq;

static __always_inline void add_rc(__u32 k, long rc)
{
    __s64 *v = bpf_map_lookup_elem(&perf_rcs, &k);
    if (v)
        *v += rc;
}

SEC("xdp")
int xdp_perf(struct xdp_md *ctx)
{
    __u8 *d = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
    if (d + 14 > end)
        return XDP_DROP;
    struct perf_rec r = { .len = (__u32)(end - d), .proto = *(__u16 *)(d + 12), .seq = seq++ };
    add_rc(PERF_RC_CURRENT, bpf_perf_event_output(ctx, &events, BPF_F_CURRENT_CPU, &r, sizeof r));
    add_rc(PERF_RC_CTXLEN, bpf_perf_event_output(ctx, &events, BPF_F_CURRENT_CPU | (14ull << 32), &r, sizeof r));
    add_rc(PERF_RC_INDEX, bpf_perf_event_output(ctx, &events4, 3, &r, sizeof r));
    add_rc(PERF_RC_E2BIG, bpf_perf_event_output(ctx, &events4, 9, &r, sizeof r));
    add_rc(PERF_RC_EFAULT, bpf_perf_event_output(ctx, &events, BPF_F_CURRENT_CPU | (0xfffffull << 32), &r, sizeof r));
    add_rc(PERF_RC_EINVAL, bpf_perf_event_output(ctx, &events, 1ull << 60, &r, sizeof r));
    if (r.seq < 2)
        add_rc(PERF_RC_VPRINTK, bpf_printk("perf %u %u %x %d %s", r.seq, r.len, r.proto, -1, "end"));
    return XDP_PASS;
}

SEC("socket")
int sock_perf(struct __sk_buff *skb)
{
    __u32 len = skb->len;
    add_rc(PERF_RC_SKB, bpf_perf_event_output(skb, &events, BPF_F_CURRENT_CPU | (64ull << 32), &len, sizeof len));
    return (int)len;
}

SEC("kprobe/do_sys_openat2")
int kp_perf(struct pt_regs *regs)
{
    __u64 arg = regs->rsi;
    bpf_perf_event_output(regs, &events, BPF_F_CURRENT_CPU, &arg, sizeof arg);
    return 0;
}

char LICENSE[] SEC("license") = "GPL";
