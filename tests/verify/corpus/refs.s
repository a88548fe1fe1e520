# refs.s — acquired references: a ring buffer record from bpf_ringbuf_reserve
# must be submitted or discarded exactly once on every path, used only within its
# size, and not after its release; nothing may leak it (exit, tail call).
#@ type xdp
#@ map ringbuf key=0 value=0 entries=4096
#@ map prog_array key=4 value=4 entries=1

#@ case reserve_submit_ok
#@ expect accept
r1 = map_by_fd(1) ll
r2 = 16
r3 = 0
call 131
if r0 == 0 goto out
*(u64 *)(r0 + 8) = 7
r1 = r0
r2 = 0
call 132
out:
r0 = 2
exit

#@ case reserve_discard_ok
#@ expect accept
r1 = map_by_fd(1) ll
r2 = 16
r3 = 0
call 131
if r0 == 0 goto out
r1 = r0
r2 = 0
call 133
out:
r0 = 2
exit

#@ case reserve_never_released
#@ expect reject 8: the ring buffer record reserved at instruction 4 is neither submitted nor discarded on this path
r1 = map_by_fd(1) ll
r2 = 16
r3 = 0
call 131
if r0 == 0 goto out
*(u64 *)(r0 + 0) = 1
out:
r0 = 2
exit

#@ case released_on_one_path_only
#@ expect reject 12: the ring buffer record reserved at instruction 5 is neither submitted nor discarded on this path
r6 = *(u32 *)(r1 + 16)
r1 = map_by_fd(1) ll
r2 = 16
r3 = 0
call 131
if r0 == 0 goto out
if r6 == 0 goto out
r1 = r0
r2 = 0
call 132
out:
r0 = 2
exit

#@ case released_on_both_paths_ok
#@ expect accept
r6 = *(u32 *)(r1 + 16)
r1 = map_by_fd(1) ll
r2 = 16
r3 = 0
call 131
if r0 == 0 goto out
r1 = r0
r2 = 0
if r6 == 0 goto discard
call 132
goto out
discard:
call 133
out:
r0 = 2
exit

#@ case submit_unchecked
#@ expect reject 7: R1 may be NULL: check the result of bpf_ringbuf_reserve against NULL before passing it to bpf_ringbuf_submit
r1 = map_by_fd(1) ll
r2 = 16
r3 = 0
call 131
r1 = r0
r2 = 0
call 132
r0 = 2
exit

#@ case submit_twice
#@ expect reject 12: R1 is a scalar, but bpf_ringbuf_submit expects a record returned by bpf_ringbuf_reserve (one not yet submitted or discarded)
r1 = map_by_fd(1) ll
r2 = 16
r3 = 0
call 131
if r0 == 0 goto out
r6 = r0
r1 = r6
r2 = 0
call 132
r1 = r6
r2 = 0
call 132
out:
r0 = 2
exit

#@ case use_after_submit
#@ expect reject 10: R6 is no longer a pointer: bpf_ringbuf_submit at instruction 9 released the ring buffer record it pointed to
r1 = map_by_fd(1) ll
r2 = 16
r3 = 0
call 131
if r0 == 0 goto out
r6 = r0
r1 = r0
r2 = 0
call 132
*(u64 *)(r6 + 0) = 1
out:
r0 = 2
exit

#@ case write_past_record
#@ expect reject 6: R0 pointer to a ring buffer record: write of 8 bytes at offset 12 is outside its 16 bytes
r1 = map_by_fd(1) ll
r2 = 16
r3 = 0
call 131
if r0 == 0 goto out
*(u64 *)(r0 + 12) = 1
r1 = r0
r2 = 0
call 132
out:
r0 = 2
exit

#@ case read_before_record
#@ expect reject 6: R0 pointer to a ring buffer record: read of 8 bytes at offset -8 is outside its 16 bytes
r1 = map_by_fd(1) ll
r2 = 16
r3 = 0
call 131
if r0 == 0 goto out
r6 = *(u64 *)(r0 - 8)
r1 = r0
r2 = 0
call 132
out:
r0 = 2
exit

