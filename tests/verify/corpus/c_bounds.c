// SPDX-License-Identifier: GPL-2.0
/* c_bounds.c — indexes computed in C and the bounds the compiler's comparisons
 * prove: unsigned and signed checks, 32-bit arithmetic, masks, clamping, and the
 * ways they go wrong (signed index without a lower bound, a check on the wrong
 * variable, an off-by-one). */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct {
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __uint(max_entries, 1);
    __type(key, __u32);
    __type(value, __u8[256]);
} buf SEC(".maps");

static __always_inline __u8 *value(void)
{
    __u32 k = 0;
    return bpf_map_lookup_elem(&buf, &k);
}

//@ case unsigned_check_ok
//@ expect accept
SEC("socket") int unsigned_check_ok(struct __sk_buff *skb)
{
    __u8 *v = value();
    __u32 i = skb->len;
    if (!v || i >= 256)
        return 0;
    return v[i];
}

//@ case unsigned_check_off_by_one
//@ expect reject 12: R0 pointer to map value of 'buf': read of 1 byte at offsets 0..256 may fall outside the 256-byte value
SEC("socket") int unsigned_check_off_by_one(struct __sk_buff *skb)
{
    __u8 *v = value();
    __u32 i = skb->len;
    if (!v || i > 256)
        return 0;
    return v[i];
}

//@ case signed_without_lower_bound
//@ expect reject 13: R0: the pointer to map value would get an unbounded offset: R1 has no lower bound (it may be negative); compare it against a limit first
SEC("socket") int signed_without_lower_bound(struct __sk_buff *skb)
{
    __u8 *v = value();
    int i = (int)skb->hash;
    if (!v || i >= 256)
        return 0;
    return v[i];
}

//@ case signed_with_both_bounds_ok
//@ expect accept
SEC("socket") int signed_with_both_bounds_ok(struct __sk_buff *skb)
{
    __u8 *v = value();
    int i = (int)skb->hash;
    if (!v || i >= 256 || i < 0)
        return 0;
    return v[i];
}

//@ case mask_ok
//@ expect accept
SEC("socket") int mask_ok(struct __sk_buff *skb)
{
    __u8 *v = value();
    return v ? v[skb->hash & 0xff] : 0;
}

//@ case mask_too_wide
//@ expect reject 12: R0 pointer to map value of 'buf': read of 1 byte at offsets 0..511 may fall outside the 256-byte value
SEC("socket") int mask_too_wide(struct __sk_buff *skb)
{
    __u8 *v = value();
    return v ? v[skb->hash & 0x1ff] : 0;
}

//@ case clamp_ok
//@ expect accept
SEC("socket") int clamp_ok(struct __sk_buff *skb)
{
    __u8 *v = value();
    __u32 i = skb->len;
    if (!v)
        return 0;
    if (i > 255)
        i = 255;
    return v[i];
}

//@ case check_on_other_variable
//@ expect reject 12: R0: the pointer to map value would get an unbounded offset: R1 has no upper bound; compare it against a limit first
SEC("socket") int check_on_other_variable(struct __sk_buff *skb)
{
    __u8 *v = value();
    __u32 i = skb->len, j = skb->hash;
    if (!v || i >= 256)
        return 0;
    return v[j];
}

//@ case difference_of_bounded_ok
//@ expect accept
SEC("socket") int difference_of_bounded_ok(struct __sk_buff *skb)
{
    __u8 *v = value();
    __u32 a = skb->len & 127, b = skb->hash & 127;
    if (!v)
        return 0;
    return v[a + b];
}

//@ case sum_of_bounded_too_large
//@ expect reject 15: R0 pointer to map value of 'buf': read of 1 byte at offsets 0..256 may fall outside the 256-byte value
SEC("socket") int sum_of_bounded_too_large(struct __sk_buff *skb)
{
    __u8 *v = value();
    __u32 a = skb->len & 255, b = skb->hash & 1;
    if (!v)
        return 0;
    return v[a + b];
}

//@ case u16_index_tested_on_a_copy
// clang tests (len & 0xff00) == 0 on a copy and indexes with len & 0xffff:
// the test does not bound the index (Linux rejects it too)
//@ expect reject 15: R0 pointer to map value of 'buf': read of 1 byte at offsets 0..65535 may fall outside the 256-byte value
SEC("socket") int u16_index_tested_on_a_copy(struct __sk_buff *skb)
{
    __u8 *v = value();
    __u16 i = skb->len;
    if (!v || i > 255)
        return 0;
    return v[i];
}

//@ case shifted_index_ok
//@ expect accept
SEC("socket") int shifted_index_ok(struct __sk_buff *skb)
{
    __u8 *v = value();
    if (!v)
        return 0;
    return v[(skb->hash >> 24) & 0xff];
}

//@ case stride_ok
//@ expect accept
SEC("socket") int stride_ok(struct __sk_buff *skb)
{
    __u64 *v = (__u64 *)value();
    __u32 i = skb->len % 32;
    return v ? v[i] & 1 : 0;
}

//@ case stride_past
//@ expect reject 13: R0 pointer to map value of 'buf': read of 8 bytes at offsets 0..504 may fall outside the 256-byte value
SEC("socket") int stride_past(struct __sk_buff *skb)
{
    volatile __u64 *v = (__u64 *)value();
    __u32 i = skb->len & 63;
    return v ? v[i] & 1 : 0;
}

char LICENSE[] SEC("license") = "GPL";
