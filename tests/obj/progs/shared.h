/* shared.h — record layouts shared by the BPF programs of the corpus and the host
 * test drivers (test_obj.c, test_kdiff_obj.c), and the "command" convention of the
 * generated capture: a UDP packet to port CMD_PORT + op asks the rewriting programs
 * for operation op, with a little-endian s32 parameter at the start of its payload.
 */
#ifndef BPFVM_TESTS_OBJ_SHARED_H
#define BPFVM_TESTS_OBJ_SHARED_H

#include <linux/types.h>

#define CMD_PORT 9000

/* xdp_rewrite.c operations */
enum {
    OP_PASS = 0,
    OP_ADJUST_HEAD = 1, /* bpf_xdp_adjust_head(param) */
    OP_ADJUST_TAIL = 2, /* bpf_xdp_adjust_tail(param) */
    OP_ADJUST_META = 3, /* bpf_xdp_adjust_meta(param), then write/read the metadata */
    OP_HEAD_TAIL = 4,   /* adjust_head(param) and adjust_tail(-param) */
    OP_SWAP_MAC = 5,    /* swap the MAC addresses, XDP_TX */
    OP_REDIRECT = 6,    /* bpf_redirect(param, 0) */
    OP_REDIRECT_BAD = 7, /* bpf_redirect(param, 1): flags are invalid for XDP */
    OP_XOR_PAYLOAD = 8, /* invert the first 16 payload bytes */
    OP_CSUM_DIFF = 9,   /* bpf_csum_diff over the IPv4 header */
    OP_CTX = 10,        /* record the context fields */
    OP_COUNT
};

/* tc_skb.c: what the program saw for each packet */
struct skb_seen {
    __u32 len, protocol, pkt_type, vlan_present;
    __u32 ifindex, ingress_ifindex, mark, load_rc;
    __u32 first_word; /* bpf_skb_load_bytes(skb, 12, 4) */
    __u32 data_len;   /* data_end - data */
};

/* helpers_mem.c: results, read by the host from .bss */
struct helper_results {
    __u64 ktime1, ktime2, boot_ns, coarse_ns, jiffies;
    __u64 pid_tgid, uid_gid;
    __u32 prandom[4];
    __u32 cpu, numa;
    __s64 probe_ok_rc, probe_bad_rc, probe_user_rc, probe_str_rc, probe_str_bad_rc;
    __u64 probe_ok_val, probe_bad_val, probe_user_val;
    char probe_str[16];
    __s64 probe_legacy_rc, probe_legacy_str_rc;
    __u64 probe_legacy_val;
    char probe_legacy_str[8];
    __s64 snprintf_rc;
    char snprintf_out[64];
    __s64 snprintf_small_rc;
    char snprintf_small[8];
    __s64 snprintf_bad_rc;
    __s64 snprintf_invalid_rc;
    char snprintf_invalid[8];
    __s64 printk_rc;
    __s64 strncmp_eq, strncmp_lt, strncmp_gt, strncmp_prefix;
    __s64 csum_diff_rc, csum_diff_bad_rc;
    __s64 loop_rc, loop_sum, loop_stop_rc, loop_big_rc;
    __s64 comm_rc;
    char comm[16];
    __s64 vprintk_rc;
    __s64 percpu_rc;
    __u64 percpu_vals[4];
};

/* perf_output.c: the record of bpf_perf_event_output, and where each call's
 * return values are summed (array map perf_rcs, index PERF_RC_*) */
struct perf_rec {
    __u32 len;
    __u16 proto;
    __u16 seq;
};
enum {
    PERF_RC_CURRENT = 0, /* BPF_F_CURRENT_CPU, the record only */
    PERF_RC_CTXLEN,      /* BPF_F_CURRENT_CPU | 14 packet bytes */
    PERF_RC_INDEX,       /* index 3 of a 4-entry array */
    PERF_RC_E2BIG,       /* index 9 of a 4-entry array */
    PERF_RC_EFAULT,      /* more packet bytes than the packet has */
    PERF_RC_EINVAL,      /* a flag beyond the context-length bits */
    PERF_RC_VPRINTK,     /* bpf_printk with five arguments */
    PERF_RC_SKB,         /* socket filter: 64 packet bytes */
    PERF_RC_N
};

/* ringbuf.c records */
struct rb_rec {
    __u32 seq;
    __u32 len;
    __u8 head[16];
};

#endif
