// SPDX-License-Identifier: GPL-2.0
/* c_xdp.c — XDP programs in C: header parsing with bounds checks against
 * data_end (and the classic mistakes: a missing check, a check one byte short,
 * a variable offset not re-checked), VLAN and IP options, metadata, counters. */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/tcp.h>
#include <linux/udp.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

struct {
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __uint(max_entries, 256);
    __type(key, __u32);
    __type(value, __u64);
} proto_count SEC(".maps");

//@ case eth_ok
//@ expect accept
SEC("xdp") int eth_ok(struct xdp_md *ctx)
{
    void *data = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
    struct ethhdr *eth = data;
    if ((void *)(eth + 1) > end)
        return XDP_DROP;
    return eth->h_proto == bpf_htons(ETH_P_IP) ? XDP_PASS : XDP_DROP;
}

//@ case eth_unchecked
//@ expect reject 1: R1 pointer to packet: read of 1 byte at offset 12 is not proven to be inside the packet: compare the pointer with data_end first
SEC("xdp") int eth_unchecked(struct xdp_md *ctx)
{
    struct ethhdr *eth = (void *)(long)ctx->data;
    return eth->h_proto == bpf_htons(ETH_P_IP) ? XDP_PASS : XDP_DROP;
}

//@ case eth_check_short
//@ expect reject 6: R1 pointer to packet: read of 1 byte at offset 12 goes past the 12 bytes proven by comparing with data_end
SEC("xdp") int eth_check_short(struct xdp_md *ctx)
{
    void *data = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
    struct ethhdr *eth = data;
    if (data + 12 > end)
        return XDP_DROP;
    return eth->h_proto == bpf_htons(ETH_P_IP) ? XDP_PASS : XDP_DROP;
}

//@ case ipv4_ok
//@ expect accept
SEC("xdp") int ipv4_ok(struct xdp_md *ctx)
{
    void *data = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
    struct ethhdr *eth = data;
    struct iphdr *ip = (void *)(eth + 1);
    if ((void *)(ip + 1) > end)
        return XDP_PASS;
    if (eth->h_proto != bpf_htons(ETH_P_IP))
        return XDP_PASS;
    __u32 k = ip->protocol;
    __u64 *n = bpf_map_lookup_elem(&proto_count, &k);
    if (n)
        __sync_fetch_and_add(n, 1);
    return XDP_PASS;
}

//@ case ipv4_header_unchecked
// the check covers Ethernet only
//@ expect reject 6: R1 pointer to packet: read of 1 byte at offset 23 goes past the 14 bytes proven by comparing with data_end
SEC("xdp") int ipv4_header_unchecked(struct xdp_md *ctx)
{
    void *data = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
    struct ethhdr *eth = data;
    if ((void *)(eth + 1) > end)
        return XDP_PASS;
    struct iphdr *ip = (void *)(eth + 1);
    return ip->protocol == IPPROTO_TCP ? XDP_DROP : XDP_PASS;
}

//@ case tcp_with_ip_options_ok
// the IP header length is variable: the TCP header is checked after it
//@ expect accept
SEC("xdp") int tcp_with_ip_options_ok(struct xdp_md *ctx)
{
    void *data = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
    struct ethhdr *eth = data;
    struct iphdr *ip = (void *)(eth + 1);
    if ((void *)(ip + 1) > end || eth->h_proto != bpf_htons(ETH_P_IP) || ip->protocol != IPPROTO_TCP)
        return XDP_PASS;
    __u32 ihl = ip->ihl * 4;
    if (ihl < sizeof(*ip))
        return XDP_DROP;
    struct tcphdr *tcp = (void *)ip + ihl;
    if ((void *)(tcp + 1) > end)
        return XDP_PASS;
    return tcp->dest == bpf_htons(22) ? XDP_DROP : XDP_PASS;
}

//@ case tcp_with_ip_options_unchecked
// the TCP header sits at a variable offset that was never checked
//@ expect reject 16: R1 pointer to packet: read of 2 bytes at offset 16 is not proven to be inside the packet: compare the pointer with data_end first
SEC("xdp") int tcp_with_ip_options_unchecked(struct xdp_md *ctx)
{
    void *data = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
    struct ethhdr *eth = data;
    struct iphdr *ip = (void *)(eth + 1);
    if ((void *)(ip + 1) + sizeof(struct tcphdr) > end || eth->h_proto != bpf_htons(ETH_P_IP))
        return XDP_PASS;
    struct tcphdr *tcp = (void *)ip + ip->ihl * 4;
    return tcp->dest == bpf_htons(22) ? XDP_DROP : XDP_PASS;
}

//@ case vlan_ok
//@ expect accept
SEC("xdp") int vlan_ok(struct xdp_md *ctx)
{
    void *data = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
    struct ethhdr *eth = data;
    if ((void *)(eth + 1) > end)
        return XDP_DROP;
    __u16 proto = eth->h_proto;
    void *next = eth + 1;
    if (proto == bpf_htons(ETH_P_8021Q)) {
        __u16 *tag = next;
        if ((void *)(tag + 2) > end)
            return XDP_DROP;
        proto = tag[1];
        next = tag + 2;
    }
    if (proto != bpf_htons(ETH_P_IPV6))
        return XDP_PASS;
    struct ipv6hdr *ip6 = next;
    if ((void *)(ip6 + 1) > end)
        return XDP_DROP;
    return ip6->nexthdr == IPPROTO_UDP ? XDP_TX : XDP_PASS;
}

