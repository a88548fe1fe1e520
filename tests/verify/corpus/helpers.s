# helpers.s — helper calls against their prototypes: map arguments of the right
# map type, keys and values in readable memory of the map's sizes, buffers with
# bounded sizes, the context where the helper wants it; unknown helpers and
# helpers the program type may not call.
#@ type socket
#@ map array key=4 value=8 entries=4
#@ map hash key=8 value=16 entries=16
#@ map ringbuf key=0 value=0 entries=4096
#@ map prog_array key=4 value=4 entries=4
#@ map queue key=0 value=8 entries=8

#@ case lookup_ok
#@ expect accept
*(u32 *)(r10 - 4) = 0
r2 = r10
r2 += -4
r1 = map_by_fd(1) ll
call 1
r0 = 0
exit

#@ case map_arg_is_scalar
#@ expect reject 4: R1 is a scalar, but helper bpf_map_lookup_elem expects a map
*(u32 *)(r10 - 4) = 0
r2 = r10
r2 += -4
r1 = 1
call 1
r0 = 0
exit

#@ case map_arg_is_stack_pointer
#@ expect reject 4: R1 is a pointer to stack, but helper bpf_map_lookup_elem expects a map
*(u32 *)(r10 - 4) = 0
r2 = r10
r2 += -4
r1 = r10
call 1
r0 = 0
exit

#@ case map_arg_uninitialized
#@ expect reject 4: R1 is read before it is written (it holds no value on this path)
call 7
*(u32 *)(r10 - 4) = 0
r2 = r10
r2 += -4
call 1
r0 = 0
exit

#@ case key_is_null
#@ expect reject 3: R2 is a scalar, but helper bpf_map_lookup_elem expects a pointer to the map key
r2 = 0
r1 = map_by_fd(1) ll
call 1
r0 = 0
exit

#@ case key_is_scalar
#@ expect reject 3: R2 is a scalar, but helper bpf_map_lookup_elem expects a pointer to the map key
r2 = 16
r1 = map_by_fd(1) ll
call 1
r0 = 0
exit

#@ case key_is_context
#@ expect reject 3: R2 is a pointer to context, but helper bpf_map_lookup_elem expects a pointer to the map key
r2 = r1
r1 = map_by_fd(1) ll
call 1
r0 = 0
exit

#@ case key_uninitialized_stack_privileged_ok
# privileged programs may pass stack bytes never written (bpfvm zeroes them)
#@ expect accept
r2 = r10
r2 += -4
r1 = map_by_fd(1) ll
call 1
r0 = 0
exit

#@ case key_runs_past_frame
#@ expect reject 5: R2 pointer to stack: the map key (4 bytes at fp-2) is outside the 512-byte stack frame
*(u32 *)(r10 - 4) = 0
r2 = r10
r2 += -2
r1 = map_by_fd(1) ll
call 1
r0 = 0
exit

#@ case hash_key_8_bytes_from_4
# the hash map's key is 8 bytes: fp-4 leaves 4 of them outside the frame
#@ expect reject 5: R2 pointer to stack: the map key (8 bytes at fp-4) is outside the 512-byte stack frame
*(u32 *)(r10 - 4) = 0
r2 = r10
r2 += -4
r1 = map_by_fd(2) ll
call 1
r0 = 0
exit

#@ case key_in_map_value_ok
#@ expect accept
*(u32 *)(r10 - 4) = 0
r2 = r10
r2 += -4
r1 = map_by_fd(1) ll
call 1
if r0 == 0 goto out
r2 = r0
r1 = map_by_fd(2) ll
call 1
out:
r0 = 0
exit

#@ case key_in_map_value_too_small
# an 8-byte array value cannot hold the 8-byte key at offset 4
#@ expect reject 11: R2 pointer to map value of 'map1': read of 8 bytes at offset 4 is outside the 8-byte value
*(u32 *)(r10 - 4) = 0
r2 = r10
r2 += -4
r1 = map_by_fd(1) ll
call 1
if r0 == 0 goto out
r2 = r0
r2 += 4
r1 = map_by_fd(2) ll
call 1
out:
r0 = 0
exit

