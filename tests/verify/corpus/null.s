# null.s — pointers that may be NULL (map lookups, map-in-map lookups, ring
# buffer reservations) must be compared with 0 (64-bit) before any use; the check
# covers every copy of the pointer, spilled ones too. Keys here come from the
# packet length (unknown), except in the array_const_key cases: an array lookup
# with a constant key below max_entries cannot fail (Linux 6.14+).
#@ type socket
#@ map array key=4 value=16 entries=4
#@ map hash key=8 value=8 entries=64

#@ case lookup_unchecked_read
#@ expect reject 8: R0 may be NULL: check the result of bpf_map_lookup_elem against NULL before the read
r9 = r1
r1 = *(u32 *)(r9 + 0)
*(u32 *)(r10 - 4) = r1
r2 = r10
r2 += -4
r1 = map_by_fd(1) ll
call 1
r0 = *(u64 *)(r0 + 0)
r0 = 0
exit

#@ case lookup_unchecked_write
#@ expect reject 8: R0 may be NULL: check the result of bpf_map_lookup_elem against NULL before the write
r9 = r1
r1 = *(u32 *)(r9 + 0)
*(u32 *)(r10 - 4) = r1
r2 = r10
r2 += -4
r1 = map_by_fd(1) ll
call 1
*(u64 *)(r0 + 0) = 1
r0 = 0
exit

#@ case jeq_zero_ok
#@ expect accept
r9 = r1
r1 = *(u32 *)(r9 + 0)
*(u32 *)(r10 - 4) = r1
r2 = r10
r2 += -4
r1 = map_by_fd(1) ll
call 1
if r0 == 0 goto out
r0 = *(u64 *)(r0 + 8)
out:
r0 = 0
exit

#@ case jne_zero_ok
#@ expect accept
r9 = r1
r1 = *(u32 *)(r9 + 0)
*(u32 *)(r10 - 4) = r1
r2 = r10
r2 += -4
r1 = map_by_fd(1) ll
call 1
if r0 != 0 goto use
r0 = 0
exit
use:
*(u64 *)(r0 + 8) = 5
r0 = 0
exit

#@ case jne_zero_wrong_branch
#@ expect reject 9: R0 is a scalar, not a pointer: it cannot be dereferenced
r9 = r1
r1 = *(u32 *)(r9 + 0)
*(u32 *)(r10 - 4) = r1
r2 = r10
r2 += -4
r1 = map_by_fd(1) ll
call 1
if r0 != 0 goto out
r0 = *(u64 *)(r0 + 0)
out:
r0 = 0
exit

#@ case zero_register_compare_ok
# against a register holding 0
#@ kernel reject: Linux recognizes NULL checks only against the immediate 0; bpfvm also against a register known to be 0
#@ expect accept
r9 = r1
r1 = *(u32 *)(r9 + 0)
*(u32 *)(r10 - 4) = r1
r2 = r10
r2 += -4
r1 = map_by_fd(1) ll
call 1
r1 = 0
if r0 == r1 goto out
r0 = *(u64 *)(r0 + 8)
out:
r0 = 0
exit

#@ case compare_with_one_is_not_a_null_check
#@ expect reject 9: R0 may be NULL: check the result of bpf_map_lookup_elem against NULL before the read
r9 = r1
r1 = *(u32 *)(r9 + 0)
*(u32 *)(r10 - 4) = r1
r2 = r10
r2 += -4
r1 = map_by_fd(1) ll
call 1
if r0 == 1 goto out
r0 = *(u64 *)(r0 + 0)
out:
r0 = 0
exit

#@ case jmp32_is_not_a_null_check
#@ expect reject 9: R0 may be NULL: check the result of bpf_map_lookup_elem against NULL before the read
r9 = r1
r1 = *(u32 *)(r9 + 0)
*(u32 *)(r10 - 4) = r1
r2 = r10
r2 += -4
r1 = map_by_fd(1) ll
call 1
if w0 == 0 goto out
r0 = *(u64 *)(r0 + 0)
out:
r0 = 0
exit

#@ case check_on_copy_ok
#@ expect accept
r9 = r1
r1 = *(u32 *)(r9 + 0)
*(u32 *)(r10 - 4) = r1
r2 = r10
r2 += -4
r1 = map_by_fd(1) ll
call 1
r6 = r0
if r6 == 0 goto out
r0 = *(u64 *)(r0 + 0)
out:
r0 = 0
exit

#@ case copy_made_after_check_ok
#@ expect accept
r9 = r1
r1 = *(u32 *)(r9 + 0)
*(u32 *)(r10 - 4) = r1
r2 = r10
r2 += -4
r1 = map_by_fd(1) ll
call 1
if r0 == 0 goto out
r7 = r0
r0 = *(u64 *)(r7 + 0)
out:
r0 = 0
exit

