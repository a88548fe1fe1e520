// SPDX-License-Identifier: GPL-2.0
/* redirect_map.c — bpf_redirect_map on the four kinds of redirect target: a devmap
 * (4-byte values: the ifindex), a devmap_hash (struct bpf_devmap_val), a cpumap
 * and an xskmap. The frame chooses: the last byte of the destination MAC is the
 * key, the byte before the flags, the low two bits of the one before the map.
 * A key with a target redirects (XDP_REDIRECT); otherwise the low two bits of the
 * flags are the verdict, unless a devmap is asked to broadcast (BPF_F_BROADCAST);
 * unknown flags abort. The host fills the maps (devmap entries 0, 2, 4, 6 and
 * 0x0b; devmap_hash keys 1, 0x0b, 0x2a; cpumap CPU 0; the xskmap stays empty: the
 * kernel side would need AF_XDP sockets).
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct {
    __uint(type, BPF_MAP_TYPE_DEVMAP);
    __uint(max_entries, 16);
    __type(key, __u32);
    __type(value, __u32);
} tx_port SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_DEVMAP_HASH);
    __uint(max_entries, 8);
    __type(key, __u32);
    __type(value, struct bpf_devmap_val);
} tx_hash SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_CPUMAP);
    __uint(max_entries, 4);
    __type(key, __u32);
    __type(value, struct bpf_cpumap_val);
} cpus SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_XSKMAP);
    __uint(max_entries, 4);
    __type(key, __u32);
    __type(value, __u32);
} xsks SEC(".maps");

SEC("xdp")
int redirect_map(struct xdp_md *ctx)
{
    __u8 *d = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
    if (d + 14 > end)
        return XDP_ABORTED;
    __u32 key = d[5];
    __u64 flags = d[4];
    switch (d[3] & 3) {
    case 0:
        return bpf_redirect_map(&tx_port, key, flags);
    case 1:
        return bpf_redirect_map(&tx_hash, key, flags);
    case 2:
        return bpf_redirect_map(&cpus, key, flags);
    default:
        return bpf_redirect_map(&xsks, key, flags);
    }
}

/* the lookups programs may make: a devmap entry (read-only) */
SEC("xdp")
int devmap_lookup(struct xdp_md *ctx)
{
    __u8 *d = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
    if (d + 14 > end)
        return XDP_ABORTED;
    __u32 key = d[5] & 15;
    __u32 *ifindex = bpf_map_lookup_elem(&tx_port, &key);
    return ifindex && *ifindex == 1 ? XDP_PASS : XDP_DROP;
}

char LICENSE[] SEC("license") = "GPL";
