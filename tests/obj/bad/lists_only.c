// SPDX-License-Identifier: GPL-2.0
/* What a real object may hold that bpfvm lacks: an LPM trie (XDP blocklists), a
 * stack trace map and bpf_get_stackid (profilers). The object loads and lists;
 * the programs that use them cannot run; the others run. */
#include <linux/bpf.h>
#include <linux/ptrace.h>
#include <bpf/bpf_helpers.h>

struct v4_prefix {
    __u32 prefixlen;
    __u32 addr;
};

struct {
    __uint(type, BPF_MAP_TYPE_LPM_TRIE);
    __uint(max_entries, 16);
    __type(key, struct v4_prefix);
    __type(value, __u32);
    __uint(map_flags, BPF_F_NO_PREALLOC);
} blocklist SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_STACK_TRACE);
    __uint(max_entries, 64);
    __uint(key_size, sizeof(__u32));
    __uint(value_size, 127 * sizeof(__u64));
} stacks SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __uint(max_entries, 1);
    __type(key, __u32);
    __type(value, __u64);
} count SEC(".maps");

SEC("xdp")
int firewall(struct xdp_md *ctx)
{
    __u8 *d = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
    if (d + 34 > end)
        return XDP_PASS;
    struct v4_prefix k = { 32, *(__u32 *)(d + 26) };
    return bpf_map_lookup_elem(&blocklist, &k) ? XDP_DROP : XDP_PASS;
}

SEC("kprobe/do_sys_openat2")
int profile(struct pt_regs *regs)
{
    return (int)bpf_get_stackid(regs, &stacks, 0);
}

SEC("xdp")
int counter(struct xdp_md *ctx)
{
    (void)ctx;
    __u32 k = 0;
    __u64 *v = bpf_map_lookup_elem(&count, &k);
    if (v)
        *v += 1;
    return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