#@ case two_lookups_check_wrong_one
#@ expect reject 17: R6 may be NULL: check the result of bpf_map_lookup_elem against NULL before the read
r9 = r1
r1 = *(u32 *)(r9 + 0)
*(u32 *)(r10 - 4) = r1
r2 = r10
r2 += -4
r1 = map_by_fd(1) ll
call 1
r6 = r0
r1 = *(u32 *)(r9 + 0)
*(u32 *)(r10 - 4) = r1
r2 = r10
r2 += -4
r1 = map_by_fd(1) ll
call 1
if r0 == 0 goto out
r0 = *(u64 *)(r6 + 0)
out:
r0 = 0
exit

#@ case arithmetic_before_check
#@ expect reject 8: R0 is a pointer to map value or null: pointer arithmetic before the NULL check is not allowed
r9 = r1
r1 = *(u32 *)(r9 + 0)
*(u32 *)(r10 - 4) = r1
r2 = r10
r2 += -4
r1 = map_by_fd(1) ll
call 1
r0 += 8
if r0 == 0 goto out
r0 = *(u64 *)(r0 + 0)
out:
r0 = 0
exit

#@ case null_branch_is_zero_ok
# on the NULL branch r0 is the number 0: a fine return value
#@ expect accept
r9 = r1
r1 = *(u32 *)(r9 + 0)
*(u32 *)(r10 - 4) = r1
r2 = r10
r2 += -4
r1 = map_by_fd(1) ll
call 1
if r0 != 0 goto out
exit
out:
r0 = 1
exit

#@ case maybe_null_as_helper_key
#@ expect reject 11: R2 may be NULL: check the result of bpf_map_lookup_elem against NULL before the read
r9 = r1
r1 = *(u32 *)(r9 + 0)
*(u32 *)(r10 - 4) = r1
r2 = r10
r2 += -4
r1 = map_by_fd(1) ll
call 1
r2 = r0
r1 = map_by_fd(1) ll
call 1
r0 = 0
exit

#@ case checked_value_as_helper_key_ok
# a map value may serve as the key of another lookup
#@ expect accept
r9 = r1
r1 = *(u32 *)(r9 + 0)
*(u32 *)(r10 - 4) = r1
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

#@ case hash_lookup_unchecked
#@ expect reject 6: R0 may be NULL: check the result of bpf_map_lookup_elem against NULL before the read
*(u64 *)(r10 - 8) = 0
r2 = r10
r2 += -8
r1 = map_by_fd(2) ll
call 1
r0 = *(u64 *)(r0 + 0)
r0 = 0
exit

#@ case hash_lookup_checked_ok
#@ expect accept
*(u64 *)(r10 - 8) = 0
r2 = r10
r2 += -8
r1 = map_by_fd(2) ll
call 1
if r0 == 0 goto out
r1 = *(u64 *)(r0 + 0)
r1 += 1
*(u64 *)(r0 + 0) = r1
out:
r0 = 0
exit

#@ case checked_then_used_on_both_paths
# the join after the check loses nothing: the access is only on the checked path
#@ expect accept
r9 = r1
r1 = *(u32 *)(r9 + 0)
*(u32 *)(r10 - 4) = r1
r2 = r10
r2 += -4
r1 = map_by_fd(1) ll
call 1
r6 = 0
if r0 == 0 goto join
r6 = *(u64 *)(r0 + 0)
join:
r0 = r6
r0 &= 1
exit

#@ case used_after_join
#@ expect reject 8: R1 is read before it is written (it holds no value on this path)
r9 = r1
r1 = *(u32 *)(r9 + 0)
*(u32 *)(r10 - 4) = r1
r2 = r10
r2 += -4
r1 = map_by_fd(1) ll
call 1
r6 = *(u32 *)(r1 + 0)
if r6 == 0 goto join
if r0 == 0 goto out
join:
r0 = *(u64 *)(r0 + 0)
out:
r0 = 0
exit

#@ case map_in_map_checked_ok
#@ map array key=4 value=8 entries=1
#@ map array_of_maps key=4 value=4 entries=2 inner=1
#@ expect accept
r9 = r1
r1 = *(u32 *)(r9 + 0)
*(u32 *)(r10 - 4) = r1
r2 = r10
r2 += -4
r1 = map_by_fd(2) ll
call 1
if r0 == 0 goto out
r1 = r0
r2 = r10
r2 += -4
call 1
if r0 == 0 goto out
r0 = *(u64 *)(r0 + 0)
out:
r0 = 0
exit

#@ case map_in_map_inner_unchecked
#@ map array key=4 value=8 entries=1
#@ map array_of_maps key=4 value=4 entries=2 inner=1
#@ expect reject 11: R1 may be NULL (a map from a map-in-map lookup): check it against NULL before passing it to bpf_map_lookup_elem
r9 = r1
r1 = *(u32 *)(r9 + 0)
*(u32 *)(r10 - 4) = r1
r2 = r10
r2 += -4
r1 = map_by_fd(2) ll
call 1
r1 = r0
r2 = r10
r2 += -4
call 1
r0 = 0
exit

