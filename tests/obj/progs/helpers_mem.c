// SPDX-License-Identifier: GPL-2.0
/* helpers_mem.c — the helpers that need no packet, called from a raw-memory
 * program (SEC("mem"): r1 = memory block) so that every one is reachable: time,
 * randomness, identity, probe_read against host-registered regions, strings,
 * formatted output (bpf_printk with more than three arguments is bpf_trace_vprintk),
 * checksums, bpf_loop, per-CPU lookups. Results go to .bss
 * (struct helper_results), checked exactly by the host.
 * The memory block: u64 probe address (registered), u64 unregistered address,
 * u64 registered string address.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "shared.h"

struct helper_results res;

struct {
    __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
    __uint(max_entries, 1);
    __type(key, __u32);
    __type(value, __u64);
} pcpu SEC(".maps");

static int sum_cb(__u32 i, __u64 *sum)
{
    *sum += i;
    return 0;
}

static int stop_cb(__u32 i, __u64 *sum)
{
    (void)sum;
    return i == 9;
}

SEC("mem")
int helpers(__u64 *mem)
{
    res.ktime1 = bpf_ktime_get_ns();
    res.ktime2 = bpf_ktime_get_ns();
    res.boot_ns = bpf_ktime_get_boot_ns();
    res.coarse_ns = bpf_ktime_get_coarse_ns();
    res.jiffies = bpf_jiffies64();
    res.pid_tgid = bpf_get_current_pid_tgid();
    res.uid_gid = bpf_get_current_uid_gid();
    for (int i = 0; i < 4; i++)
        res.prandom[i] = bpf_get_prandom_u32();
    res.cpu = bpf_get_smp_processor_id();
    res.numa = bpf_get_numa_node_id();

    __u64 v = 0;
    res.probe_ok_rc = bpf_probe_read_kernel(&v, 8, (void *)mem[0]);
    res.probe_ok_val = v;
    v = 0x1111;
    res.probe_bad_rc = bpf_probe_read_kernel(&v, 8, (void *)mem[1]);
    res.probe_bad_val = v; /* zeroed on failure */
    v = 0;
    res.probe_user_rc = bpf_probe_read_user(&v, 8, (void *)(mem[0] + 8));
    res.probe_user_val = v;
    res.probe_str_rc = bpf_probe_read_kernel_str(res.probe_str, sizeof res.probe_str, (void *)mem[2]);
    char tmp[4];
    res.probe_str_bad_rc = bpf_probe_read_user_str(tmp, sizeof tmp, (void *)mem[1]);
    /* the legacy forms (4, 45) */
    v = 0;
    res.probe_legacy_rc = bpf_probe_read(&v, 8, (void *)mem[0]);
    res.probe_legacy_val = v;
    res.probe_legacy_str_rc = bpf_probe_read_str(tmp, sizeof tmp, (void *)mem[2]); /* "hel" + NUL */
    __builtin_memcpy(res.probe_legacy_str, tmp, 4);

    /* built at run time: a constant array would go to .rodata with a pointer
     * relocation, which neither libbpf nor bpfvm applies to data */
    char str[4] = "str";
    __u64 args[4] = { 42, (__u64)-7, (__u64)str, mem[1] };
    res.snprintf_rc = bpf_snprintf(res.snprintf_out, sizeof res.snprintf_out, "a=%d b=%lld c=%s %%", args, 24);
    res.snprintf_small_rc = bpf_snprintf(res.snprintf_small, sizeof res.snprintf_small, "%u-%x", args, 16);
    res.snprintf_bad_rc = bpf_snprintf(res.snprintf_small, sizeof res.snprintf_small, "%d %d", args, 8);
    /* an unreadable string prints as "" (Linux) */
    res.snprintf_invalid_rc = bpf_snprintf(res.snprintf_invalid, sizeof res.snprintf_invalid, "<%s>", &args[3], 8);
    res.printk_rc = bpf_printk("printk %d %u %x", 1, 2, 255);
    bpf_printk("second line %s", "ok");
    res.vprintk_rc = bpf_printk("vprintk %d %d %d %d %s", 1, 2, 3, -4, str);

    char a[8] = "abcdef";
    res.strncmp_eq = bpf_strncmp(a, sizeof a, "abcdef");
    res.strncmp_lt = bpf_strncmp(a, sizeof a, "abd");
    res.strncmp_gt = bpf_strncmp(a, sizeof a, "abc");
    res.strncmp_prefix = bpf_strncmp(a, 3, "abcxyz");

    __u32 from[2] = { 0x01020304, 0x05060708 }, to[2] = { 0x01020305, 0x05060708 };
    res.csum_diff_rc = bpf_csum_diff(from, 8, to, 8, 0);
    res.csum_diff_bad_rc = bpf_csum_diff(from, 6, to, 8, 0);

    __u64 sum = 0;
    res.loop_rc = bpf_loop(10, sum_cb, &sum, 0);
    res.loop_sum = sum;
    res.loop_stop_rc = bpf_loop(100, stop_cb, &sum, 0);
    res.loop_big_rc = bpf_loop(1 << 24, sum_cb, &sum, 0); /* more than 1 << 23: -E2BIG */

    res.comm_rc = bpf_get_current_comm(res.comm, sizeof res.comm);
    /* bpf_perf_event_output needs a context: see perf_output.c */

    __u32 k = 0;
    __u64 *c = bpf_map_lookup_elem(&pcpu, &k);
    if (c)
        *c += res.cpu + 1;
    res.percpu_rc = 0;
    for (__u32 cpu = 0; cpu < 4; cpu++) {
        __u64 *p = bpf_map_lookup_percpu_elem(&pcpu, &k, cpu);
        if (p)
            res.percpu_vals[cpu] = *p;
        else
            res.percpu_rc++;
    }
    return 0;
}

char LICENSE[] SEC("license") = "GPL";