#@ case update_ok
#@ expect accept
*(u64 *)(r10 - 8) = 0
*(u64 *)(r10 - 16) = 0
*(u64 *)(r10 - 24) = 0
r2 = r10
r2 += -8
r3 = r10
r3 += -24
r4 = 0
r1 = map_by_fd(2) ll
call 2
r0 = 0
exit

#@ case update_value_past_frame
# the 16-byte value at fp-8 ends past the frame
#@ expect reject 8: R3 pointer to stack: the map value (16 bytes at fp-8) is outside the 512-byte stack frame
*(u64 *)(r10 - 8) = 0
r2 = r10
r2 += -8
r3 = r10
r3 += -8
r4 = 0
r1 = map_by_fd(2) ll
call 2
r0 = 0
exit

#@ case update_flags_uninitialized
#@ expect reject 9: R4 is read before it is written (it holds no value on this path)
*(u64 *)(r10 - 8) = 0
*(u64 *)(r10 - 16) = 0
*(u64 *)(r10 - 24) = 0
r2 = r10
r2 += -8
r3 = r10
r3 += -24
r1 = map_by_fd(2) ll
call 2
r0 = 0
exit

#@ case delete_ok
#@ expect accept
*(u64 *)(r10 - 8) = 0
r2 = r10
r2 += -8
r1 = map_by_fd(2) ll
call 3
r0 = 0
exit

#@ case lookup_on_ringbuf
#@ expect reject 5: helper bpf_map_lookup_elem cannot be used with map 'map3' of type ringbuf
*(u32 *)(r10 - 4) = 0
r2 = r10
r2 += -4
r1 = map_by_fd(3) ll
call 1
r0 = 0
exit

#@ case lookup_on_prog_array
#@ expect reject 5: helper bpf_map_lookup_elem cannot be used with map 'map4' of type prog_array
*(u32 *)(r10 - 4) = 0
r2 = r10
r2 += -4
r1 = map_by_fd(4) ll
call 1
r0 = 0
exit

#@ case update_on_queue
#@ expect reject 7: helper bpf_map_update_elem cannot be used with map 'map5' of type queue
*(u64 *)(r10 - 8) = 0
r2 = 0
r3 = r10
r3 += -8
r4 = 0
r1 = map_by_fd(5) ll
call 2
r0 = 0
exit

#@ case push_on_queue_ok
#@ expect accept
*(u64 *)(r10 - 8) = 0
r2 = r10
r2 += -8
r3 = 0
r1 = map_by_fd(5) ll
call 87
r0 = 0
exit

#@ case push_on_array
#@ expect reject 6: helper bpf_map_push_elem cannot be used with map 'map1' of type array
*(u64 *)(r10 - 8) = 0
r2 = r10
r2 += -8
r3 = 0
r1 = map_by_fd(1) ll
call 87
r0 = 0
exit

#@ case pop_into_small_buffer
# the queue's 8-byte value does not fit at fp-4
#@ expect reject 4: R2 pointer to stack: the map value (8 bytes at fp-4) is outside the 512-byte stack frame
r2 = r10
r2 += -4
r1 = map_by_fd(5) ll
call 88
r0 = 0
exit

#@ case ringbuf_output_ok
#@ expect accept
*(u64 *)(r10 - 8) = 0
r2 = r10
r2 += -8
r3 = 8
r4 = 0
r1 = map_by_fd(3) ll
call 130
r0 = 0
exit

#@ case ringbuf_output_on_array
#@ expect reject 7: helper bpf_ringbuf_output cannot be used with map 'map1' of type array
*(u64 *)(r10 - 8) = 0
r2 = r10
r2 += -8
r3 = 8
r4 = 0
r1 = map_by_fd(1) ll
call 130
r0 = 0
exit

#@ case ringbuf_output_size_past_buffer
#@ expect reject 7: R2 pointer to stack: the buffer (16 bytes at fp-8) is outside the 512-byte stack frame
*(u64 *)(r10 - 8) = 0
r2 = r10
r2 += -8
r3 = 16
r4 = 0
r1 = map_by_fd(3) ll
call 130
r0 = 0
exit

#@ case ringbuf_output_size_unbounded
#@ expect reject 7: R3: the size is not bounded (up to 4294967295); compare it against a limit first
r3 = *(u32 *)(r1 + 0)
*(u64 *)(r10 - 8) = 0
r2 = r10
r2 += -8
r4 = 0
r1 = map_by_fd(3) ll
call 130
r0 = 0
exit

