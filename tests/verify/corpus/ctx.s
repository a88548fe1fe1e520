# ctx.s — the context of each program type: which fields exist, at which sizes
# they may be read, which may be written, and what each program type may return.
# xdp_md (XDP), __sk_buff (socket filter, tc, cgroup_skb), pt_regs (kprobe),
# tracepoint records, raw tracepoint arguments, bpf_perf_event_data.

#@ case xdp_read_ifindex_queue_ok
#@ type xdp
#@ expect accept
r2 = *(u32 *)(r1 + 12)
r3 = *(u32 *)(r1 + 16)
r0 = 2
exit

#@ case xdp_narrow_read
# Linux reads xdp_md fields only whole (4 bytes)
#@ type xdp
#@ expect reject 0: invalid context access: read of 2 bytes at offset 12: xdp_md fields are accessed whole, 4 bytes at a time
r2 = *(u16 *)(r1 + 12)
r0 = 2
exit

#@ case xdp_read_u64
#@ type xdp
#@ expect reject 0: invalid context access: read of 8 bytes at offset 0: xdp_md fields are accessed whole, 4 bytes at a time
r2 = *(u64 *)(r1 + 0)
r0 = 2
exit

#@ case xdp_read_misaligned
#@ type xdp
#@ expect reject 0: invalid context access: read of 4 bytes at offset 2 is not aligned to its size
r2 = *(u32 *)(r1 + 2)
r0 = 2
exit

#@ case xdp_read_past_end
#@ type xdp
#@ expect reject 0: invalid context access: read of 4 bytes at offset 24 is outside the 24-byte xdp context
r2 = *(u32 *)(r1 + 24)
r0 = 2
exit

#@ case xdp_read_negative_offset
#@ type xdp
#@ expect reject 0: invalid context access: read of 4 bytes at offset -4 is outside the 24-byte xdp context
r2 = *(u32 *)(r1 - 4)
r0 = 2
exit

#@ case xdp_egress_ifindex_outside_devmap
# egress_ifindex exists only for programs attached to a devmap
#@ type xdp
#@ expect reject 0: invalid context access: read of 4 bytes at offset 20: egress_ifindex is only available to programs attached to a devmap (SEC("xdp/devmap"))
r2 = *(u32 *)(r1 + 20)
r0 = 2
exit

#@ case xdp_write_data
#@ type xdp
#@ expect reject 0: invalid context access: field 'data' of the xdp context is read-only
*(u32 *)(r1 + 0) = 0
r0 = 2
exit

#@ case xdp_write_ifindex
#@ type xdp
#@ expect reject 1: invalid context access: field 'ingress_ifindex' of the xdp context is read-only
r2 = 1
*(u32 *)(r1 + 12) = r2
r0 = 2
exit

#@ case xdp_store_pointer_into_ctx
#@ type xdp
#@ expect reject 0: invalid context access: field 'rx_queue_index' of the xdp context is read-only
*(u32 *)(r1 + 16) = r10
r0 = 2
exit

#@ case xdp_any_return_value_ok
# XDP return values are not checked by the verifier (unknown ones abort at run time)
#@ type xdp
#@ expect accept
r0 = 99
exit

#@ case socket_read_fields_ok
#@ type socket
#@ expect accept
r2 = *(u32 *)(r1 + 0)
r2 = *(u32 *)(r1 + 4)
r2 = *(u32 *)(r1 + 8)
r2 = *(u32 *)(r1 + 16)
r2 = *(u32 *)(r1 + 36)
r2 = *(u32 *)(r1 + 48)
r2 = *(u32 *)(r1 + 68)
r0 = 0
exit

#@ case socket_narrow_reads_ok
#@ type socket
#@ expect accept
r2 = *(u16 *)(r1 + 0)
r2 = *(u16 *)(r1 + 2)
r2 = *(u8 *)(r1 + 3)
r2 = *(u8 *)(r1 + 16)
r0 = 0
exit

#@ case socket_narrow_read_misaligned
#@ type socket
#@ expect reject 0: invalid context access: read of 2 bytes at offset 1 is not aligned to its size
r2 = *(u16 *)(r1 + 1)
r0 = 0
exit

