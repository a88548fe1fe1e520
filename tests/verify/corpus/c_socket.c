// SPDX-License-Identifier: GPL-2.0
/* c_socket.c — socket filters: packet bytes through bpf_skb_load_bytes and the
 * legacy loads (no direct packet access), __sk_buff fields, cb[] scratch space,
 * and the return value (bytes to keep). */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/in.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

unsigned long long load_byte(void *skb, unsigned long long off) asm("llvm.bpf.load.byte");
unsigned long long load_half(void *skb, unsigned long long off) asm("llvm.bpf.load.half");
unsigned long long load_word(void *skb, unsigned long long off) asm("llvm.bpf.load.word");

//@ case keep_ipv4_tcp_ok
//@ expect accept
SEC("socket") int keep_ipv4_tcp_ok(struct __sk_buff *skb)
{
    struct iphdr ip;
    if (skb->protocol != bpf_htons(ETH_P_IP))
        return 0;
    if (bpf_skb_load_bytes(skb, 0, &ip, sizeof ip))
        return 0;
    return ip.protocol == IPPROTO_TCP ? skb->len : 0;
}

//@ case load_bytes_past_struct_inside_frame_ok
// 24 bytes into a 20-byte struct: C-wise a bug, but the bytes are inside the
// stack frame, which is all a verifier can check (Linux accepts it too)
//@ expect accept
SEC("socket") int load_bytes_past_struct_inside_frame_ok(struct __sk_buff *skb)
{
    struct iphdr ip;
    if (bpf_skb_load_bytes(skb, 0, &ip, sizeof ip + 4))
        return 0;
    return ip.ttl;
}

//@ case load_bytes_variable_length_ok
//@ expect accept
SEC("socket") int load_bytes_variable_length_ok(struct __sk_buff *skb)
{
    __u8 buf[32];
    __u32 n = (skb->len & 31) + 1;
    if (bpf_skb_load_bytes(skb, 0, buf, n))
        return 0;
    return buf[0];
}

//@ case direct_packet_access
// socket filters cannot read skb->data
//@ expect reject 1: invalid context access: socket_filter programs may not access packet data directly (field 'data_end'); use bpf_skb_load_bytes
SEC("socket") int direct_packet_access(struct __sk_buff *skb)
{
    void *data = (void *)(long)skb->data, *end = (void *)(long)skb->data_end;
    if (data + 1 > end)
        return 0;
    return *(__u8 *)data;
}

//@ case legacy_loads_ok
//@ expect accept
SEC("socket") int legacy_loads_ok(struct __sk_buff *skb)
{
    if (load_half(skb, 12) != ETH_P_IP)
        return 0;
    __u32 ihl = (load_byte(skb, 14) & 0xf) * 4;
    return load_word(skb, 14 + ihl) ? -1 : 0;
}

//@ case cb_scratch_ok
//@ expect accept
SEC("socket") int cb_scratch_ok(struct __sk_buff *skb)
{
    skb->cb[0] = skb->len;
    skb->cb[4] = skb->hash;
    return skb->cb[0] + skb->cb[4] ? -1 : 0;
}

//@ case write_mark
//@ expect reject 1: invalid context access: field 'mark' of the socket_filter context is read-only
SEC("socket") int write_mark(struct __sk_buff *skb)
{
    skb->mark = 1;
    return -1;
}

//@ case read_fields_ok
//@ expect accept
SEC("socket") int read_fields_ok(struct __sk_buff *skb)
{
    return skb->len + skb->pkt_type + skb->vlan_tci + skb->ifindex + skb->queue_mapping + skb->napi_id;
}

//@ case read_tc_classid
//@ expect reject 0: invalid context access: read of 4 bytes at offset 72: socket filters cannot access tc_classid, tstamp or wire_len
SEC("socket") int read_tc_classid(struct __sk_buff *skb)
{
    return skb->tc_classid;
}

//@ case stack_header_copy_index_ok
//@ expect accept
SEC("socket") int stack_header_copy_index_ok(struct __sk_buff *skb)
{
    __u8 hdr[20];
    if (bpf_skb_load_bytes(skb, 0, hdr, sizeof hdr))
        return 0;
    __u32 i = hdr[0] & 0xf;
    return hdr[i + 4];
}

//@ case stack_header_copy_index_past
//@ expect reject 13: R2 pointer to stack: read of 1 byte at fp-16..fp+15 may fall outside the 512-byte stack frame
SEC("socket") int stack_header_copy_index_past(struct __sk_buff *skb)
{
    __u8 hdr[20];
    if (bpf_skb_load_bytes(skb, 0, hdr, sizeof hdr))
        return 0;
    __u32 i = hdr[0] & 0x1f;
    return ((volatile __u8 *)hdr)[i + 4];
}

char LICENSE[] SEC("license") = "GPL";
