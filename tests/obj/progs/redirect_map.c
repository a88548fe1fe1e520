// SPDX-License-Identifier: GPL-2.0
/* redirect_map.c — bpf_redirect_map. bpfvm has no device maps: a key present in
 * the map (any type with 4-byte keys) redirects, otherwise the low two bits of
 * flags are the verdict. Linux's verifier wants a devmap / cpumap / xskmap here,
 * so the kernel refuses this object (docs/runtime.md).
 * The interface is the destination port's low byte; flags the next byte.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct {
    __uint(type, BPF_MAP_TYPE_HASH);
    __uint(max_entries, 8);
    __type(key, __u32);
    __type(value, __u32);
} ports SEC(".maps");

SEC("xdp")
int redirect_map(struct xdp_md *ctx)
{
    __u8 *d = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
    if (d + 14 > end)
        return XDP_ABORTED;
    /* the key: the last byte of the destination MAC; flags: the byte before */
    return bpf_redirect_map(&ports, d[5], d[4]);
}

char LICENSE[] SEC("license") = "GPL";