#@ case socket_read_data
#@ type socket
#@ expect reject 0: invalid context access: socket_filter programs may not access packet data directly (field 'data'); use bpf_skb_load_bytes
r2 = *(u32 *)(r1 + 76)
r0 = 0
exit

#@ case socket_read_tc_classid
# tc_classid is a tc field
#@ type socket
#@ expect reject 0: invalid context access: read of 4 bytes at offset 72: socket filters cannot access tc_classid, tstamp or wire_len
r2 = *(u32 *)(r1 + 72)
r0 = 0
exit

#@ case socket_read_wire_len
#@ type socket
#@ expect reject 0: invalid context access: read of 4 bytes at offset 160: socket filters cannot access tc_classid, tstamp or wire_len
r2 = *(u32 *)(r1 + 160)
r0 = 0
exit

#@ case socket_read_family
#@ type socket
#@ expect reject 0: invalid context access: read of 4 bytes at offset 88 is not a field of the socket_filter context
r2 = *(u32 *)(r1 + 88)
r0 = 0
exit

#@ case socket_read_past_end
#@ type socket
#@ expect reject 0: invalid context access: read of 4 bytes at offset 192 is outside the 192-byte socket_filter context
r2 = *(u32 *)(r1 + 192)
r0 = 0
exit

#@ case socket_write_cb_ok
#@ type socket
#@ expect accept
r2 = 7
*(u32 *)(r1 + 48) = r2
*(u32 *)(r1 + 64) = r2
*(u16 *)(r1 + 52) = r2
r0 = 0
exit

#@ case socket_write_cb_u64_ok
# an 8-byte store across cb[0] and cb[1]
#@ type socket
#@ expect accept
r2 = 7
*(u64 *)(r1 + 48) = r2
r0 = 0
exit

#@ case socket_write_cb_past_end
#@ type socket
#@ expect reject 1: invalid context access: write of 8 bytes at offset 64 is not a field of the socket_filter context
r2 = 7
*(u64 *)(r1 + 64) = r2
r0 = 0
exit

#@ case socket_write_mark
#@ type socket
#@ expect reject 1: invalid context access: field 'mark' of the socket_filter context is read-only
r2 = 7
*(u32 *)(r1 + 8) = r2
r0 = 0
exit

#@ case socket_write_len
#@ type socket
#@ expect reject 0: invalid context access: field 'len' of the socket_filter context is read-only
*(u32 *)(r1 + 0) = 0
r0 = 0
exit

#@ case socket_store_pointer_in_cb_ok
# privileged programs may store (part of) a pointer into cb[]
#@ type socket
#@ expect accept
*(u32 *)(r1 + 48) = r10
r0 = 0
exit

#@ case tc_write_fields_ok
#@ type tc
#@ expect accept
r2 = 7
*(u32 *)(r1 + 8) = r2
*(u32 *)(r1 + 12) = r2
*(u32 *)(r1 + 32) = r2
*(u32 *)(r1 + 44) = r2
*(u32 *)(r1 + 72) = r2
*(u32 *)(r1 + 48) = r2
r0 = 0
exit

#@ case tc_write_tstamp_ok
#@ type tc
#@ expect accept
r2 = 7
*(u64 *)(r1 + 152) = r2
r0 = 0
exit

#@ case tc_write_len
#@ type tc
#@ expect reject 1: invalid context access: field 'len' of the sched_cls context is read-only
r2 = 7
*(u32 *)(r1 + 0) = r2
r0 = 0
exit

#@ case tc_write_data
#@ type tc
#@ expect reject 1: invalid context access: field 'data' of the sched_cls context is read-only
r2 = 7
*(u32 *)(r1 + 76) = r2
r0 = 0
exit

#@ case tc_narrow_write_mark
# writes of __sk_buff fields other than cb[] are whole (4 bytes)
#@ type tc
#@ expect reject 1: invalid context access: write of 2 bytes at offset 8: __sk_buff fields other than cb[] are written whole, 4 bytes at a time
r2 = 7
*(u16 *)(r1 + 8) = r2
r0 = 0
exit

#@ case tc_direct_packet_ok
#@ type tc
#@ expect accept
r2 = *(u32 *)(r1 + 76)
r3 = *(u32 *)(r1 + 80)
r4 = r2
r4 += 14
if r4 > r3 goto out
r0 = *(u16 *)(r2 + 12)
out:
r0 = 0
exit

