# packet.s — direct packet access in XDP: a read or write is allowed only below
# the range proven by comparing a packet pointer against data_end, through every
# form of comparison (either operand order), copies of the pointer, variable
# offsets, and data_meta against data.
#@ type xdp

#@ case jgt_ok
#@ expect accept
r2 = *(u32 *)(r1 + 0)
r3 = *(u32 *)(r1 + 4)
r4 = r2
r4 += 14
if r4 > r3 goto out
r0 = *(u8 *)(r2 + 13)
out:
r0 = 2
exit

#@ case jgt_off_by_one
#@ expect reject 5: R2 pointer to packet: read of 1 byte at offset 14 goes past the 14 bytes proven by comparing with data_end
r2 = *(u32 *)(r1 + 0)
r3 = *(u32 *)(r1 + 4)
r4 = r2
r4 += 14
if r4 > r3 goto out
r0 = *(u8 *)(r2 + 14)
out:
r0 = 2
exit

#@ case jgt_u32_read_ok
#@ expect accept
r2 = *(u32 *)(r1 + 0)
r3 = *(u32 *)(r1 + 4)
r4 = r2
r4 += 14
if r4 > r3 goto out
r0 = *(u32 *)(r2 + 10)
out:
r0 = 2
exit

#@ case jgt_u32_read_past
#@ expect reject 5: R2 pointer to packet: read of 4 bytes at offset 11 goes past the 14 bytes proven by comparing with data_end
r2 = *(u32 *)(r1 + 0)
r3 = *(u32 *)(r1 + 4)
r4 = r2
r4 += 14
if r4 > r3 goto out
r0 = *(u32 *)(r2 + 11)
out:
r0 = 2
exit

#@ case no_check
#@ expect reject 1: R2 pointer to packet: read of 1 byte at offset 0 is not proven to be inside the packet: compare the pointer with data_end first
r2 = *(u32 *)(r1 + 0)
r0 = *(u8 *)(r2 + 0)
r0 = 2
exit

#@ case wrong_branch
#@ expect reject 5: R2 pointer to packet: read of 1 byte at offset 0 is not proven to be inside the packet: compare the pointer with data_end first
r2 = *(u32 *)(r1 + 0)
r3 = *(u32 *)(r1 + 4)
r4 = r2
r4 += 14
if r4 <= r3 goto out
r0 = *(u8 *)(r2 + 0)
out:
r0 = 2
exit

#@ case jge_fallthrough_ok
# data + 14 < data_end: bytes 0..14 are in
#@ expect accept
r2 = *(u32 *)(r1 + 0)
r3 = *(u32 *)(r1 + 4)
r4 = r2
r4 += 14
if r4 >= r3 goto out
r0 = *(u8 *)(r2 + 13)
out:
r0 = 2
exit

#@ case jlt_taken_ok
#@ expect accept
r2 = *(u32 *)(r1 + 0)
r3 = *(u32 *)(r1 + 4)
r4 = r2
r4 += 14
if r4 < r3 goto ok
r0 = 1
exit
ok:
r0 = *(u16 *)(r2 + 12)
r0 = 2
exit

#@ case jle_taken_ok
#@ expect accept
r2 = *(u32 *)(r1 + 0)
r3 = *(u32 *)(r1 + 4)
r4 = r2
r4 += 14
if r4 <= r3 goto ok
r0 = 1
exit
ok:
r0 = *(u16 *)(r2 + 12)
r0 = 2
exit

#@ case jle_taken_past
#@ expect reject 7: R2 pointer to packet: read of 2 bytes at offset 13 goes past the 14 bytes proven by comparing with data_end
r2 = *(u32 *)(r1 + 0)
r3 = *(u32 *)(r1 + 4)
r4 = r2
r4 += 14
if r4 <= r3 goto ok
r0 = 1
exit
ok:
r0 = *(u16 *)(r2 + 13)
r0 = 2
exit

