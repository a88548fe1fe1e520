// SPDX-License-Identifier: GPL-2.0
/* c_tc.c — tc classifiers: direct packet access checked against data_end, writes
 * of mark, priority, tc_classid, packet-modifying helpers that invalidate the
 * packet pointers, redirects. */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/in.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

//@ case classify_ok
//@ expect accept
SEC("tc") int classify_ok(struct __sk_buff *skb)
{
    void *data = (void *)(long)skb->data, *end = (void *)(long)skb->data_end;
    struct ethhdr *eth = data;
    struct iphdr *ip = (void *)(eth + 1);
    if ((void *)(ip + 1) > end)
        return TC_ACT_OK;
    skb->mark = ip->tos;
    skb->priority = ip->ttl;
    skb->tc_classid = ip->protocol;
    return TC_ACT_OK;
}

//@ case classify_unchecked
//@ expect reject 1: R2 pointer to packet: read of 1 byte at offset 15 is not proven to be inside the packet: compare the pointer with data_end first
SEC("tc") int classify_unchecked(struct __sk_buff *skb)
{
    struct iphdr *ip = (void *)(long)skb->data + sizeof(struct ethhdr);
    skb->mark = ip->tos;
    return TC_ACT_OK;
}

//@ case set_tos_with_csum_ok
//@ expect accept
SEC("tc") int set_tos_with_csum_ok(struct __sk_buff *skb)
{
    void *data = (void *)(long)skb->data, *end = (void *)(long)skb->data_end;
    struct iphdr *ip = data + sizeof(struct ethhdr);
    if ((void *)(ip + 1) > end)
        return TC_ACT_OK;
    __u8 old = ip->tos, tos = 0x10;
    bpf_l3_csum_replace(skb, sizeof(struct ethhdr) + 10, bpf_htons(old), bpf_htons(tos), 2);
    bpf_skb_store_bytes(skb, sizeof(struct ethhdr) + 1, &tos, 1, 0);
    return TC_ACT_OK;
}

//@ case header_after_store_bytes
// bpf_skb_store_bytes may move the packet: ip is stale
//@ expect reject 15: R7 is no longer a pointer: bpf_skb_store_bytes at instruction 14 may have moved the packet: load ctx->data and data_end again and check the bounds again
SEC("tc") int header_after_store_bytes(struct __sk_buff *skb)
{
    void *data = (void *)(long)skb->data, *end = (void *)(long)skb->data_end;
    struct iphdr *ip = data + sizeof(struct ethhdr);
    if ((void *)(ip + 1) > end)
        return TC_ACT_OK;
    __u8 tos = 0x10;
    bpf_skb_store_bytes(skb, sizeof(struct ethhdr) + 1, &tos, 1, 0);
    return ip->ttl > 1 ? TC_ACT_OK : TC_ACT_SHOT;
}

//@ case write_packet_ok
//@ expect accept
SEC("tc") int write_packet_ok(struct __sk_buff *skb)
{
    void *data = (void *)(long)skb->data, *end = (void *)(long)skb->data_end;
    struct ethhdr *eth = data;
    if ((void *)(eth + 1) > end)
        return TC_ACT_SHOT;
    eth->h_dest[0] = 0x02;
    return TC_ACT_OK;
}

//@ case redirect_ok
//@ expect accept
SEC("tc") int redirect_ok(struct __sk_buff *skb)
{
    return bpf_redirect(skb->ifindex, 0);
}

//@ case write_len
//@ expect reject 1: invalid context access: field 'len' of the sched_cls context is read-only
SEC("tc") int write_len(struct __sk_buff *skb)
{
    skb->len = 0;
    return TC_ACT_OK;
}

//@ case tstamp_ok
//@ expect accept
SEC("tc") int tstamp_ok(struct __sk_buff *skb)
{
    skb->tstamp = skb->tstamp + 1000;
    return TC_ACT_OK;
}

//@ case meta_ok
//@ expect accept
SEC("tc") int meta_ok(struct __sk_buff *skb)
{
    void *meta = (void *)(long)skb->data_meta, *data = (void *)(long)skb->data;
    __u32 *m = meta;
    if ((void *)(m + 1) > data)
        return TC_ACT_OK;
    skb->mark = *m;
    return TC_ACT_OK;
}

//@ case vlan_variable_offset_ok
//@ expect accept
SEC("tc") int vlan_variable_offset_ok(struct __sk_buff *skb)
{
    void *data = (void *)(long)skb->data, *end = (void *)(long)skb->data_end;
    struct ethhdr *eth = data;
    if ((void *)(eth + 1) > end)
        return TC_ACT_OK;
    __u32 off = sizeof(*eth);
    if (eth->h_proto == bpf_htons(ETH_P_8021Q))
        off += 4;
    struct iphdr *ip = data + off;
    if ((void *)(ip + 1) > end)
        return TC_ACT_OK;
    return ip->ttl ? TC_ACT_OK : TC_ACT_SHOT;
}

char LICENSE[] SEC("license") = "GPL";
