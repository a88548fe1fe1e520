// SPDX-License-Identifier: GPL-2.0
/* c_tracing.c — tracing programs: kprobes reading pt_regs and kernel memory
 * through bpf_probe_read_kernel, tracepoints reading their record, raw
 * tracepoints their arguments, perf_event programs their sample; the context is
 * read-only and read at aligned offsets; helper buffers must fit. */
#define __TARGET_ARCH_x86
#include <linux/bpf.h>
#include <linux/ptrace.h>
#include <linux/bpf_perf_event.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

struct event {
    __u32 pid;
    __u32 uid;
    char comm[16];
    __u64 arg;
};

struct {
    __uint(type, BPF_MAP_TYPE_HASH);
    __uint(max_entries, 1024);
    __type(key, __u32);
    __type(value, __u64);
} calls SEC(".maps");

//@ case kprobe_args_ok
//@ expect accept
SEC("kprobe/do_sys_openat2") int kprobe_args_ok(struct pt_regs *ctx)
{
    __u32 pid = bpf_get_current_pid_tgid() >> 32;
    __u64 flags = PT_REGS_PARM3(ctx), one = 1;
    __u64 *n = bpf_map_lookup_elem(&calls, &pid);
    if (n)
        *n += flags & 1;
    else
        bpf_map_update_elem(&calls, &pid, &one, BPF_ANY);
    return 0;
}

//@ case kprobe_write_regs
//@ expect reject 1: invalid context access: the kprobe context is read-only
SEC("kprobe/do_sys_openat2") int kprobe_write_regs(struct pt_regs *ctx)
{
    ctx->rdi = 0;
    return 0;
}

//@ case kprobe_probe_read_ok
//@ expect accept
SEC("kprobe/do_sys_openat2") int kprobe_probe_read_ok(struct pt_regs *ctx)
{
    char path[64];
    const char *user = (const char *)PT_REGS_PARM2(ctx);
    bpf_probe_read_user_str(path, sizeof path, user);
    return path[0] == '/';
}

//@ case kprobe_probe_read_too_long
// 64 bytes into a 32-byte buffer
//@ expect reject 4: R1 pointer to stack: the buffer (64 bytes at fp-32) is outside the 512-byte stack frame
SEC("kprobe/do_sys_openat2") int kprobe_probe_read_too_long(struct pt_regs *ctx)
{
    char path[32];
    bpf_probe_read_kernel(path, 64, (void *)PT_REGS_PARM2(ctx));
    return path[0];
}

//@ case kprobe_probe_read_size_unbounded
//@ expect reject 4: R2: the size may be negative; compare it against 0 first
SEC("kprobe/do_sys_openat2") int kprobe_probe_read_size_unbounded(struct pt_regs *ctx)
{
    char buf[64];
    __u32 n = PT_REGS_PARM3(ctx);
    bpf_probe_read_kernel(buf, n, (void *)PT_REGS_PARM2(ctx));
    return buf[0];
}

//@ case kprobe_probe_read_size_clamped_on_a_copy
// clang compares a zero-extended copy of n (r4) and passes another copy (w3):
// the bound does not reach the size argument (Linux rejects it too)
//@ expect reject 10: R2: the size is not bounded (up to 4294967295); compare it against a limit first
SEC("kprobe/do_sys_openat2") int kprobe_probe_read_size_clamped_on_a_copy(struct pt_regs *ctx)
{
    char buf[64];
    __u32 n = PT_REGS_PARM3(ctx);
    if (n > sizeof buf)
        n = sizeof buf;
    bpf_probe_read_kernel(buf, n, (void *)PT_REGS_PARM2(ctx));
    return buf[0];
}

//@ case kprobe_probe_read_size_masked_ok
//@ expect accept
SEC("kprobe/do_sys_openat2") int kprobe_probe_read_size_masked_ok(struct pt_regs *ctx)
{
    char buf[64];
    __u32 n = PT_REGS_PARM3(ctx) & 63;
    bpf_probe_read_kernel(buf, n, (void *)PT_REGS_PARM2(ctx));
    return buf[0];
}

