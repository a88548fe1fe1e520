/* progtype.c — the program-type table (see progtype.h): context layouts of
 * struct xdp_md, struct __sk_buff, struct pt_regs (x86-64) and
 * struct bpf_perf_event_data as Linux's UAPI defines them, section-name prefixes as
 * libbpf maps them, return ranges and helper sets. */
#include "rt/progtype.h"

#include <string.h>
#include <strings.h>

static const ctx_field xdp_fields[] = {
    { "data", 0, 4, CTXF_PKT_DATA, false },
    { "data_end", 4, 4, CTXF_PKT_END, false },
    { "data_meta", 8, 4, CTXF_PKT_META, false },
    { "ingress_ifindex", 12, 4, CTXF_VALUE, false },
    { "rx_queue_index", 16, 4, CTXF_VALUE, false },
    { "egress_ifindex", 20, 4, CTXF_VALUE, false },
};

/* struct __sk_buff: the fields that make sense without a kernel. `writable` is
 * tc's rule; socket filters may only write cb[] (see progtype_field users). */
#define SKB_FIELDS(cbw)                                                                \
    { "len", 0, 4, CTXF_VALUE, false }, { "pkt_type", 4, 4, CTXF_VALUE, false },       \
    { "mark", 8, 4, CTXF_VALUE, cbw }, { "queue_mapping", 12, 4, CTXF_VALUE, cbw },    \
    { "protocol", 16, 4, CTXF_VALUE, false }, { "vlan_present", 20, 4, CTXF_VALUE, false }, \
    { "vlan_tci", 24, 4, CTXF_VALUE, false }, { "vlan_proto", 28, 4, CTXF_VALUE, false }, \
    { "priority", 32, 4, CTXF_VALUE, cbw }, { "ingress_ifindex", 36, 4, CTXF_VALUE, false }, \
    { "ifindex", 40, 4, CTXF_VALUE, false }, { "tc_index", 44, 4, CTXF_VALUE, cbw },   \
    { "cb[0]", 48, 4, CTXF_VALUE, true }, { "cb[1]", 52, 4, CTXF_VALUE, true },        \
    { "cb[2]", 56, 4, CTXF_VALUE, true }, { "cb[3]", 60, 4, CTXF_VALUE, true },        \
    { "cb[4]", 64, 4, CTXF_VALUE, true }, { "hash", 68, 4, CTXF_VALUE, false },        \
    { "tc_classid", 72, 4, CTXF_VALUE, cbw }, { "data", 76, 4, CTXF_PKT_DATA, false }, \
    { "data_end", 80, 4, CTXF_PKT_END, false }, { "napi_id", 84, 4, CTXF_VALUE, false }, \
    { "data_meta", 140, 4, CTXF_PKT_META, false }, { "tstamp", 152, 8, CTXF_VALUE, cbw }, \
    { "wire_len", 160, 4, CTXF_VALUE, false }, { "gso_segs", 164, 4, CTXF_VALUE, false }, \
    { "gso_size", 176, 4, CTXF_VALUE, false }

static const ctx_field skb_filter_fields[] = { SKB_FIELDS(false) };
static const ctx_field skb_tc_fields[] = { SKB_FIELDS(true) };

static const ctx_field mem_fields[] = { { "mem", 0, 8, CTXF_VALUE, true } };

#define SKB_SIZE 192 /* sizeof(struct __sk_buff) */
#define PT_REGS_SIZE 168 /* sizeof(struct pt_regs), x86-64 */

