// SPDX-License-Identifier: GPL-2.0
/* socket_filter.c — a socket filter: the packet from its network header, read with
 * the legacy packet loads (BPF_LD_ABS / BPF_LD_IND through llvm.bpf.load.*) and
 * bpf_skb_load_bytes; keeps TCP whole, truncates UDP to 42 bytes, drops the rest,
 * counts verdicts and protocols.
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

unsigned long long load_byte(void *skb, unsigned long long off) asm("llvm.bpf.load.byte");
unsigned long long load_half(void *skb, unsigned long long off) asm("llvm.bpf.load.half");
unsigned long long load_word(void *skb, unsigned long long off) asm("llvm.bpf.load.word");

struct {
    __uint(type, BPF_MAP_TYPE_HASH);
    __uint(max_entries, 32);
    __type(key, __u32);
    __type(value, __u64);
} counts SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __uint(max_entries, 4);
    __type(key, __u32);
    __type(value, __u64);
} sums SEC(".maps");

static __always_inline void bump(__u32 k)
{
    __u64 one = 1, *v = bpf_map_lookup_elem(&counts, &k);
    if (v)
        __sync_fetch_and_add(v, 1);
    else
        bpf_map_update_elem(&counts, &k, &one, BPF_NOEXIST);
}

static __always_inline void add(__u32 k, __u64 x)
{
    __u64 *v = bpf_map_lookup_elem(&sums, &k);
    if (v)
        *v += x;
}

SEC("socket")
int socket_filter(struct __sk_buff *skb)
{
    add(0, skb->len);
    add(1, skb->pkt_type);
    if (skb->protocol == bpf_htons(ETH_P_IPV6)) {
        __u8 nh;
        if (bpf_skb_load_bytes(skb, 6, &nh, 1) == 0)
            bump(0x600 + nh);
        return 0;
    }
    if (skb->protocol != bpf_htons(ETH_P_IP)) {
        bump(skb->protocol);
        return 0;
    }
    __u32 proto = load_byte(skb, 9);
    __u32 ihl = (load_byte(skb, 0) & 0xf) * 4;
    bump(proto);
    add(2, load_word(skb, 12)); /* source address */
    if (proto == IPPROTO_TCP) {
        add(3, load_half(skb, ihl + 2)); /* destination port, an indirect load */
        return skb->len;
    }
    if (proto == IPPROTO_UDP)
        return 42;
    return 0;
}

char LICENSE[] SEC("license") = "GPL";
