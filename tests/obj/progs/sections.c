// SPDX-License-Identifier: GPL-2.0
/* sections.c — programs of many types in one object: kprobe, kretprobe,
 * tracepoint, raw tracepoint, perf event (load and list only: they cannot run
 * here), and socket, tc, classifier, xdp (two programs in one section) and
 * xdp.frags, which run. Tracing programs use the tracing helpers.
 */
#include <linux/bpf.h>
#include <linux/ptrace.h>
#include <bpf/bpf_helpers.h>

struct {
    __uint(type, BPF_MAP_TYPE_HASH);
    __uint(max_entries, 128);
    __type(key, __u32);
    __type(value, __u64);
} events SEC(".maps");

static __always_inline void count(__u32 k)
{
    __u64 one = 1, *v = bpf_map_lookup_elem(&events, &k);
    if (v)
        __sync_fetch_and_add(v, 1);
    else
        bpf_map_update_elem(&events, &k, &one, BPF_ANY);
}

SEC("kprobe/do_sys_openat2")
int kp_open(struct pt_regs *regs)
{
    char name[32];
    bpf_probe_read_user_str(name, sizeof name, (void *)regs->rsi);
    count(bpf_get_current_pid_tgid() >> 32);
    return 0;
}

SEC("kretprobe/do_sys_openat2")
int krp_open(struct pt_regs *regs)
{
    count((__u32)regs->rax);
    return 0;
}

SEC("tracepoint/syscalls/sys_enter_write")
int tp_write(void *ctx)
{
    __u64 fd = 0;
    bpf_probe_read_kernel(&fd, sizeof fd, ctx + 16);
    count((__u32)fd);
    return 0;
}

SEC("raw_tp/sched_switch")
int rtp_switch(__u64 *ctx)
{
    (void)ctx;
    count(bpf_get_smp_processor_id());
    return 0;
}

SEC("perf_event")
int pe_sample(void *ctx)
{
    (void)ctx;
    count(1);
    return 0;
}

SEC("socket")
int sock_all(struct __sk_buff *skb)
{
    count(100);
    return skb->len;
}

SEC("tc")
int tc_ok(struct __sk_buff *skb)
{
    (void)skb;
    count(101);
    return 0;
}

SEC("classifier")
int cls_shot(struct __sk_buff *skb)
{
    (void)skb;
    count(102);
    return 2;
}

SEC("xdp")
int xdp_one(struct xdp_md *ctx)
{
    (void)ctx;
    count(103);
    return XDP_PASS;
}

SEC("xdp")
int xdp_two(struct xdp_md *ctx)
{
    (void)ctx;
    count(104);
    return XDP_DROP;
}

SEC("xdp.frags")
int xdp_frags(struct xdp_md *ctx)
{
    (void)ctx;
    count(105);
    return XDP_TX;
}

char LICENSE[] SEC("license") = "GPL";
