// SPDX-License-Identifier: GPL-2.0
/* xdp_rewrite.c — the packet-changing XDP helpers, driven by "command" packets
 * (UDP to CMD_PORT + op, s32 parameter first in the payload, see shared.h):
 * bpf_xdp_adjust_head / adjust_tail / adjust_meta at and beyond their limits,
 * writes, MAC swap + XDP_TX, bpf_redirect, bpf_csum_diff, the context fields.
 * Each helper's return code goes to `rets` at the packet's sequence number, so a
 * capture leaves the same map in the kernel and in bpfvm. Other packets pass.
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/udp.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include "shared.h"

struct {
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __uint(max_entries, 128);
    __type(key, __u32);
    __type(value, __s64);
} rets SEC(".maps");

__u32 seq; /* .bss: packet sequence number */

struct ctx_seen {
    __u32 ingress_ifindex, rx_queue_index, data_len, meta_len;
} seen; /* .bss */

static __always_inline void ret(__u32 s, long v)
{
    __s64 *p = bpf_map_lookup_elem(&rets, &s);
    if (p)
        *p = v;
}

SEC("xdp")
int xdp_rewrite(struct xdp_md *ctx)
{
    __u32 s = seq++;
    void *data = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
    struct ethhdr *eth = data;
    if ((void *)(eth + 1) > end || eth->h_proto != bpf_htons(ETH_P_IP))
        return XDP_PASS;
    struct iphdr *ip = (void *)(eth + 1);
    if ((void *)(ip + 1) > end || ip->ihl != 5 || ip->protocol != IPPROTO_UDP)
        return XDP_PASS;
    struct udphdr *uh = (void *)(ip + 1);
    __u8 *pay = (void *)(uh + 1);
    if (pay + 4 > (__u8 *)end)
        return XDP_PASS;
    __u32 op = bpf_ntohs(uh->dest) - CMD_PORT;
    __s32 param = (__s32)(pay[0] | (__u32)pay[1] << 8 | (__u32)pay[2] << 16 | (__u32)pay[3] << 24);
    long rc;

    switch (op) {
    case OP_PASS:
        return XDP_PASS;
    case OP_ADJUST_HEAD:
        rc = bpf_xdp_adjust_head(ctx, param);
        ret(s, rc);
        if (rc)
            return XDP_DROP;
        data = (void *)(long)ctx->data;
        end = (void *)(long)ctx->data_end;
        if (param < 0 && data + 12 <= end) { /* a new header: mark it */
            __u8 *d = data;
            d[0] = 0xee;
            d[11] = (__u8)param;
        }
        return XDP_TX;
    case OP_ADJUST_TAIL:
        rc = bpf_xdp_adjust_tail(ctx, param);
        ret(s, rc);
        return rc ? XDP_DROP : XDP_TX;
    case OP_ADJUST_META: {
        rc = bpf_xdp_adjust_meta(ctx, param);
        ret(s, rc);
        if (rc)
            return XDP_DROP;
        __u32 *meta = (void *)(long)ctx->data_meta;
        data = (void *)(long)ctx->data;
        seen.meta_len = (__u32)(data - (void *)meta);
        if ((void *)(meta + 1) <= data) {
            *meta = 0xfeedf00d;
            ret(s, *meta);
        }
        return XDP_PASS;
    }
    case OP_HEAD_TAIL:
        rc = bpf_xdp_adjust_head(ctx, param);
        if (!rc)
            rc = bpf_xdp_adjust_tail(ctx, -param) * 1000;
        ret(s, rc);
        return XDP_TX;
    case OP_SWAP_MAC: {
        __u8 tmp[6];
        __builtin_memcpy(tmp, eth->h_dest, 6);
        __builtin_memcpy(eth->h_dest, eth->h_source, 6);
        __builtin_memcpy(eth->h_source, tmp, 6);
        return XDP_TX;
    }
    case OP_REDIRECT:
        rc = bpf_redirect(param, 0);
        ret(s, rc);
        return rc;
    case OP_REDIRECT_BAD:
        rc = bpf_redirect(param, 1);
        ret(s, rc);
        return rc;
    case OP_XOR_PAYLOAD: {
        int i;
#pragma unroll
        for (i = 0; i < 16; i++) {
            if (pay + i + 1 > (__u8 *)end)
                break;
            pay[i] ^= 0xff;
        }
        ret(s, i);
        return XDP_TX;
    }
    case OP_CSUM_DIFF: {
        /* the sum over the IPv4 header, checksum included, folds to 0xffff */
        rc = bpf_csum_diff(0, 0, (void *)ip, sizeof(*ip), 0);
        __u32 c = (__u32)rc;
        c = (c & 0xffff) + (c >> 16);
        c = (c & 0xffff) + (c >> 16);
        ret(s, ((long)c << 32) | (__u32)rc);
        return XDP_PASS;
    }
    case OP_CTX:
        seen.ingress_ifindex = ctx->ingress_ifindex;
        seen.rx_queue_index = ctx->rx_queue_index;
        seen.data_len = (__u32)(end - data);
        ret(s, ctx->ingress_ifindex);
        return XDP_PASS;
    default:
        return XDP_PASS;
    }
}

char LICENSE[] SEC("license") = "GPL";
