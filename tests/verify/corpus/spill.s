# spill.s — registers spilled to the stack and filled back: full 8-byte spills of
# scalars and of every kind of pointer keep the register exactly; narrow spills
# of scalars keep their bounds; partial overwrites and narrow reads of a spilled
# pointer give plain bytes, which cannot be dereferenced.
#@ type xdp
#@ map array key=4 value=64 entries=1

#@ case scalar_bounds_survive_spill
#@ expect accept
r1 = 0
*(u32 *)(r10 - 4) = r1
r2 = r10
r2 += -4
r1 = map_by_fd(1) ll
call 1
if r0 == 0 goto out
r1 = *(u64 *)(r0 + 0)
if r1 > 63 goto out
*(u64 *)(r10 - 16) = r1
r1 = 0
r1 = *(u64 *)(r10 - 16)
r0 += r1
r0 = *(u8 *)(r0 + 0)
out:
r0 = 2
exit

#@ case spilled_slot_overwritten_by_unbounded
#@ expect reject 14: R0: the pointer to map value would get an unbounded offset: R1 has no bounds; compare it against a limit first
r1 = 0
*(u32 *)(r10 - 4) = r1
r2 = r10
r2 += -4
r1 = map_by_fd(1) ll
call 1
if r0 == 0 goto out
r1 = *(u64 *)(r0 + 0)
if r1 > 63 goto out
*(u64 *)(r10 - 16) = r1
r2 = *(u64 *)(r0 + 8)
*(u64 *)(r10 - 16) = r2
r1 = *(u64 *)(r10 - 16)
r0 += r1
r0 = *(u8 *)(r0 + 0)
out:
r0 = 2
exit

#@ case ctx_pointer_spill_fill
#@ expect accept
*(u64 *)(r10 - 8) = r1
r1 = 0
r6 = *(u64 *)(r10 - 8)
r0 = *(u32 *)(r6 + 12)
r0 = 2
exit

#@ case map_value_spill_fill
#@ expect accept
r1 = 0
*(u32 *)(r10 - 4) = r1
r2 = r10
r2 += -4
r1 = map_by_fd(1) ll
call 1
if r0 == 0 goto out
*(u64 *)(r10 - 16) = r0
r6 = *(u64 *)(r10 - 16)
*(u64 *)(r6 + 56) = 1
out:
r0 = 2
exit

#@ case null_check_after_fill
# the spilled copy shares the identity: checking the filled one checks r0 too
#@ expect accept
r1 = 0
*(u32 *)(r10 - 4) = r1
r2 = r10
r2 += -4
r1 = map_by_fd(1) ll
call 1
*(u64 *)(r10 - 16) = r0
r6 = *(u64 *)(r10 - 16)
if r6 == 0 goto out
r0 = *(u64 *)(r0 + 0)
out:
r0 = 2
exit

#@ case null_check_before_spill_lost_by_overwrite
#@ expect reject 10: R6 is a pointer to map value: a pointer may only be spilled whole (8 bytes at an 8-byte aligned slot), not as 4 bytes at fp-16
r1 = 0
*(u32 *)(r10 - 4) = r1
r2 = r10
r2 += -4
r1 = map_by_fd(1) ll
call 1
*(u64 *)(r10 - 16) = r0
if r0 == 0 goto out
r6 = *(u64 *)(r10 - 16)
*(u32 *)(r10 - 16) = r6
r6 = *(u64 *)(r10 - 16)
r0 = *(u64 *)(r6 + 0)
out:
r0 = 2
exit

#@ case packet_range_survives_spill
#@ expect accept
r2 = *(u32 *)(r1 + 0)
r3 = *(u32 *)(r1 + 4)
r4 = r2
r4 += 14
if r4 > r3 goto out
*(u64 *)(r10 - 8) = r2
r2 = 0
r5 = *(u64 *)(r10 - 8)
r0 = *(u16 *)(r5 + 12)
out:
r0 = 2
exit

#@ case packet_spilled_before_check_gets_range
# the check marks the spilled copy too
#@ expect accept
r2 = *(u32 *)(r1 + 0)
r3 = *(u32 *)(r1 + 4)
*(u64 *)(r10 - 8) = r2
r4 = r2
r4 += 14
if r4 > r3 goto out
r5 = *(u64 *)(r10 - 8)
r0 = *(u16 *)(r5 + 12)
out:
r0 = 2
exit

#@ case pointer_partly_overwritten
#@ expect reject 3: R6 is a scalar, not a pointer: it cannot be dereferenced
*(u64 *)(r10 - 8) = r1
*(u32 *)(r10 - 8) = 0
r6 = *(u64 *)(r10 - 8)
r0 = *(u32 *)(r6 + 12)
r0 = 2
exit