#@ case tc_read_data_narrow
#@ type tc
#@ expect reject 0: invalid context access: field 'data' must be read whole, as a 4-byte load
r2 = *(u16 *)(r1 + 76)
r0 = 0
exit

#@ case tc_read_data_meta_ok
#@ type tc
#@ expect accept
r2 = *(u32 *)(r1 + 140)
r3 = *(u32 *)(r1 + 76)
r4 = r2
r4 += 4
if r4 > r3 goto out
r0 = *(u32 *)(r2 + 0)
out:
r0 = 0
exit

#@ case tc_read_tstamp_narrow
#@ type tc
#@ expect reject 0: invalid context access: read of 4 bytes at offset 152: tstamp is accessed whole, 8 bytes at a time
r2 = *(u32 *)(r1 + 152)
r0 = 0
exit

#@ case tc_read_sk
# __sk_buff->sk is a socket pointer (or NULL): sockets do not exist in bpfvm
#@ type tc
#@ kernel accept: Linux gives tc programs skb->sk (a socket pointer or NULL); bpfvm has no sockets and no such field
#@ expect reject 0: invalid context access: read of 8 bytes at offset 168 is not a field of the sched_cls context
r2 = *(u64 *)(r1 + 168)
r0 = 0
exit

#@ case cgroup_skb_direct_packet_ok
# cgroup_skb programs of CAP_BPF loaders may read the packet directly
#@ type cgroup_skb
#@ expect accept
r2 = *(u32 *)(r1 + 76)
r3 = *(u32 *)(r1 + 80)
r4 = r2
r4 += 1
if r4 > r3 goto out
r0 = *(u8 *)(r2 + 0)
out:
r0 = 1
exit

#@ case cgroup_skb_write_mark_ok
#@ type cgroup_skb
#@ expect accept
r2 = 7
*(u32 *)(r1 + 8) = r2
*(u32 *)(r1 + 32) = r2
*(u32 *)(r1 + 48) = r2
r0 = 1
exit

#@ case cgroup_skb_write_tc_index
#@ type cgroup_skb
#@ expect reject 1: invalid context access: write of 4 bytes at offset 44: cgroup_skb programs may only write mark, priority, tstamp and cb[]
r2 = 7
*(u32 *)(r1 + 44) = r2
r0 = 1
exit

#@ case cgroup_skb_read_data_meta
#@ type cgroup_skb
#@ expect reject 0: invalid context access: read of 4 bytes at offset 140: cgroup_skb programs cannot access tc_classid, data_meta or wire_len
r2 = *(u32 *)(r1 + 140)
r0 = 1
exit

#@ case cgroup_skb_return_1_ok
#@ type cgroup_skb
#@ expect accept
r0 = 1
exit

#@ case cgroup_skb_return_2
# ingress programs return 0 (drop) or 1 (pass)
#@ type cgroup_skb
#@ expect reject 1: R0 is 2 at program exit, but a cgroup_skb program must return a value in [0, 1]
r0 = 2
exit

#@ case cgroup_skb_return_unknown
#@ type cgroup_skb
#@ expect reject 1: R0 may be anything from 0 to 4294967295 at program exit, but a cgroup_skb program must return a value in [0, 1]
r0 = *(u32 *)(r1 + 0)
exit

#@ case cgroup_skb_return_masked_ok
#@ type cgroup_skb
#@ expect accept
r0 = *(u32 *)(r1 + 0)
r0 &= 1
exit

#@ case cgroup_skb_return_pointer
#@ type cgroup_skb
#@ expect reject 1: R0 is a pointer to stack at program exit, but a cgroup_skb program must return a value in [0, 1]
r0 = r10
exit

#@ case kprobe_read_regs_ok
#@ type kprobe
#@ expect accept
r2 = *(u64 *)(r1 + 112)
r3 = *(u64 *)(r1 + 104)
r4 = *(u32 *)(r1 + 96)
r5 = *(u8 *)(r1 + 80)
r0 = 0
exit

#@ case kprobe_read_misaligned
#@ type kprobe
#@ expect reject 0: invalid context access: read of 8 bytes at offset 4 is not aligned to its size
r2 = *(u64 *)(r1 + 4)
r0 = 0
exit