#@ case jle_fallthrough_proves_nothing
#@ expect reject 5: R2 pointer to packet: read of 1 byte at offset 0 is not proven to be inside the packet: compare the pointer with data_end first
r2 = *(u32 *)(r1 + 0)
r3 = *(u32 *)(r1 + 4)
r4 = r2
r4 += 14
if r4 <= r3 goto out
r0 = *(u8 *)(r2 + 0)
out:
r0 = 2
exit

#@ case swapped_jlt_ok
# data_end < data + 14 jumps out: the fall-through proves 14 bytes
#@ expect accept
r2 = *(u32 *)(r1 + 0)
r3 = *(u32 *)(r1 + 4)
r4 = r2
r4 += 14
if r3 < r4 goto out
r0 = *(u8 *)(r2 + 13)
out:
r0 = 2
exit

#@ case swapped_jge_taken_ok
#@ expect accept
r2 = *(u32 *)(r1 + 0)
r3 = *(u32 *)(r1 + 4)
r4 = r2
r4 += 14
if r3 >= r4 goto ok
r0 = 1
exit
ok:
r0 = *(u8 *)(r2 + 13)
r0 = 2
exit

#@ case swapped_jgt_taken_ok
# data_end > data + 14: byte 14 is in too
#@ expect accept
r2 = *(u32 *)(r1 + 0)
r3 = *(u32 *)(r1 + 4)
r4 = r2
r4 += 14
if r3 > r4 goto ok
r0 = 1
exit
ok:
r0 = *(u8 *)(r2 + 14)
r0 = 2
exit

#@ case swapped_jle_fallthrough_ok
#@ expect accept
r2 = *(u32 *)(r1 + 0)
r3 = *(u32 *)(r1 + 4)
r4 = r2
r4 += 14
if r3 <= r4 goto out
r0 = *(u8 *)(r2 + 14)
out:
r0 = 2
exit

#@ case swapped_jle_fallthrough_past
#@ expect reject 5: R2 pointer to packet: read of 1 byte at offset 15 goes past the 15 bytes proven by comparing with data_end
r2 = *(u32 *)(r1 + 0)
r3 = *(u32 *)(r1 + 4)
r4 = r2
r4 += 14
if r3 <= r4 goto out
r0 = *(u8 *)(r2 + 15)
out:
r0 = 2
exit

#@ case access_through_checked_pointer_ok
#@ expect accept
r2 = *(u32 *)(r1 + 0)
r3 = *(u32 *)(r1 + 4)
r4 = r2
r4 += 14
if r4 > r3 goto out
r0 = *(u8 *)(r4 - 1)
out:
r0 = 2
exit

#@ case access_past_checked_pointer
#@ expect reject 5: R4 pointer to packet: read of 1 byte at offset 14 goes past the 14 bytes proven by comparing with data_end
r2 = *(u32 *)(r1 + 0)
r3 = *(u32 *)(r1 + 4)
r4 = r2
r4 += 14
if r4 > r3 goto out
r0 = *(u8 *)(r4 + 0)
out:
r0 = 2
exit

#@ case before_start
#@ expect reject 5: R2 pointer to packet: read of 1 byte at offset -1 is before the start of the packet
r2 = *(u32 *)(r1 + 0)
r3 = *(u32 *)(r1 + 4)
r4 = r2
r4 += 14
if r4 > r3 goto out
r0 = *(u8 *)(r2 - 1)
out:
r0 = 2
exit

#@ case two_checks_ok
#@ expect accept
r2 = *(u32 *)(r1 + 0)
r3 = *(u32 *)(r1 + 4)
r4 = r2
r4 += 14
if r4 > r3 goto out
r0 = *(u16 *)(r2 + 12)
r4 = r2
r4 += 34
if r4 > r3 goto out
r0 = *(u32 *)(r2 + 30)
out:
r0 = 2
exit

