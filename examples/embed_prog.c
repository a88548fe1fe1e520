// SPDX-License-Identifier: MIT
/* embed_prog.c — the BPF side of examples/embed.c: a raw-memory program (r1 = a
 * buffer, r2 = its length) that sums the buffer's bytes, reports the sum through
 * a helper the host registered (id 10000), and keeps a run counter in a global. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

/* The host's helper: not a Linux helper, so it gets an id of its own. */
static long (*host_report)(__u64 sum, __u64 len) = (void *)10000;

__u64 runs;

SEC("mem")
__u64 sum_bytes(unsigned char *buf, __u64 len)
{
    __u64 sum = 0;
    for (__u64 i = 0; i < len && i < 4096; i++)
        sum += buf[i];
    runs++;
    host_report(sum, len);
    return sum;
}

char LICENSE[] SEC("license") = "MIT";
