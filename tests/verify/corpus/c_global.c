// SPDX-License-Identifier: GPL-2.0
/* c_global.c — global variables (.data, .bss, .rodata maps): reads and writes
 * within them, writes to constants refused, format strings for bpf_snprintf
 * and bpf_strncmp in read-only data. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

__u64 counter = 0;
__u32 table[16] = {};
const volatile __u32 limit = 100;
const char fmt[] = "len %u";
const char secret[] = "bpf";

//@ case counter_ok
//@ expect accept
SEC("socket") int counter_ok(struct __sk_buff *skb)
{
    __sync_fetch_and_add(&counter, 1);
    return skb->len < limit;
}

//@ case table_masked_index_ok
//@ expect accept
SEC("socket") int table_masked_index_ok(struct __sk_buff *skb)
{
    table[skb->hash & 15] += 1;
    return 0;
}

//@ case table_unmasked_index
//@ expect reject 6: R2 pointer to map value of '.bss': read of 4 bytes at offsets 8..132 may fall outside the 72-byte value
SEC("socket") int table_unmasked_index(struct __sk_buff *skb)
{
    table[skb->hash & 31] += 1;
    return 0;
}

//@ case write_constant
// .rodata is read-only for programs
//@ expect reject 3: R1: write into read-only map '.rodata'
SEC("socket") int write_constant(struct __sk_buff *skb)
{
    *(volatile __u32 *)&limit = 5;
    return 0;
}

//@ case snprintf_ok
//@ expect accept
SEC("socket") int snprintf_ok(struct __sk_buff *skb)
{
    char out[32];
    __u64 args[1] = { skb->len };
    bpf_snprintf(out, sizeof out, fmt, args, sizeof args);
    return out[0];
}

//@ case snprintf_format_on_stack
//@ expect reject 13: R3 must point to a constant string in read-only data (.rodata), but is a pointer to stack
SEC("socket") int snprintf_format_on_stack(struct __sk_buff *skb)
{
    char out[32];
    char f[8] = "len %u";
    __u64 args[1] = { skb->len };
    bpf_snprintf(out, sizeof out, f, args, sizeof args);
    return out[0];
}

//@ case strncmp_ok
//@ expect accept
SEC("socket") int strncmp_ok(struct __sk_buff *skb)
{
    char name[4];
    if (bpf_skb_load_bytes(skb, 0, name, sizeof name))
        return 0;
    return bpf_strncmp(name, sizeof name, secret) == 0;
}

char LICENSE[] SEC("license") = "GPL";