#@ case second_check_forgotten
#@ expect reject 6: R2 pointer to packet: read of 4 bytes at offset 30 goes past the 14 bytes proven by comparing with data_end
r2 = *(u32 *)(r1 + 0)
r3 = *(u32 *)(r1 + 4)
r4 = r2
r4 += 14
if r4 > r3 goto out
r0 = *(u16 *)(r2 + 12)
r0 = *(u32 *)(r2 + 30)
out:
r0 = 2
exit

#@ case write_ok
#@ expect accept
r2 = *(u32 *)(r1 + 0)
r3 = *(u32 *)(r1 + 4)
r4 = r2
r4 += 6
if r4 > r3 goto out
*(u32 *)(r2 + 0) = 0
*(u16 *)(r2 + 4) = 0
out:
r0 = 2
exit

#@ case write_past
#@ expect reject 5: R2 pointer to packet: write of 4 bytes at offset 4 goes past the 6 bytes proven by comparing with data_end
r2 = *(u32 *)(r1 + 0)
r3 = *(u32 *)(r1 + 4)
r4 = r2
r4 += 6
if r4 > r3 goto out
*(u32 *)(r2 + 4) = 0
out:
r0 = 2
exit

#@ case var_offset_then_check_ok
# data + (byte 0 of the packet) checked again before the access
#@ expect accept
r2 = *(u32 *)(r1 + 0)
r3 = *(u32 *)(r1 + 4)
r4 = r2
r4 += 1
if r4 > r3 goto out
r5 = *(u8 *)(r2 + 0)
r2 += r5
r4 = r2
r4 += 4
if r4 > r3 goto out
r0 = *(u32 *)(r2 + 0)
out:
r0 = 2
exit

#@ case var_offset_old_range_lost
# adding a variable offset gives a new pointer: the earlier check does not cover it
#@ expect reject 8: R2 pointer to packet: read of 1 byte at offset 0 is not proven to be inside the packet: compare the pointer with data_end first
r2 = *(u32 *)(r1 + 0)
r3 = *(u32 *)(r1 + 4)
r4 = r2
r4 += 64
if r4 > r3 goto out
r5 = *(u8 *)(r2 + 0)
r5 &= 7
r2 += r5
r0 = *(u8 *)(r2 + 0)
out:
r0 = 2
exit

#@ case var_offset_unbounded
#@ expect reject 6: R2: the pointer to packet would get an unbounded offset: R5 has no upper bound; compare it against a limit first
r2 = *(u32 *)(r1 + 0)
r3 = *(u32 *)(r1 + 4)
r4 = r2
r4 += 8
if r4 > r3 goto out
r5 = *(u32 *)(r2 + 0)
r2 += r5
r4 = r2
r4 += 4
if r4 > r3 goto out
r0 = *(u32 *)(r2 + 0)
out:
r0 = 2
exit

#@ case var_offset_negative_ok_after_check
# a variable offset that may be negative cannot be proven against data_end
#@ expect reject 10: R2 pointer to packet: the variable offset is not bounded to 0..65535; compare it first
r2 = *(u32 *)(r1 + 0)
r3 = *(u32 *)(r1 + 4)
r4 = r2
r4 += 8
if r4 > r3 goto out
r5 = *(s8 *)(r2 + 0)
r2 += r5
r4 = r2
r4 += 4
if r4 > r3 goto out
r0 = *(u32 *)(r2 + 0)
out:
r0 = 2
exit

#@ case jmp32_compare_proves_nothing
#@ expect reject 5: R2 pointer to packet: read of 1 byte at offset 0 is not proven to be inside the packet: compare the pointer with data_end first
r2 = *(u32 *)(r1 + 0)
r3 = *(u32 *)(r1 + 4)
r4 = r2
r4 += 14
if w4 > w3 goto out
r0 = *(u8 *)(r2 + 0)
out:
r0 = 2
exit