#@ case ringbuf_output_size_bounded_ok
#@ expect accept
r3 = *(u32 *)(r1 + 0)
r3 &= 7
*(u64 *)(r10 - 8) = 0
r2 = r10
r2 += -8
r4 = 0
r1 = map_by_fd(3) ll
call 130
r0 = 0
exit

#@ case load_bytes_ok
#@ expect accept
r2 = 0
r3 = r10
r3 += -16
r4 = 16
call 26
r0 = 0
exit

#@ case load_bytes_size_zero
#@ expect reject 4: R4: the size may be 0, which this helper does not allow
r2 = 0
r3 = r10
r3 += -16
r4 = 0
call 26
r0 = 0
exit

#@ case load_bytes_size_negative
#@ expect reject 4: R4: the size may be negative; compare it against 0 first
r2 = 0
r3 = r10
r3 += -16
r4 = -1
call 26
r0 = 0
exit

#@ case load_bytes_size_may_be_zero
#@ expect reject 5: R4: the size may be 0, which this helper does not allow
r4 = *(u32 *)(r1 + 0)
r4 &= 15
r2 = 0
r3 = r10
r3 += -16
call 26
r0 = 0
exit

#@ case load_bytes_size_bounded_ok
#@ expect accept
r4 = *(u32 *)(r1 + 0)
r4 &= 15
r4 += 1
r2 = 0
r3 = r10
r3 += -16
call 26
r0 = 0
exit

#@ case load_bytes_size_bounded_past_buffer
#@ expect reject 6: R3 pointer to stack: the buffer (17 bytes at fp-16) is outside the 512-byte stack frame
r4 = *(u32 *)(r1 + 0)
r4 &= 15
r4 += 2
r2 = 0
r3 = r10
r3 += -16
call 26
r0 = 0
exit

#@ case load_bytes_into_map_value_ok
#@ expect accept
r6 = r1
*(u32 *)(r10 - 4) = 0
r2 = r10
r2 += -4
r1 = map_by_fd(1) ll
call 1
if r0 == 0 goto out
r1 = r6
r2 = 0
r3 = r0
r4 = 8
call 26
out:
r0 = 0
exit

#@ case load_bytes_ctx_is_stack
#@ expect reject 5: R1 is a pointer to stack, but helper bpf_skb_load_bytes expects the program's context
r1 = r10
r2 = 0
r3 = r10
r3 += -16
r4 = 16
call 26
r0 = 0
exit

#@ case load_bytes_ctx_moved
#@ expect reject 5: R1 is the context pointer moved by 8 bytes, but helper bpf_skb_load_bytes expects the context itself
r1 += 8
r2 = 0
r3 = r10
r3 += -16
r4 = 16
call 26
r0 = 0
exit

#@ case unknown_helper_id
#@ expect reject 0: call to unknown helper 9999
call 9999
r0 = 0
exit

#@ case probe_read_not_for_socket_filters
#@ kernel accept: Linux lets CAP_PERFMON loaders call the probe_read helpers from every program type; bpfvm's program-type table (src/rt/progtype.c) only from tracing types
#@ expect reject 4: program type socket_filter may not call helper bpf_probe_read_kernel (113)
r1 = r10
r1 += -8
r2 = 8
r3 = 0
call 113
r0 = 0
exit

#@ case xdp_adjust_head_not_for_socket_filters
#@ expect reject 1: program type socket_filter may not call helper bpf_xdp_adjust_head (44)
r2 = 4
call 44
r0 = 0
exit

#@ case skb_load_bytes_not_for_xdp
#@ type xdp
#@ expect reject 4: program type xdp may not call helper bpf_skb_load_bytes (26)
r2 = 0
r3 = r10
r3 += -16
r4 = 16
call 26
r0 = 2
exit

#@ case redirect_not_for_kprobes
#@ type kprobe
#@ expect reject 2: program type kprobe may not call helper bpf_redirect (23)
r1 = 1
r2 = 0
call 23
r0 = 0
exit

#@ case get_current_comm_in_kprobe_ok
#@ type kprobe
#@ expect accept
r1 = r10
r1 += -16
r2 = 16
call 16
r0 = 0
exit

