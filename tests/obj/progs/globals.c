// SPDX-License-Identifier: GPL-2.0
/* globals.c — global data: .data, .rodata (const volatile, read-only for the
 * program), .bss, string literals in .rodata.str1.1, static variables (reached
 * through the section symbol plus an addend), arrays indexed at run time, and
 * custom .data.* / .rodata.* sections. An XDP program so that the kernel sees the
 * same, plus a "mem" program that returns a checksum of everything.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

int g_data = 42;                                  /* .data */
__u64 g_arr[4] = { 1, 2, 3, 4 };                  /* .data */
const volatile __u32 g_ro = 0xabcd;               /* .rodata */
const volatile char g_ro_str[8] = "rodata!";      /* .rodata */
__u64 g_bss;                                      /* .bss */
__u32 g_bss_arr[16];                              /* .bss */
static __u32 s_counter;                           /* .bss, static: section symbol + addend */
static __u64 s_data = 7;                          /* .data, static */
static volatile const __u32 s_ro = 5;             /* .rodata, static */
__u32 g_custom SEC(".data.custom") = 99;          /* .data.custom */
const volatile __u32 g_custom_ro SEC(".rodata.custom") = 77;
__s64 g_strcmp[3];
char g_copy[16];

static __noinline __u32 bump(__u32 i)
{
    static __u32 calls; /* static local: another section-symbol reference */
    calls++;
    g_bss_arr[i & 15] += i;
    return calls;
}

SEC("xdp")
int globals(struct xdp_md *ctx)
{
    __u32 len = (__u32)(ctx->data_end - ctx->data);
    g_bss += len;
    s_counter++;
    s_data += s_ro;
    g_data += g_ro & 0xf;
    g_arr[len & 3] += 1;
    g_custom += g_custom_ro;
    __u32 calls = bump(len);
    /* string literals go to .rodata.str1.1 */
    char buf[8] = "rodata";
    g_strcmp[0] = bpf_strncmp(buf, sizeof buf, "rodata");
    g_strcmp[1] = bpf_strncmp(buf, sizeof buf, "rodatb") < 0;
    g_strcmp[2] = g_ro_str[len & 7];
    __builtin_memcpy(g_copy, "copied from str", 16);
    return calls > 1000 ? XDP_DROP : XDP_PASS;
}

SEC("mem")
__u64 globals_sum(void *mem)
{
    (void)mem;
    return g_data + g_arr[0] + g_arr[1] + g_arr[2] + g_arr[3] + g_ro + g_bss + s_counter + s_data + s_ro +
           g_custom + g_custom_ro + g_ro_str[0];
}

char LICENSE[] SEC("license") = "GPL";