#@ case kprobe_read_past_end
#@ type kprobe
#@ expect reject 0: invalid context access: read of 8 bytes at offset 168 is outside the 168-byte kprobe context
r2 = *(u64 *)(r1 + 168)
r0 = 0
exit

#@ case kprobe_write
#@ type kprobe
#@ expect reject 0: invalid context access: the kprobe context is read-only
*(u64 *)(r1 + 112) = 0
r0 = 0
exit

#@ case tracepoint_read_ok
#@ type tracepoint
#@ expect accept
r2 = *(u64 *)(r1 + 8)
r3 = *(u32 *)(r1 + 16)
r4 = *(u16 *)(r1 + 10)
r0 = 0
exit

#@ case tracepoint_read_far
# Linux allows reads up to PERF_MAX_TRACE_SIZE (8192 bytes); bpfvm's tracepoint context has 4096
#@ type tracepoint
#@ kernel accept: Linux allows tracepoint context reads below 8192 bytes (PERF_MAX_TRACE_SIZE); bpfvm's table (src/rt/progtype.c) sizes the record at 4096
#@ expect reject 0: invalid context access: read of 8 bytes at offset 5000 is outside the 4096-byte tracepoint context
r2 = *(u64 *)(r1 + 5000)
r0 = 0
exit

#@ case tracepoint_read_header
#@ type tracepoint
#@ expect reject 0: invalid context access: read of 2 bytes at offset 0: the first 8 bytes of a tracepoint record (its common header) cannot be read
r2 = *(u16 *)(r1 + 0)
r0 = 0
exit

#@ case tracepoint_write
#@ type tracepoint
#@ expect reject 0: invalid context access: the tracepoint context is read-only
*(u64 *)(r1 + 8) = 0
r0 = 0
exit

#@ case tracepoint_misaligned
#@ type tracepoint
#@ expect reject 0: invalid context access: read of 4 bytes at offset 6 is not aligned to its size
r2 = *(u32 *)(r1 + 6)
r0 = 0
exit

#@ case raw_tracepoint_read_args_ok
#@ type raw_tracepoint
#@ expect accept
r2 = *(u64 *)(r1 + 0)
r3 = *(u64 *)(r1 + 88)
r0 = 0
exit

#@ case raw_tracepoint_read_u32_ok
#@ type raw_tracepoint
#@ expect accept
r2 = *(u32 *)(r1 + 8)
r0 = 0
exit

#@ case raw_tracepoint_read_past_args
#@ type raw_tracepoint
#@ expect reject 0: invalid context access: read of 8 bytes at offset 96 is outside the 96-byte raw_tracepoint context
r2 = *(u64 *)(r1 + 96)
r0 = 0
exit

#@ case raw_tracepoint_write
#@ type raw_tracepoint
#@ expect reject 0: invalid context access: the raw_tracepoint context is read-only
*(u64 *)(r1 + 0) = 0
r0 = 0
exit

#@ case perf_event_read_ok
#@ type perf_event
#@ expect accept
r2 = *(u64 *)(r1 + 128)
r3 = *(u64 *)(r1 + 168)
r4 = *(u64 *)(r1 + 176)
r5 = *(u32 *)(r1 + 168)
r0 = 0
exit

#@ case perf_event_narrow_regs
# the registers are read 8 bytes at a time
#@ type perf_event
#@ expect reject 0: invalid context access: read of 4 bytes at offset 128: the registers of bpf_perf_event_data are read 8 bytes at a time
r2 = *(u32 *)(r1 + 128)
r0 = 0
exit

#@ case perf_event_read_past_end
#@ type perf_event
#@ expect reject 0: invalid context access: read of 8 bytes at offset 184 is outside the 184-byte perf_event context
r2 = *(u64 *)(r1 + 184)
r0 = 0
exit

#@ case perf_event_write
#@ type perf_event
#@ expect reject 0: invalid context access: the perf_event context is read-only
*(u64 *)(r1 + 168) = 0
r0 = 0
exit

#@ case ctx_atomic
#@ type tc
#@ expect reject 1: atomic operation through R1, a pointer to context: only the stack and map values allow them
r2 = 1
lock *(u32 *)(r1 + 48) += r2
r0 = 0
exit
