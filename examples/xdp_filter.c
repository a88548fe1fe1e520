// SPDX-License-Identifier: GPL-2.0 OR MIT
/* xdp_filter.c — the example XDP program of bpfvm's README: parses Ethernet
 * (with one optional VLAN tag), IPv4 and IPv6, TCP and UDP; counts packets and
 * bytes per source address in a hash map; drops packets to a configured port
 * (blocked_port, a read-only global the host may change before loading), and
 * counts verdicts in an array.
 *   clang -O2 -g -target bpf -mcpu=v3 -c xdp_filter.c -o xdp_filter.o
 *   bpfvm test-run xdp_filter.o --pcap traffic.pcap --maps
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/tcp.h>
#include <linux/udp.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

struct addr_key {
    __u8 family; /* 4 or 6 */
    __u8 pad[3];
    __u8 addr[16];
};

struct traffic {
    __u64 packets;
    __u64 bytes;
};

struct {
    __uint(type, BPF_MAP_TYPE_HASH);
    __uint(max_entries, 1024);
    __type(key, struct addr_key);
    __type(value, struct traffic);
} by_source SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __uint(max_entries, 5); /* XDP_ABORTED .. XDP_REDIRECT */
    __type(key, __u32);
    __type(value, __u64);
} verdicts SEC(".maps");

const volatile __u16 blocked_port = 8080;

struct vlan_hdr {
    __be16 tci;
    __be16 proto;
};

static __always_inline int verdict(int action)
{
    __u32 k = action;
    __u64 *n = bpf_map_lookup_elem(&verdicts, &k);
    if (n)
        __sync_fetch_and_add(n, 1);
    return action;
}

static __always_inline void count(struct addr_key *key, __u64 len)
{
    struct traffic *t = bpf_map_lookup_elem(&by_source, key);
    if (t) {
        __sync_fetch_and_add(&t->packets, 1);
        __sync_fetch_and_add(&t->bytes, len);
    } else {
        struct traffic first = { 1, len };
        bpf_map_update_elem(&by_source, key, &first, BPF_NOEXIST);
    }
}

/* Destination port of a TCP or UDP header at l4, or 0. */
static __always_inline __u16 dest_port(void *l4, void *end, __u8 proto)
{
    if (proto == IPPROTO_TCP) {
        struct tcphdr *th = l4;
        if ((void *)(th + 1) > end)
            return 0;
        return bpf_ntohs(th->dest);
    }
    if (proto == IPPROTO_UDP) {
        struct udphdr *uh = l4;
        if ((void *)(uh + 1) > end)
            return 0;
        return bpf_ntohs(uh->dest);
    }
    return 0;
}

SEC("xdp")
int xdp_filter(struct xdp_md *ctx)
{
    void *data = (void *)(long)ctx->data;
    void *end = (void *)(long)ctx->data_end;
    struct ethhdr *eth = data;
    if ((void *)(eth + 1) > end)
        return verdict(XDP_DROP); /* runt frame */

    __u16 proto = bpf_ntohs(eth->h_proto);
    void *l3 = eth + 1;
    if (proto == ETH_P_8021Q) {
        struct vlan_hdr *vh = l3;
        if ((void *)(vh + 1) > end)
            return verdict(XDP_DROP);
        proto = bpf_ntohs(vh->proto);
        l3 = vh + 1;
    }

    struct addr_key key = {};
    __u16 port = 0;
    if (proto == ETH_P_IP) {
        struct iphdr *ip = l3;
        if ((void *)(ip + 1) > end || ip->ihl < 5)
            return verdict(XDP_DROP);
        key.family = 4;
        __builtin_memcpy(key.addr, &ip->saddr, 4);
        port = dest_port((void *)ip + ip->ihl * 4, end, ip->protocol);
    } else if (proto == ETH_P_IPV6) {
        struct ipv6hdr *ip6 = l3;
        if ((void *)(ip6 + 1) > end)
            return verdict(XDP_DROP);
        key.family = 6;
        __builtin_memcpy(key.addr, &ip6->saddr, 16);
        port = dest_port(ip6 + 1, end, ip6->nexthdr);
    } else {
        return verdict(XDP_PASS); /* ARP and friends */
    }

    count(&key, (__u64)(end - data));
    if (port && port == blocked_port)
        return verdict(XDP_DROP);
    return verdict(XDP_PASS);
}

char LICENSE[] SEC("license") = "Dual MIT/GPL";