static const progtype_info types[] = {
    { BPFVM_PROG_SOCKET_FILTER, "socket_filter", SKB_SIZE, skb_filter_fields,
      sizeof skb_filter_fields / sizeof *skb_filter_fields, true, false, 0, 0, true, false },
    { BPFVM_PROG_KPROBE, "kprobe", PT_REGS_SIZE, NULL, 0, false, false, 0, 0, false, true },
    { BPFVM_PROG_SCHED_CLS, "sched_cls", SKB_SIZE, skb_tc_fields,
      sizeof skb_tc_fields / sizeof *skb_tc_fields, true, false, 0, 0, true, false },
    { BPFVM_PROG_SCHED_ACT, "sched_act", SKB_SIZE, skb_tc_fields,
      sizeof skb_tc_fields / sizeof *skb_tc_fields, true, false, 0, 0, true, false },
    { BPFVM_PROG_TRACEPOINT, "tracepoint", 4096, NULL, 0, false, false, 0, 0, false, true },
    { BPFVM_PROG_XDP, "xdp", 24, xdp_fields, sizeof xdp_fields / sizeof *xdp_fields, true, false,
      0, 0, true, false },
    { BPFVM_PROG_PERF_EVENT, "perf_event", PT_REGS_SIZE + 16, NULL, 0, false, false, 0, 0, false, true },
    { BPFVM_PROG_CGROUP_SKB, "cgroup_skb", SKB_SIZE, skb_filter_fields,
      sizeof skb_filter_fields / sizeof *skb_filter_fields, false, true, 0, 3, true, false },
    { BPFVM_PROG_RAW_TRACEPOINT, "raw_tracepoint", 8 * 12, NULL, 0, false, false, 0, 0, false, true },
    { BPFVM_PROG_MEM, "mem", 8, mem_fields, 1, true, false, 0, 0, false, false },
};

const progtype_info *progtype_get(bpfvm_prog_type type)
{
    for (size_t i = 0; i < sizeof types / sizeof *types; i++)
        if (types[i].type == type)
            return &types[i];
    return NULL;
}

const ctx_field *progtype_field(const progtype_info *pt, uint32_t off, uint32_t size)
{
    for (size_t i = 0; i < pt->nfields; i++) {
        const ctx_field *f = &pt->fields[i];
        if (off >= f->off && off + size <= (uint32_t)f->off + f->size)
            return f;
    }
    return NULL;
}

const char *bpfvm_prog_type_name(bpfvm_prog_type type)
{
    const progtype_info *pt = progtype_get(type);
    return pt ? pt->name : type == BPFVM_PROG_UNSPEC ? "unspec" : "unknown";
}

static const struct {
    const char *name;
    bpfvm_prog_type type;
} names[] = {
    { "xdp", BPFVM_PROG_XDP },
    { "socket", BPFVM_PROG_SOCKET_FILTER },
    { "socket_filter", BPFVM_PROG_SOCKET_FILTER },
    { "tc", BPFVM_PROG_SCHED_CLS },
    { "sched_cls", BPFVM_PROG_SCHED_CLS },
    { "classifier", BPFVM_PROG_SCHED_CLS },
    { "sched_act", BPFVM_PROG_SCHED_ACT },
    { "action", BPFVM_PROG_SCHED_ACT },
    { "kprobe", BPFVM_PROG_KPROBE },
    { "uprobe", BPFVM_PROG_KPROBE },
    { "tracepoint", BPFVM_PROG_TRACEPOINT },
    { "raw_tracepoint", BPFVM_PROG_RAW_TRACEPOINT },
    { "perf_event", BPFVM_PROG_PERF_EVENT },
    { "cgroup_skb", BPFVM_PROG_CGROUP_SKB },
    { "mem", BPFVM_PROG_MEM },
};

int bpfvm_prog_type_parse(const char *name)
{
    for (size_t i = 0; i < sizeof names / sizeof *names; i++)
        if (!strcasecmp(names[i].name, name))
            return (int)names[i].type;
    return -1;
}

/* libbpf's section names (Documentation/bpf/libbpf/program_types.rst): an exact
 * name, or a prefix followed by '/' (or '.' for xdp.frags and the like). */