#@ case compare_with_scalar_proves_nothing
#@ expect reject 5: R2 pointer to packet: read of 1 byte at offset 0 is not proven to be inside the packet: compare the pointer with data_end first
r2 = *(u32 *)(r1 + 0)
r3 = *(u32 *)(r1 + 12)
r4 = r2
r4 += 14
if r4 > r3 goto out
r0 = *(u8 *)(r2 + 0)
out:
r0 = 2
exit

#@ case meta_ok
#@ expect accept
r2 = *(u32 *)(r1 + 8)
r3 = *(u32 *)(r1 + 0)
r4 = r2
r4 += 4
if r4 > r3 goto out
r0 = *(u32 *)(r2 + 0)
out:
r0 = 2
exit

#@ case meta_unchecked
#@ expect reject 1: R2 pointer to packet metadata: read of 4 bytes at offset 0 is not proven to be inside the packet: compare the pointer with data first
r2 = *(u32 *)(r1 + 8)
r0 = *(u32 *)(r2 + 0)
r0 = 2
exit

#@ case meta_checked_against_end_not_data
#@ expect reject 5: R2 pointer to packet metadata: read of 4 bytes at offset 0 is not proven to be inside the packet: compare the pointer with data first
r2 = *(u32 *)(r1 + 8)
r3 = *(u32 *)(r1 + 4)
r4 = r2
r4 += 4
if r4 > r3 goto out
r0 = *(u32 *)(r2 + 0)
out:
r0 = 2
exit

#@ case pkt_minus_pkt_ok
#@ expect accept
r2 = *(u32 *)(r1 + 0)
r3 = *(u32 *)(r1 + 4)
r3 -= r2
r0 = r3
r0 &= 3
exit

#@ case large_constant_offset
# more than 0xffff bytes past data cannot be proven
#@ expect reject 5: R2 pointer to packet: read of 1 byte at offset 0 is not proven to be inside the packet: compare the pointer with data_end first
r2 = *(u32 *)(r1 + 0)
r3 = *(u32 *)(r1 + 4)
r4 = r2
r4 += 70000
if r4 > r3 goto out
r0 = *(u8 *)(r2 + 0)
out:
r0 = 2
exit

#@ case range_kept_in_copy_made_before_check
# a copy made before the check shares its identity and gets the range too
#@ expect accept
r2 = *(u32 *)(r1 + 0)
r3 = *(u32 *)(r1 + 4)
r6 = r2
r4 = r2
r4 += 8
if r4 > r3 goto out
r0 = *(u64 *)(r6 + 0)
out:
r0 = 2
exit

#@ case range_not_shared_with_reloaded_data
# data loaded again from the context is a new pointer without a range
#@ expect reject 6: R6 pointer to packet: read of 8 bytes at offset 0 is not proven to be inside the packet: compare the pointer with data_end first
r2 = *(u32 *)(r1 + 0)
r3 = *(u32 *)(r1 + 4)
r4 = r2
r4 += 8
if r4 > r3 goto out
r6 = *(u32 *)(r1 + 0)
r0 = *(u64 *)(r6 + 0)
out:
r0 = 2
exit

#@ case end_pointer_arith
#@ expect reject 1: R3 is a pointer to packet end: arithmetic on it is not allowed
r3 = *(u32 *)(r1 + 4)
r3 += -8
r0 = 2
exit

#@ case end_pointer_deref
#@ expect reject 1: R3 is a pointer to packet end: it cannot be dereferenced
r3 = *(u32 *)(r1 + 4)
r0 = *(u8 *)(r3 - 1)
r0 = 2
exit

#@ case atomic_on_packet
#@ expect reject 6: atomic operation through R2, a pointer to packet: only the stack and map values allow them
r2 = *(u32 *)(r1 + 0)
r3 = *(u32 *)(r1 + 4)
r4 = r2
r4 += 8
if r4 > r3 goto out
r5 = 1
lock *(u64 *)(r2 + 0) += r5
out:
r0 = 2
exit