#@ case map_in_map_value_unchecked
#@ map array key=4 value=8 entries=1
#@ map array_of_maps key=4 value=4 entries=2 inner=1
#@ expect reject 13: R0 may be NULL: check the result of bpf_map_lookup_elem against NULL before the read
r9 = r1
r1 = *(u32 *)(r9 + 0)
*(u32 *)(r10 - 4) = r1
r2 = r10
r2 += -4
r1 = map_by_fd(2) ll
call 1
if r0 == 0 goto out
r1 = r0
r2 = r10
r2 += -4
call 1
r0 = *(u64 *)(r0 + 0)
out:
r0 = 0
exit

#@ case map_in_map_value_too_far
#@ map array key=4 value=8 entries=1
#@ map array_of_maps key=4 value=4 entries=2 inner=1
#@ expect reject 14: R0 pointer to map value of 'map1': read of 8 bytes at offset 4 is outside the 8-byte value
r9 = r1
r1 = *(u32 *)(r9 + 0)
*(u32 *)(r10 - 4) = r1
r2 = r10
r2 += -4
r1 = map_by_fd(2) ll
call 1
if r0 == 0 goto out
r1 = r0
r2 = r10
r2 += -4
call 1
if r0 == 0 goto out
r0 = *(u64 *)(r0 + 4)
out:
r0 = 0
exit

#@ case ringbuf_reserve_unchecked
#@ map ringbuf key=0 value=0 entries=4096
#@ expect reject 5: R0 may be NULL: check the result of bpf_ringbuf_reserve against NULL before the write
r1 = map_by_fd(1) ll
r2 = 8
r3 = 0
call 131
*(u64 *)(r0 + 0) = 1
r1 = r0
r2 = 0
call 132
r0 = 0
exit

#@ case ringbuf_reserve_checked_ok
#@ map ringbuf key=0 value=0 entries=4096
#@ expect accept
r1 = map_by_fd(1) ll
r2 = 8
r3 = 0
call 131
if r0 == 0 goto out
*(u64 *)(r0 + 0) = 1
r1 = r0
r2 = 0
call 132
out:
r0 = 0
exit

#@ case lookup_result_compared_with_pointer
# comparing with another pointer does not prove it non-NULL
#@ expect reject 10: R0 may be NULL: check the result of bpf_map_lookup_elem against NULL before the read
r9 = r1
r1 = *(u32 *)(r9 + 0)
*(u32 *)(r10 - 4) = r1
r2 = r10
r2 += -4
r1 = map_by_fd(1) ll
call 1
r2 = r10
if r0 == r2 goto out
r0 = *(u64 *)(r0 + 0)
out:
r0 = 0
exit

#@ case array_const_key_needs_no_check
# key 0 < max_entries: the lookup cannot fail (Linux 6.14+)
#@ expect accept
r1 = 0
*(u32 *)(r10 - 4) = r1
r2 = r10
r2 += -4
r1 = map_by_fd(1) ll
call 1
r0 = *(u64 *)(r0 + 8)
r0 = 0
exit

#@ case array_const_key_3_needs_no_check
#@ expect accept
*(u32 *)(r10 - 8) = 3
r2 = r10
r2 += -8
r1 = map_by_fd(1) ll
call 1
r0 = *(u64 *)(r0 + 8)
r0 = 0
exit

#@ case array_const_key_out_of_range
# key 4 = max_entries: the lookup returns NULL
#@ expect reject 6: R0 may be NULL: check the result of bpf_map_lookup_elem against NULL before the read
*(u32 *)(r10 - 8) = 4
r2 = r10
r2 += -8
r1 = map_by_fd(1) ll
call 1
r0 = *(u64 *)(r0 + 8)
r0 = 0
exit

#@ case array_const_key_hash_map_still_checked
#@ expect reject 6: R0 may be NULL: check the result of bpf_map_lookup_elem against NULL before the read
*(u64 *)(r10 - 8) = 0
r2 = r10
r2 += -8
r1 = map_by_fd(2) ll
call 1
r0 = *(u64 *)(r0 + 0)
r0 = 0
exit

#@ case array_key_on_one_path_only
# on one path the key is 2 (in range), on the other 9: the join must check
#@ expect reject 9: R0 may be NULL: check the result of bpf_map_lookup_elem against NULL before the read
r6 = *(u32 *)(r1 + 0)
*(u32 *)(r10 - 8) = 2
if r6 > 100 goto lookup
*(u32 *)(r10 - 8) = 9
lookup:
r2 = r10
r2 += -8
r1 = map_by_fd(1) ll
call 1
r0 = *(u64 *)(r0 + 8)
r0 = 0
exit