static const struct {
    const char *prefix;
    bpfvm_prog_type type;
} sections[] = {
    { "xdp", BPFVM_PROG_XDP },
    { "socket", BPFVM_PROG_SOCKET_FILTER },
    { "tc", BPFVM_PROG_SCHED_CLS },
    { "tcx", BPFVM_PROG_SCHED_CLS },
    { "classifier", BPFVM_PROG_SCHED_CLS },
    { "action", BPFVM_PROG_SCHED_ACT },
    { "kprobe", BPFVM_PROG_KPROBE },
    { "kretprobe", BPFVM_PROG_KPROBE },
    { "uprobe", BPFVM_PROG_KPROBE },
    { "uretprobe", BPFVM_PROG_KPROBE },
    { "ksyscall", BPFVM_PROG_KPROBE },
    { "kretsyscall", BPFVM_PROG_KPROBE },
    { "usdt", BPFVM_PROG_KPROBE },
    { "kprobe.multi", BPFVM_PROG_KPROBE },
    { "tracepoint", BPFVM_PROG_TRACEPOINT },
    { "tp", BPFVM_PROG_TRACEPOINT },
    { "raw_tracepoint", BPFVM_PROG_RAW_TRACEPOINT },
    { "raw_tp", BPFVM_PROG_RAW_TRACEPOINT },
    { "perf_event", BPFVM_PROG_PERF_EVENT },
    { "cgroup_skb", BPFVM_PROG_CGROUP_SKB },
    { "cgroup/skb", BPFVM_PROG_CGROUP_SKB },
    { "mem", BPFVM_PROG_MEM },
};

bpfvm_prog_type bpfvm_prog_type_of_section(const char *sec)
{
    bpfvm_prog_type best = BPFVM_PROG_UNSPEC;
    size_t best_len = 0;
    for (size_t i = 0; i < sizeof sections / sizeof *sections; i++) {
        size_t n = strlen(sections[i].prefix);
        if (strncmp(sec, sections[i].prefix, n) == 0 && (sec[n] == 0 || sec[n] == '/' || sec[n] == '.') &&
            n > best_len) {
            best = sections[i].type;
            best_len = n;
        }
    }
    return best;
}

/* Helper ids by family (Linux enum bpf_func_id). */
static bool is_base_helper(uint32_t id)
{
    switch (id) {
    case 1: case 2: case 3:          /* map lookup / update / delete */
    case 5: case 6: case 7: case 8:  /* ktime, trace_printk, prandom, smp_processor_id */
    case 12:                         /* tail_call */
    case 28:                         /* csum_diff */
    case 87: case 88: case 89:       /* map push / pop / peek */
    case 118: case 125: case 160:    /* jiffies64, ktime_get_boot_ns, ktime_get_coarse_ns */
    case 130: case 131: case 132: case 133: case 134: /* ringbuf */
    case 165: case 177:              /* snprintf, trace_vprintk */
    case 181: case 182:              /* loop, strncmp */
    case 195:                        /* map_lookup_percpu_elem */
        return true;
    default:
        return false;
    }
}

bool progtype_helper_allowed(const progtype_info *pt, uint32_t id)
{
    if (is_base_helper(id))
        return true;
    switch (id) {
    case 4: case 14: case 15: case 16: case 45: case 112: case 113: case 114: case 115: case 25:
        return pt->tracing || (id == 25 && pt->packet); /* probe_read*, get_current_*, perf_event_output */
    case 23: /* redirect */
        return pt->type == BPFVM_PROG_XDP || pt->type == BPFVM_PROG_SCHED_CLS || pt->type == BPFVM_PROG_SCHED_ACT;
    case 51: /* redirect_map: XDP only (tc redirects with bpf_redirect) */
        return pt->type == BPFVM_PROG_XDP;
    case 44: case 54: case 65: /* xdp_adjust_head / meta / tail */
        return pt->type == BPFVM_PROG_XDP;
    case 9: case 10: case 11: /* skb_store_bytes, l3/l4_csum_replace */
        return pt->type == BPFVM_PROG_SCHED_CLS || pt->type == BPFVM_PROG_SCHED_ACT;
    case 26: /* skb_load_bytes */
        return pt->packet && pt->type != BPFVM_PROG_XDP;
    default:
        return false;
    }
}