//@ case swap_macs_ok
//@ expect accept
SEC("xdp") int swap_macs_ok(struct xdp_md *ctx)
{
    void *data = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
    struct ethhdr *eth = data;
    if ((void *)(eth + 1) > end)
        return XDP_DROP;
    unsigned char tmp[ETH_ALEN];
    __builtin_memcpy(tmp, eth->h_source, ETH_ALEN);
    __builtin_memcpy(eth->h_source, eth->h_dest, ETH_ALEN);
    __builtin_memcpy(eth->h_dest, tmp, ETH_ALEN);
    return XDP_TX;
}

//@ case payload_byte_at_packet_index_ok
// an index read from the packet, masked, and checked again
//@ expect accept
SEC("xdp") int payload_byte_at_packet_index_ok(struct xdp_md *ctx)
{
    void *data = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
    __u8 *p = data;
    if (p + 1 > (__u8 *)end)
        return XDP_DROP;
    __u32 idx = p[0] & 63;
    __u8 *q = p + idx;
    if (q + 1 > (__u8 *)end)
        return XDP_DROP;
    return *q ? XDP_PASS : XDP_DROP;
}

//@ case payload_byte_at_packet_index_unmasked
// the index is a full byte: checked against the packet, but the access is 1 past
//@ expect reject 10: R1 pointer to packet: read of 1 byte at offset 1 goes past the 1 byte proven by comparing with data_end
SEC("xdp") int payload_byte_at_packet_index_unmasked(struct xdp_md *ctx)
{
    void *data = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
    __u8 *p = data;
    if (p + 1 > (__u8 *)end)
        return XDP_DROP;
    __u8 *q = p + p[0];
    if (q + 1 > (__u8 *)end)
        return XDP_DROP;
    return q[1] ? XDP_PASS : XDP_DROP;
}

//@ case metadata_ok
//@ expect accept
SEC("xdp") int metadata_ok(struct xdp_md *ctx)
{
    if (bpf_xdp_adjust_meta(ctx, -4))
        return XDP_PASS;
    void *meta = (void *)(long)ctx->data_meta, *data = (void *)(long)ctx->data;
    __u32 *m = meta;
    if ((void *)(m + 1) > data)
        return XDP_PASS;
    *m = 0xcafe;
    return XDP_PASS;
}

//@ case adjust_head_keeps_old_pointer
// the Ethernet pointer from before bpf_xdp_adjust_head is stale
//@ expect reject 9: R7 is no longer a pointer: bpf_xdp_adjust_head at instruction 7 may have moved the packet: load ctx->data and data_end again and check the bounds again
SEC("xdp") int adjust_head_keeps_old_pointer(struct xdp_md *ctx)
{
    void *data = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
    struct ethhdr *eth = data;
    if ((void *)(eth + 1) > end)
        return XDP_DROP;
    if (bpf_xdp_adjust_head(ctx, -4))
        return XDP_DROP;
    return eth->h_proto == 0 ? XDP_DROP : XDP_PASS;
}

//@ case encap_ok
//@ expect accept
SEC("xdp") int encap_ok(struct xdp_md *ctx)
{
    if (bpf_xdp_adjust_head(ctx, -(int)sizeof(struct ethhdr)))
        return XDP_DROP;
    void *data = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
    struct ethhdr *outer = data, *inner = data + sizeof(struct ethhdr);
    if ((void *)(inner + 1) > end)
        return XDP_DROP;
    __builtin_memcpy(outer, inner, sizeof(*outer));
    outer->h_proto = bpf_htons(0x88b5);
    return XDP_TX;
}

//@ case count_by_proto_index_ok
//@ expect accept
SEC("xdp") int count_by_proto_index_ok(struct xdp_md *ctx)
{
    void *data = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
    struct iphdr *ip = data + sizeof(struct ethhdr);
    if ((void *)(ip + 1) > end)
        return XDP_PASS;
    __u32 k = ip->protocol;
    __u64 *n = bpf_map_lookup_elem(&proto_count, &k);
    if (!n)
        return XDP_ABORTED;
    *n += ip->tot_len;
    return XDP_PASS;
}

//@ case counter_without_null_check
//@ expect reject 7: R0 may be NULL: check the result of bpf_map_lookup_elem against NULL before the read
SEC("xdp") int counter_without_null_check(struct xdp_md *ctx)
{
    __u32 k = ctx->rx_queue_index;
    __u64 *n = bpf_map_lookup_elem(&proto_count, &k);
    *n += 1;
    return XDP_PASS;
}

//@ case loop_over_header_bytes_ok
//@ expect accept
SEC("xdp") int loop_over_header_bytes_ok(struct xdp_md *ctx)
{
    void *data = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
    __u8 *p = data;
    if (p + 64 > (__u8 *)end)
        return XDP_PASS;
    __u32 sum = 0;
    for (int i = 0; i < 64; i++)
        sum += p[i];
    return sum & 1 ? XDP_DROP : XDP_PASS;
}

//@ case loop_over_header_bytes_past
//@ expect reject 10: R4 pointer to packet: read of 1 byte at offset 64 goes past the 64 bytes proven by comparing with data_end
SEC("xdp") int loop_over_header_bytes_past(struct xdp_md *ctx)
{
    void *data = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
    volatile __u8 *p = data;
    if (p + 64 > (__u8 *)end)
        return XDP_PASS;
    __u32 sum = 0;
    for (int i = 0; i <= 64; i++)
        sum += p[i];
    return sum & 1 ? XDP_DROP : XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