//@ case current_task_info_ok
//@ expect accept
SEC("kprobe/do_sys_openat2") int current_task_info_ok(struct pt_regs *ctx)
{
    struct event e = {};
    e.pid = bpf_get_current_pid_tgid() >> 32;
    e.uid = (__u32)bpf_get_current_uid_gid();
    bpf_get_current_comm(e.comm, sizeof e.comm);
    e.arg = PT_REGS_PARM1(ctx);
    __u64 v = e.arg ^ e.comm[0];
    bpf_map_update_elem(&calls, &e.pid, &v, BPF_ANY);
    return 0;
}

//@ case comm_buffer_too_small
//@ expect reject 3: R1 pointer to stack: the buffer (16 bytes at fp-8) is outside the 512-byte stack frame
SEC("kprobe/do_sys_openat2") int comm_buffer_too_small(struct pt_regs *ctx)
{
    char comm[8];
    bpf_get_current_comm(comm, 16);
    return comm[0];
}

//@ case kretprobe_ok
//@ expect accept
SEC("kretprobe/do_sys_openat2") int kretprobe_ok(struct pt_regs *ctx)
{
    long ret = PT_REGS_RC(ctx);
    __u32 k = ret < 0;
    __u64 *n = bpf_map_lookup_elem(&calls, &k);
    if (n)
        __sync_fetch_and_add(n, 1);
    return 0;
}

struct sched_switch_args {
    __u64 pad;
    char prev_comm[16];
    int prev_pid;
    int prev_prio;
    long long prev_state;
    char next_comm[16];
    int next_pid;
    int next_prio;
};

//@ case tracepoint_record_ok
//@ expect accept
SEC("tracepoint/sched/sched_switch") int tracepoint_record_ok(struct sched_switch_args *ctx)
{
    __u32 pid = ctx->next_pid;
    __u64 one = 1;
    bpf_map_update_elem(&calls, &pid, &one, BPF_ANY);
    return ctx->prev_comm[0] == 's';
}

//@ case tracepoint_write
//@ expect reject 1: invalid context access: the tracepoint context is read-only
SEC("tracepoint/sched/sched_switch") int tracepoint_write(struct sched_switch_args *ctx)
{
    ctx->next_pid = 0;
    return 0;
}

//@ case tracepoint_copy_comm_ok
//@ expect accept
SEC("tracepoint/sched/sched_switch") int tracepoint_copy_comm_ok(struct sched_switch_args *ctx)
{
    char comm[16];
    bpf_probe_read_kernel(comm, sizeof comm, ctx->next_comm);
    return comm[0];
}

//@ case raw_tracepoint_args_ok
//@ expect accept
SEC("raw_tracepoint/sys_enter") int raw_tracepoint_args_ok(struct bpf_raw_tracepoint_args *ctx)
{
    __u32 id = (__u32)ctx->args[1];
    __u64 one = 1;
    bpf_map_update_elem(&calls, &id, &one, BPF_ANY);
    return 0;
}

//@ case raw_tracepoint_past_args
//@ expect reject 0: invalid context access: read of 8 bytes at offset 96 is outside the 96-byte raw_tracepoint context
SEC("raw_tracepoint/sys_enter") int raw_tracepoint_past_args(struct bpf_raw_tracepoint_args *ctx)
{
    return ctx->args[12] != 0;
}

//@ case perf_event_sample_ok
//@ expect accept
SEC("perf_event") int perf_event_sample_ok(struct bpf_perf_event_data *ctx)
{
    __u32 k = ctx->sample_period & 1023;
    __u64 ip = PT_REGS_IP(&ctx->regs), *n = bpf_map_lookup_elem(&calls, &k);
    if (n)
        *n += ip & 1;
    return 0;
}

//@ case perf_event_write_sample
//@ expect reject 1: invalid context access: the perf_event context is read-only
SEC("perf_event") int perf_event_write_sample(struct bpf_perf_event_data *ctx)
{
    ctx->sample_period = 0;
    return 0;
}

//@ case kprobe_pointer_arith_on_ctx
//@ expect reject 4: R1 is the context pointer moved by a variable offset: context fields can only be accessed at constant offsets from the original pointer
SEC("kprobe/do_sys_openat2") int kprobe_pointer_arith_on_ctx(struct pt_regs *ctx)
{
    volatile unsigned long *p = (unsigned long *)ctx;
    unsigned int i = PT_REGS_PARM1(ctx) & 7;
    return p[i] != 0;
}

char LICENSE[] SEC("license") = "GPL";