#@ case get_current_comm_buffer_too_small
#@ type kprobe
#@ expect reject 3: R1 pointer to stack: the buffer (16 bytes at fp-8) is outside the 512-byte stack frame
r1 = r10
r1 += -8
r2 = 16
call 16
r0 = 0
exit

#@ case probe_read_kernel_size_zero_ok
# probe_read takes a size that may be 0
#@ type kprobe
#@ expect accept
r1 = r10
r1 += -8
r2 = 0
r3 = 0
call 113
r0 = 0
exit

#@ case probe_read_kernel_into_ctx
#@ type kprobe
#@ expect reject 2: R1 is a pointer to context, but helper bpf_probe_read_kernel expects a pointer to the buffer
r2 = 8
r3 = 0
call 113
r0 = 0
exit

#@ case ktime_and_prandom_ok
#@ expect accept
call 5
r6 = r0
call 7
r0 += r6
r0 = 0
exit

#@ case trace_printk_stack_format_ok
#@ expect accept
r1 = 2660
*(u16 *)(r10 - 4) = r1
r1 = 0
*(u8 *)(r10 - 2) = r1
r1 = r10
r1 += -4
r2 = 3
call 6
r0 = 0
exit

#@ case csum_diff_null_buffers_ok
#@ type sched_cls
#@ expect accept
r1 = 0
r2 = 0
r3 = 0
r4 = 0
r5 = 0
call 28
r0 = 0
exit

#@ case csum_diff_null_with_size
#@ type sched_cls
#@ expect reject 5: R3 is NULL, but the size in R4 may be up to 16: helper bpf_csum_diff takes NULL only with size 0
r1 = 0
r2 = 0
r3 = 0
r4 = 16
r5 = 0
call 28
r0 = 0
exit

#@ case csum_diff_size_past_buffer
#@ type sched_cls
#@ expect reject 7: R1 pointer to stack: the buffer (12 bytes at fp-8) is outside the 512-byte stack frame
*(u64 *)(r10 - 8) = 0
r1 = r10
r1 += -8
r2 = 12
r3 = 0
r4 = 0
r5 = 0
call 28
r0 = 0
exit

#@ case map_pointer_from_lookup_value
# a map value is not a map
#@ expect reject 10: R1 is a pointer to map value, but helper bpf_map_lookup_elem expects a map
*(u32 *)(r10 - 4) = 0
r2 = r10
r2 += -4
r1 = map_by_fd(1) ll
call 1
if r0 == 0 goto out
r1 = r0
r2 = r10
r2 += -4
call 1
out:
r0 = 0
exit

#@ case percpu_lookup_on_plain_array
#@ expect reject 6: helper bpf_map_lookup_percpu_elem cannot be used with map 'map1' of type array
*(u32 *)(r10 - 4) = 0
r2 = r10
r2 += -4
r3 = 0
r1 = map_by_fd(1) ll
call 195
r0 = 0
exit

#@ case percpu_lookup_ok
#@ map percpu_array key=4 value=8 entries=2
#@ expect accept
*(u32 *)(r10 - 4) = 0
r2 = r10
r2 += -4
r3 = 0
r1 = map_by_fd(1) ll
call 195
if r0 == 0 goto out
r0 = *(u64 *)(r0 + 0)
out:
r0 = 0
exit

#@ case probe_read_size_zero_from_context
# even for zero bytes the destination must be memory (or NULL)
#@ type kprobe
#@ expect reject 2: R1 is a pointer to context, but helper bpf_probe_read_kernel expects a pointer to the buffer
r2 = 0
r3 = 0
call 113
r0 = 0
exit

#@ case probe_read_size_zero_null
# NULL is only allowed where the prototype says so (csum_diff), even for 0 bytes
#@ type kprobe
#@ expect reject 3: R1 is a scalar, but helper bpf_probe_read_kernel expects a pointer to the buffer
r1 = 0
r2 = 0
r3 = 0
call 113
r0 = 0
exit

#@ case csum_diff_not_for_socket_filters
#@ kernel reject: Linux offers bpf_csum_diff to tc, XDP and other packet types, not to socket filters; bpfvm's program-type table (src/rt/progtype.c) lists it as a base helper
#@ expect accept
r1 = 0
r2 = 0
r3 = 0
r4 = 0
r5 = 0
call 28
r0 = 0
exit