#@ case pointer_narrow_fill
#@ expect reject 1: R10 pointer to stack: a pointer spilled to the stack may only be filled whole (8 bytes at its slot), not as 4 bytes at fp-8
*(u64 *)(r10 - 8) = r1
r6 = *(u32 *)(r10 - 8)
r0 = *(u32 *)(r6 + 12)
r0 = 2
exit

#@ case pointer_narrow_fill_as_number
# even as a number: Linux refuses narrow fills of a spilled pointer
#@ expect reject 1: R10 pointer to stack: a pointer spilled to the stack may only be filled whole (8 bytes at its slot), not as 4 bytes at fp-8
*(u64 *)(r10 - 8) = r1
r0 = *(u32 *)(r10 - 8)
r0 = 2
exit

#@ case narrow_scalar_spill_keeps_bounds
#@ expect accept
r1 = 0
*(u32 *)(r10 - 4) = r1
r2 = r10
r2 += -4
r1 = map_by_fd(1) ll
call 1
if r0 == 0 goto out
r1 = *(u32 *)(r0 + 0)
if r1 > 63 goto out
*(u32 *)(r10 - 8) = r1
r1 = *(u32 *)(r10 - 8)
r0 += r1
r0 = *(u8 *)(r0 + 0)
out:
r0 = 2
exit

#@ case narrow_spill_wide_fill_unbounded
# a 4-byte spill read back as 8 bytes includes 4 unknown bytes
#@ expect reject 14: R0: the pointer to map value would get an unbounded offset: R1 has no bounds; compare it against a limit first
r1 = 0
*(u32 *)(r10 - 4) = r1
r2 = r10
r2 += -4
r1 = map_by_fd(1) ll
call 1
if r0 == 0 goto out
r1 = *(u32 *)(r0 + 0)
if r1 > 63 goto out
r2 = *(u64 *)(r0 + 8)
*(u64 *)(r10 - 8) = r2
*(u32 *)(r10 - 8) = r1
r1 = *(u64 *)(r10 - 8)
r0 += r1
r0 = *(u8 *)(r0 + 0)
out:
r0 = 2
exit

#@ case store_imm_then_fill_const
#@ expect accept
r1 = 0
*(u32 *)(r10 - 4) = r1
r2 = r10
r2 += -4
r1 = map_by_fd(1) ll
call 1
if r0 == 0 goto out
*(u64 *)(r10 - 16) = 60
r1 = *(u64 *)(r10 - 16)
r0 += r1
r0 = *(u32 *)(r0 + 0)
out:
r0 = 2
exit

#@ case store_imm_then_fill_const_too_big
#@ expect reject 11: R0 pointer to map value of 'map1': read of 4 bytes at offset 61 is outside the 64-byte value
r1 = 0
*(u32 *)(r10 - 4) = r1
r2 = r10
r2 += -4
r1 = map_by_fd(1) ll
call 1
if r0 == 0 goto out
*(u64 *)(r10 - 16) = 61
r1 = *(u64 *)(r10 - 16)
r0 += r1
r0 = *(u32 *)(r0 + 0)
out:
r0 = 2
exit

#@ case zero_bytes_read_as_zero
#@ expect accept
r1 = 0
*(u32 *)(r10 - 4) = r1
r2 = r10
r2 += -4
r1 = map_by_fd(1) ll
call 1
if r0 == 0 goto out
*(u64 *)(r10 - 16) = 0
r1 = *(u8 *)(r10 - 13)
r0 += r1
r0 = *(u64 *)(r0 + 56)
out:
r0 = 2
exit

#@ case narrow_fill_inside_stored_const
# byte 3 of the stored 0x1000000 is 1, not the low byte's 0
#@ expect reject 11: R0 pointer to map value of 'map1': read of 8 bytes at offsets 56..311 may fall outside the 64-byte value
r1 = 0
*(u32 *)(r10 - 4) = r1
r2 = r10
r2 += -4
r1 = map_by_fd(1) ll
call 1
if r0 == 0 goto out
*(u64 *)(r10 - 16) = 0x1000000
r1 = *(u8 *)(r10 - 13)
r0 += r1
r0 = *(u64 *)(r0 + 56)
out:
r0 = 2
exit

#@ case narrow_fill_inside_spilled_const
# the same with a spilled register: byte 1 of 0x100 is 1
#@ expect reject 12: R0 pointer to map value of 'map1': read of 8 bytes at offsets 56..311 may fall outside the 64-byte value
r1 = 0
*(u32 *)(r10 - 4) = r1
r2 = r10
r2 += -4
r1 = map_by_fd(1) ll
call 1
if r0 == 0 goto out
r1 = 0x100
*(u64 *)(r10 - 16) = r1
r1 = *(u8 *)(r10 - 15)
r0 += r1
r0 = *(u64 *)(r0 + 56)
out:
r0 = 2
exit