#@ case reserve_size_not_constant
#@ expect reject 5: R2: bpf_ringbuf_reserve needs a constant size
r2 = *(u32 *)(r1 + 16)
r2 &= 63
r1 = map_by_fd(1) ll
r3 = 0
call 131
if r0 == 0 goto out
r1 = r0
r2 = 0
call 132
out:
r0 = 2
exit

#@ case submit_moved_pointer
#@ expect reject 9: R1 points inside the ring buffer record: bpf_ringbuf_submit needs the pointer bpf_ringbuf_reserve returned
r1 = map_by_fd(1) ll
r2 = 16
r3 = 0
call 131
if r0 == 0 goto out
r1 = r0
r1 += 8
r2 = 0
call 132
out:
r0 = 2
exit

#@ case submit_a_map_value
#@ map ringbuf key=0 value=0 entries=4096
#@ map array key=4 value=16 entries=1
#@ expect reject 9: R1 is a pointer to map value, but bpf_ringbuf_submit expects a record returned by bpf_ringbuf_reserve (one not yet submitted or discarded)
*(u32 *)(r10 - 4) = 0
r2 = r10
r2 += -4
r1 = map_by_fd(2) ll
call 1
if r0 == 0 goto out
r1 = r0
r2 = 0
call 132
out:
r0 = 2
exit

#@ case two_records_ok
#@ expect accept
r1 = map_by_fd(1) ll
r2 = 8
r3 = 0
call 131
if r0 == 0 goto out
r6 = r0
r1 = map_by_fd(1) ll
r2 = 8
r3 = 0
call 131
if r0 == 0 goto one
r1 = r0
r2 = 0
call 133
one:
r1 = r6
r2 = 0
call 132
out:
r0 = 2
exit

#@ case two_records_one_leaked
#@ expect reject 18: the ring buffer record reserved at instruction 11 is neither submitted nor discarded on this path
r1 = map_by_fd(1) ll
r2 = 8
r3 = 0
call 131
if r0 == 0 goto out
r6 = r0
r1 = map_by_fd(1) ll
r2 = 8
r3 = 0
call 131
if r0 == 0 goto one
*(u64 *)(r0 + 0) = 0
one:
r1 = r6
r2 = 0
call 132
out:
r0 = 2
exit

#@ case tail_call_with_record
#@ expect reject 12: bpf_tail_call would leak the ring buffer record reserved at instruction 5
r6 = r1
r1 = map_by_fd(1) ll
r2 = 8
r3 = 0
call 131
if r0 == 0 goto out
r7 = r0
r1 = r6
r2 = map_by_fd(2) ll
r3 = 0
call 12
r1 = r7
r2 = 0
call 132
out:
r0 = 2
exit

#@ case record_spilled_and_submitted_ok
#@ expect accept
r1 = map_by_fd(1) ll
r2 = 8
r3 = 0
call 131
if r0 == 0 goto out
*(u64 *)(r10 - 8) = r0
call 7
r1 = *(u64 *)(r10 - 8)
r2 = 0
call 132
out:
r0 = 2
exit

#@ case null_record_needs_no_release_ok
# the NULL branch holds no record
#@ expect accept
r1 = map_by_fd(1) ll
r2 = 8
r3 = 0
call 131
if r0 != 0 goto have
r0 = 2
exit
have:
r1 = r0
r2 = 0
call 133
r0 = 2
exit

#@ case record_as_helper_buffer_ok
#@ expect accept
r6 = r1
r1 = map_by_fd(1) ll
r2 = 16
r3 = 0
call 131
if r0 == 0 goto out
r7 = r0
call 5
*(u64 *)(r7 + 0) = r0
r1 = r7
r2 = 0
call 132
out:
r0 = 2
exit

#@ case release_in_subprogram_ok
#@ expect accept
r1 = map_by_fd(1) ll
r2 = 8
r3 = 0
call 131
if r0 == 0 goto out
r1 = r0
call release
out:
r0 = 2
exit
release:
r2 = 0
call 133
r0 = 0
exit
