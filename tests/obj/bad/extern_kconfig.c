// SPDX-License-Identifier: GPL-2.0
/* a kconfig extern (filled in by libbpf from the running kernel's config) */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

extern int LINUX_KERNEL_VERSION __kconfig;

SEC("xdp")
int p(struct xdp_md *ctx)
{
    (void)ctx;
    return LINUX_KERNEL_VERSION > 0 ? XDP_PASS : XDP_DROP;
}
char LICENSE[] SEC("license") = "GPL";