#@ case narrow_fill_at_spill_start_ok
# the low byte of the spilled 0x100 is 0
#@ expect accept
r1 = 0
*(u32 *)(r10 - 4) = r1
r2 = r10
r2 += -4
r1 = map_by_fd(1) ll
call 1
if r0 == 0 goto out
r1 = 0x100
*(u64 *)(r10 - 16) = r1
r1 = *(u8 *)(r10 - 16)
r0 += r1
r0 = *(u64 *)(r0 + 56)
out:
r0 = 2
exit

#@ case uninit_stack_read_privileged_ok
# privileged programs may read stack bytes never written (bpfvm zeroes them)
#@ expect accept
r0 = *(u64 *)(r10 - 8)
r0 = 2
exit

#@ case uninit_stack_is_unknown
#@ expect reject 9: R0: the pointer to map value would get an unbounded offset: R1 has no bounds; compare it against a limit first
r1 = 0
*(u32 *)(r10 - 4) = r1
r2 = r10
r2 += -4
r1 = map_by_fd(1) ll
call 1
if r0 == 0 goto out
r1 = *(u64 *)(r10 - 16)
r0 += r1
r0 = *(u8 *)(r0 + 0)
out:
r0 = 2
exit

#@ case frame_pointer_spill_fill
#@ expect accept
r2 = r10
r2 += -16
*(u64 *)(r10 - 8) = r2
r3 = *(u64 *)(r10 - 8)
*(u64 *)(r3 + 0) = 7
r0 = *(u64 *)(r10 - 16)
r0 = 2
exit

#@ case frame_pointer_fill_outside
#@ expect reject 4: R3 pointer to stack: write of 8 bytes at fp+0 is outside the 512-byte stack frame
r2 = r10
r2 += -16
*(u64 *)(r10 - 8) = r2
r3 = *(u64 *)(r10 - 8)
*(u64 *)(r3 + 16) = 7
r0 = 2
exit

#@ case spill_pkt_end_and_compare
#@ expect accept
r2 = *(u32 *)(r1 + 0)
r3 = *(u32 *)(r1 + 4)
*(u64 *)(r10 - 8) = r3
r4 = r2
r4 += 4
r3 = *(u64 *)(r10 - 8)
if r4 > r3 goto out
r0 = *(u32 *)(r2 + 0)
out:
r0 = 2
exit

#@ case misaligned_stack_store
# Linux requires stack accesses to be naturally aligned (its spill tracking
# relies on it); bpfvm tracks bytes and accepts them unless --strict-alignment
#@ kernel reject: Linux always requires aligned stack accesses; bpfvm tracks stack bytes and only asks for alignment with strict_alignment
#@ expect accept
r1 = 5
*(u64 *)(r10 - 12) = r1
r0 = *(u32 *)(r10 - 8)
r0 = 2
exit

#@ case misaligned_stack_store_strict
#@ strict
#@ expect reject 1: misaligned stack access at fp-12 of 8 bytes
r1 = 5
*(u64 *)(r10 - 12) = r1
r0 = 2
exit

#@ case misaligned_pointer_spill
#@ expect reject 0: R1 is a pointer to context: a pointer may only be spilled whole (8 bytes at an 8-byte aligned slot), not as 8 bytes at fp-12
*(u64 *)(r10 - 12) = r1
r6 = *(u64 *)(r10 - 12)
r0 = *(u32 *)(r6 + 12)
r0 = 2
exit

#@ case spill_32bit_subregister
#@ expect accept
r1 = 0
*(u32 *)(r10 - 4) = r1
r2 = r10
r2 += -4
r1 = map_by_fd(1) ll
call 1
if r0 == 0 goto out
r1 = *(u64 *)(r0 + 0)
w1 &= 31
*(u64 *)(r10 - 16) = r1
r1 = *(u64 *)(r10 - 16)
r0 += r1
r0 = *(u32 *)(r0 + 0)
out:
r0 = 2
exit

#@ case fill_in_other_slot
# the bound was spilled at fp-16; fp-24 holds something else
#@ expect reject 14: R0: the pointer to map value would get an unbounded offset: R1 has no bounds; compare it against a limit first
r1 = 0
*(u32 *)(r10 - 4) = r1
r2 = r10
r2 += -4
r1 = map_by_fd(1) ll
call 1
if r0 == 0 goto out
r1 = *(u64 *)(r0 + 0)
r2 = *(u64 *)(r0 + 8)
*(u64 *)(r10 - 24) = r2
if r1 > 63 goto out
*(u64 *)(r10 - 16) = r1
r1 = *(u64 *)(r10 - 24)
r0 += r1
r0 = *(u8 *)(r0 + 0)
out:
r0 = 2
exit
