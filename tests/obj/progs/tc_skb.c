// SPDX-License-Identifier: GPL-2.0
/* tc_skb.c — a tc classifier that rewrites packets through the sk_buff helpers:
 * bpf_skb_load_bytes, bpf_skb_store_bytes, bpf_l3_csum_replace and
 * bpf_l4_csum_replace (with and without the pseudo header, with a csum_diff
 * difference, and BPF_F_MARK_MANGLED_0 for UDP), context fields (read and write),
 * and bpf_redirect. IPv4 TCP/UDP is NATed to 10.99.0.1 with TTL - 1 and valid
 * checksums; TTL <= 1 is dropped; ARP is redirected; the echo port gets its ports
 * swapped with skb_store_bytes. What the program saw is kept per packet.
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/in.h>
#include <linux/pkt_cls.h>
#include <linux/tcp.h>
#include <linux/udp.h>
#include <stddef.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include "shared.h"

struct {
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __uint(max_entries, 128);
    __type(key, __u32);
    __type(value, struct skb_seen);
} seen SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __uint(max_entries, 128);
    __type(key, __u32);
    __type(value, __s64);
} rets SEC(".maps");

__u32 seq;

#define IP_OFF ETH_HLEN
#define IP_CSUM_OFF (IP_OFF + offsetof(struct iphdr, check))
#define IP_DST_OFF (IP_OFF + offsetof(struct iphdr, daddr))
#define IP_TTL_OFF (IP_OFF + offsetof(struct iphdr, ttl))
#define L4_OFF (IP_OFF + sizeof(struct iphdr))

SEC("tc")
int tc_skb(struct __sk_buff *skb)
{
    __u32 s = seq++;
    struct skb_seen v = {};
    v.len = skb->len;
    v.protocol = skb->protocol;
    v.pkt_type = skb->pkt_type;
    v.vlan_present = skb->vlan_present;
    v.ifindex = skb->ifindex;
    v.ingress_ifindex = skb->ingress_ifindex;
    v.mark = skb->mark;
    v.data_len = (__u32)(skb->data_end - skb->data);
    v.load_rc = (__u32)bpf_skb_load_bytes(skb, 12, &v.first_word, 4);
    bpf_map_update_elem(&seen, &s, &v, BPF_ANY);

    skb->mark = 0x1234 + s;
    skb->priority = 7;
    skb->cb[0] = s;

    if (skb->protocol == bpf_htons(ETH_P_ARP))
        return bpf_redirect(2, 0);
    if (skb->protocol != bpf_htons(ETH_P_IP))
        return TC_ACT_OK;

    struct iphdr ip;
    if (bpf_skb_load_bytes(skb, IP_OFF, &ip, sizeof ip) || ip.ihl != 5 || (ip.frag_off & bpf_htons(0x3fff)))
        return TC_ACT_UNSPEC;
    if (ip.ttl <= 1)
        return TC_ACT_SHOT;
    long rc = 0;
    /* TTL - 1: a 16-bit replace of the ttl/protocol word */
    __u16 old_w = *(__u16 *)&ip.ttl, new_w;
    ip.ttl--;
    new_w = *(__u16 *)&ip.ttl;
    rc |= bpf_l3_csum_replace(skb, IP_CSUM_OFF, old_w, new_w, 2);
    rc |= bpf_skb_store_bytes(skb, IP_TTL_OFF, &ip.ttl, 1, 0);

    if (ip.protocol != IPPROTO_TCP && ip.protocol != IPPROTO_UDP) {
        __s64 r = rc;
        bpf_map_update_elem(&rets, &s, &r, BPF_ANY);
        return TC_ACT_OK;
    }
    __u32 new_dst = bpf_htonl(0x0a630001); /* 10.99.0.1 */
    __u32 csum_off = L4_OFF + (ip.protocol == IPPROTO_TCP ? offsetof(struct tcphdr, check)
                                                          : offsetof(struct udphdr, check));
    __u16 ports[2];
    rc |= bpf_skb_load_bytes(skb, L4_OFF, ports, 4) * 100;
    if (ports[1] == bpf_htons(53)) {
        /* the L4 checksum through a csum_diff difference (size 0) */
        __s64 diff = bpf_csum_diff(&ip.daddr, 4, &new_dst, 4, 0);
        rc |= bpf_l4_csum_replace(skb, csum_off, 0, diff,
                                  BPF_F_PSEUDO_HDR | (ip.protocol == IPPROTO_UDP ? BPF_F_MARK_MANGLED_0 : 0));
    } else {
        rc |= bpf_l4_csum_replace(skb, csum_off, ip.daddr, new_dst,
                                  BPF_F_PSEUDO_HDR | 4 | (ip.protocol == IPPROTO_UDP ? BPF_F_MARK_MANGLED_0 : 0));
    }
    rc |= bpf_l3_csum_replace(skb, IP_CSUM_OFF, ip.daddr, new_dst, 4);
    rc |= bpf_skb_store_bytes(skb, IP_DST_OFF, &new_dst, 4, 0);
    if (ports[1] == bpf_htons(7)) { /* echo: swap the ports (the checksum does not change) */
        __u16 sw[2] = { ports[1], ports[0] };
        rc |= bpf_skb_store_bytes(skb, L4_OFF, sw, 4, 0);
    }
    /* out of range: -EFAULT */
    __u8 b;
    __s64 r = rc | ((__s64)bpf_skb_load_bytes(skb, skb->len, &b, 1) << 32);
    bpf_map_update_elem(&rets, &s, &r, BPF_ANY);
    return TC_ACT_OK;
}

char LICENSE[] SEC("license") = "GPL";
