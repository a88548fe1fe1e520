# bounds.s — a variable index into a 64-byte map value, bounded by every kind of
# comparison: unsigned and signed, 64-bit and 32-bit (JMP32), against constants
# and registers, and jset. Each pair: the bound that proves the access, and one
# that misses by one or leaves a side open.
#@ type socket
#@ map array key=4 value=64 entries=1

#@ case jgt_imm_ok
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
r0 += r1
r0 = *(u8 *)(r0 + 0)
out:
r0 = 0
exit

#@ case jgt_imm_off_by_one
#@ expect reject 11: R0 pointer to map value of 'map1': read of 1 byte at offsets 0..64 may fall outside the 64-byte value
r1 = 0
*(u32 *)(r10 - 4) = r1
r2 = r10
r2 += -4
r1 = map_by_fd(1) ll
call 1
if r0 == 0 goto out
r1 = *(u64 *)(r0 + 0)
if r1 > 64 goto out
r0 += r1
r0 = *(u8 *)(r0 + 0)
out:
r0 = 0
exit

#@ case jgt_imm_wrong_branch
# the access sits on the branch where r1 > 63
#@ expect reject 10: R0: the pointer to map value would get an unbounded offset: R1 has no bounds; compare it against a limit first
r1 = 0
*(u32 *)(r10 - 4) = r1
r2 = r10
r2 += -4
r1 = map_by_fd(1) ll
call 1
if r0 == 0 goto out
r1 = *(u64 *)(r0 + 0)
if r1 <= 63 goto out
r0 += r1
r0 = *(u8 *)(r0 + 0)
out:
r0 = 0
exit

#@ case jge_imm_ok
#@ expect accept
r1 = 0
*(u32 *)(r10 - 4) = r1
r2 = r10
r2 += -4
r1 = map_by_fd(1) ll
call 1
if r0 == 0 goto out
r1 = *(u64 *)(r0 + 0)
if r1 >= 64 goto out
r0 += r1
r0 = *(u8 *)(r0 + 0)
out:
r0 = 0
exit

#@ case jge_imm_u16_off_by_one
# a 2-byte read at index 63 ends past the value
#@ expect reject 11: R0 pointer to map value of 'map1': read of 2 bytes at offsets 0..63 may fall outside the 64-byte value
r1 = 0
*(u32 *)(r10 - 4) = r1
r2 = r10
r2 += -4
r1 = map_by_fd(1) ll
call 1
if r0 == 0 goto out
r1 = *(u64 *)(r0 + 0)
if r1 >= 64 goto out
r0 += r1
r0 = *(u16 *)(r0 + 0)
out:
r0 = 0
exit

#@ case jlt_imm_ok
#@ expect accept
r1 = 0
*(u32 *)(r10 - 4) = r1
r2 = r10
r2 += -4
r1 = map_by_fd(1) ll
call 1
if r0 == 0 goto out
r1 = *(u64 *)(r0 + 0)
if r1 < 57 goto in
goto out
in:
r0 += r1
r0 = *(u64 *)(r0 + 0)
out:
r0 = 0
exit

#@ case jlt_imm_off_by_one
#@ expect reject 12: R0 pointer to map value of 'map1': read of 8 bytes at offsets 0..57 may fall outside the 64-byte value
r1 = 0
*(u32 *)(r10 - 4) = r1
r2 = r10
r2 += -4
r1 = map_by_fd(1) ll
call 1
if r0 == 0 goto out
r1 = *(u64 *)(r0 + 0)
if r1 < 58 goto in
goto out
in:
r0 += r1
r0 = *(u64 *)(r0 + 0)
out:
r0 = 0
exit

#@ case jle_imm_ok
#@ expect accept
r1 = 0
*(u32 *)(r10 - 4) = r1
r2 = r10
r2 += -4
r1 = map_by_fd(1) ll
call 1
if r0 == 0 goto out
r1 = *(u64 *)(r0 + 0)
if r1 <= 60 goto in
goto out
in:
r0 += r1
r0 = *(u32 *)(r0 + 0)
out:
r0 = 0
exit

#@ case jle_imm_off_by_one
#@ expect reject 12: R0 pointer to map value of 'map1': read of 4 bytes at offsets 0..61 may fall outside the 64-byte value
r1 = 0
*(u32 *)(r10 - 4) = r1
r2 = r10
r2 += -4
r1 = map_by_fd(1) ll
call 1
if r0 == 0 goto out
r1 = *(u64 *)(r0 + 0)
if r1 <= 61 goto in
goto out
in:
r0 += r1
r0 = *(u32 *)(r0 + 0)
out:
r0 = 0
exit

#@ case no_bound
#@ expect reject 9: R0: the pointer to map value would get an unbounded offset: R1 has no bounds; compare it against a limit first
r1 = 0
*(u32 *)(r10 - 4) = r1
r2 = r10
r2 += -4
r1 = map_by_fd(1) ll
call 1
if r0 == 0 goto out
r1 = *(u64 *)(r0 + 0)
r0 += r1
r0 = *(u8 *)(r0 + 0)
out:
r0 = 0
exit

#@ case jsgt_only_upper
# signed upper bound alone: the index may be negative
#@ expect reject 10: R0: the pointer to map value would get an unbounded offset: R1 has no lower bound (it may be negative); compare it against a limit first
r1 = 0
*(u32 *)(r10 - 4) = r1
r2 = r10
r2 += -4
r1 = map_by_fd(1) ll
call 1
if r0 == 0 goto out
r1 = *(u64 *)(r0 + 0)
if r1 s> 63 goto out
r0 += r1
r0 = *(u8 *)(r0 + 0)
out:
r0 = 0
exit

#@ case jsgt_jslt_ok
#@ expect accept
r1 = 0
*(u32 *)(r10 - 4) = r1
r2 = r10
r2 += -4
r1 = map_by_fd(1) ll
call 1
if r0 == 0 goto out
r1 = *(u64 *)(r0 + 0)
if r1 s> 63 goto out
if r1 s< 0 goto out
r0 += r1
r0 = *(u8 *)(r0 + 0)
out:
r0 = 0
exit

#@ case jsge_jsle_ok
#@ expect accept
r1 = 0
*(u32 *)(r10 - 4) = r1
r2 = r10
r2 += -4
r1 = map_by_fd(1) ll
call 1
if r0 == 0 goto out
r1 = *(u64 *)(r0 + 0)
if r1 s>= 64 goto out
if r1 s<= -1 goto out
r0 += r1
r0 = *(u8 *)(r0 + 0)
out:
r0 = 0
exit

#@ case jsge_jsle_off_by_one
#@ expect reject 12: R0 pointer to map value of 'map1': read of 1 byte at offsets -1..63 may fall outside the 64-byte value
r1 = 0
*(u32 *)(r10 - 4) = r1
r2 = r10
r2 += -4
r1 = map_by_fd(1) ll
call 1
if r0 == 0 goto out
r1 = *(u64 *)(r0 + 0)
if r1 s>= 64 goto out
if r1 s<= -2 goto out
r0 += r1
r0 = *(u8 *)(r0 + 0)
out:
r0 = 0
exit

#@ case jslt_jsgt_taken_ok
#@ expect accept
r1 = 0
*(u32 *)(r10 - 4) = r1
r2 = r10
r2 += -4
r1 = map_by_fd(1) ll
call 1
if r0 == 0 goto out
r1 = *(u64 *)(r0 + 0)
if r1 s< 9 goto lo
goto out
lo:
if r1 s> -1 goto in
goto out
in:
r0 += r1
r0 = *(u64 *)(r0 + 48)
out:
r0 = 0
exit

#@ case jslt_jsgt_taken_too_far
#@ expect reject 14: R0 pointer to map value of 'map1': read of 8 bytes at offsets 49..57 may fall outside the 64-byte value
r1 = 0
*(u32 *)(r10 - 4) = r1
r2 = r10
r2 += -4
r1 = map_by_fd(1) ll
call 1
if r0 == 0 goto out
r1 = *(u64 *)(r0 + 0)
if r1 s< 9 goto lo
goto out
lo:
if r1 s> -1 goto in
goto out
in:
r0 += r1
r0 = *(u64 *)(r0 + 49)
out:
r0 = 0
exit

#@ case unsigned_bound_covers_negative
# r1 u< 64 also excludes negative numbers (they are huge unsigned)
#@ expect accept
r1 = 0
*(u32 *)(r10 - 4) = r1
r2 = r10
r2 += -4
r1 = map_by_fd(1) ll
call 1
if r0 == 0 goto out
r1 = *(u64 *)(r0 + 0)
if r1 s< 0 goto out
if r1 < 64 goto in
goto out
in:
r0 += r1
r0 = *(u8 *)(r0 + 0)
out:
r0 = 0
exit

#@ case jeq_const_ok
# on the taken branch r1 is the constant 40
#@ expect accept
r1 = 0
*(u32 *)(r10 - 4) = r1
r2 = r10
r2 += -4
r1 = map_by_fd(1) ll
call 1
if r0 == 0 goto out
r1 = *(u64 *)(r0 + 0)
if r1 == 40 goto in
goto out
in:
r0 += r1
r0 = *(u64 *)(r0 + 16)
out:
r0 = 0
exit

#@ case jeq_const_past_end
#@ expect reject 12: R0 pointer to map value of 'map1': read of 8 bytes at offset 57 is outside the 64-byte value
r1 = 0
*(u32 *)(r10 - 4) = r1
r2 = r10
r2 += -4
r1 = map_by_fd(1) ll
call 1
if r0 == 0 goto out
r1 = *(u64 *)(r0 + 0)
if r1 == 40 goto in
goto out
in:
r0 += r1
r0 = *(u64 *)(r0 + 17)
out:
r0 = 0
exit

#@ case jne_fallthrough_const_ok
#@ expect accept
r1 = 0
*(u32 *)(r10 - 4) = r1
r2 = r10
r2 += -4
r1 = map_by_fd(1) ll
call 1
if r0 == 0 goto out
r1 = *(u64 *)(r0 + 0)
if r1 != 63 goto out
r0 += r1
r0 = *(u8 *)(r0 + 0)
out:
r0 = 0
exit

#@ case jne_taken_unbounded
#@ expect reject 10: R0: the pointer to map value would get an unbounded offset: R1 has no bounds; compare it against a limit first
r1 = 0
*(u32 *)(r10 - 4) = r1
r2 = r10
r2 += -4
r1 = map_by_fd(1) ll
call 1
if r0 == 0 goto out
r1 = *(u64 *)(r0 + 0)
if r1 == 63 goto out
r0 += r1
r0 = *(u8 *)(r0 + 0)
out:
r0 = 0
exit

#@ case jset_mask_ok
# no bit above the low 6 set: r1 <= 63
#@ expect accept
r1 = 0
*(u32 *)(r10 - 4) = r1
r2 = r10
r2 += -4
r1 = map_by_fd(1) ll
call 1
if r0 == 0 goto out
r1 = *(u64 *)(r0 + 0)
if r1 & -64 goto out
r0 += r1
r0 = *(u8 *)(r0 + 0)
out:
r0 = 0
exit

#@ case jset_mask_too_wide
#@ expect reject 11: R0 pointer to map value of 'map1': read of 1 byte at offsets 0..127 may fall outside the 64-byte value
r1 = 0
*(u32 *)(r10 - 4) = r1
r2 = r10
r2 += -4
r1 = map_by_fd(1) ll
call 1
if r0 == 0 goto out
r1 = *(u64 *)(r0 + 0)
if r1 & -128 goto out
r0 += r1
r0 = *(u8 *)(r0 + 0)
out:
r0 = 0
exit

#@ case jset_taken_proves_nothing
# jset taken: some bit of the mask is set, the value is still unbounded
#@ expect reject 11: R0: the pointer to map value would get an unbounded offset: R1 has no bounds; compare it against a limit first
r1 = 0
*(u32 *)(r10 - 4) = r1
r2 = r10
r2 += -4
r1 = map_by_fd(1) ll
call 1
if r0 == 0 goto out
r1 = *(u64 *)(r0 + 0)
if r1 & 1 goto in
goto out
in:
r0 += r1
r0 = *(u8 *)(r0 + 0)
out:
r0 = 0
exit

#@ case and_mask_ok
#@ expect accept
r1 = 0
*(u32 *)(r10 - 4) = r1
r2 = r10
r2 += -4
r1 = map_by_fd(1) ll
call 1
if r0 == 0 goto out
r1 = *(u64 *)(r0 + 0)
r1 &= 63
r0 += r1
r0 = *(u8 *)(r0 + 0)
out:
r0 = 0
exit

#@ case and_mask_wide_u64
#@ expect reject 11: R0 pointer to map value of 'map1': read of 8 bytes at offsets 0..63 may fall outside the 64-byte value
r1 = 0
*(u32 *)(r10 - 4) = r1
r2 = r10
r2 += -4
r1 = map_by_fd(1) ll
call 1
if r0 == 0 goto out
r1 = *(u64 *)(r0 + 0)
r1 &= 63
r0 += r1
r0 = *(u64 *)(r0 + 0)
out:
r0 = 0
exit

#@ case jmp32_on_u32_ok
# the index is a zero-extended u32: a 32-bit bound bounds all 64 bits
#@ expect accept
r1 = 0
*(u32 *)(r10 - 4) = r1
r2 = r10
r2 += -4
r1 = map_by_fd(1) ll
call 1
if r0 == 0 goto out
r1 = *(u32 *)(r0 + 0)
if w1 > 63 goto out
r0 += r1
r0 = *(u8 *)(r0 + 0)
out:
r0 = 0
exit

#@ case jmp32_on_u64
# a 32-bit bound says nothing about the upper half of a 64-bit index
#@ expect reject 10: R0: the pointer to map value would get an unbounded offset: R1 has no bounds; compare it against a limit first
r1 = 0
*(u32 *)(r10 - 4) = r1
r2 = r10
r2 += -4
r1 = map_by_fd(1) ll
call 1
if r0 == 0 goto out
r1 = *(u64 *)(r0 + 0)
if w1 > 63 goto out
r0 += r1
r0 = *(u8 *)(r0 + 0)
out:
r0 = 0
exit

#@ case jmp32_jlt_ok
#@ expect accept
r1 = 0
*(u32 *)(r10 - 4) = r1
r2 = r10
r2 += -4
r1 = map_by_fd(1) ll
call 1
if r0 == 0 goto out
r1 = *(u32 *)(r0 + 0)
if w1 < 60 goto in
goto out
in:
r0 += r1
r0 = *(u32 *)(r0 + 0)
out:
r0 = 0
exit

#@ case jmp32_jlt_off_by_one
#@ expect reject 12: R0 pointer to map value of 'map1': read of 4 bytes at offsets 0..61 may fall outside the 64-byte value
r1 = 0
*(u32 *)(r10 - 4) = r1
r2 = r10
r2 += -4
r1 = map_by_fd(1) ll
call 1
if r0 == 0 goto out
r1 = *(u32 *)(r0 + 0)
if w1 < 62 goto in
goto out
in:
r0 += r1
r0 = *(u32 *)(r0 + 0)
out:
r0 = 0
exit

#@ case jmp32_signed_ok
#@ expect accept
r1 = 0
*(u32 *)(r10 - 4) = r1
r2 = r10
r2 += -4
r1 = map_by_fd(1) ll
call 1
if r0 == 0 goto out
r1 = *(u32 *)(r0 + 0)
if w1 s> 63 goto out
if w1 s< 0 goto out
r0 += r1
r0 = *(u8 *)(r0 + 0)
out:
r0 = 0
exit

#@ case jmp32_signed_only_upper
# w1 s<= 63 allows 0x80000000..0xffffffff, all far past the value
#@ expect reject 10: R0: the pointer to map value would get an unbounded offset: R1 has no upper bound; compare it against a limit first
r1 = 0
*(u32 *)(r10 - 4) = r1
r2 = r10
r2 += -4
r1 = map_by_fd(1) ll
call 1
if r0 == 0 goto out
r1 = *(u32 *)(r0 + 0)
if w1 s> 63 goto out
r0 += r1
r0 = *(u8 *)(r0 + 0)
out:
r0 = 0
exit

#@ case jmp32_jset_ok
#@ expect accept
r1 = 0
*(u32 *)(r10 - 4) = r1
r2 = r10
r2 += -4
r1 = map_by_fd(1) ll
call 1
if r0 == 0 goto out
r1 = *(u32 *)(r0 + 0)
if w1 & -64 goto out
r0 += r1
r0 = *(u8 *)(r0 + 0)
out:
r0 = 0
exit

#@ case reg_bound_const_ok
# the bound is a register holding a constant
#@ expect accept
r1 = 0
*(u32 *)(r10 - 4) = r1
r2 = r10
r2 += -4
r1 = map_by_fd(1) ll
call 1
if r0 == 0 goto out
r1 = *(u64 *)(r0 + 0)
r2 = 63
if r1 > r2 goto out
r0 += r1
r0 = *(u8 *)(r0 + 0)
out:
r0 = 0
exit

#@ case reg_bound_const_off_by_one
#@ expect reject 12: R0 pointer to map value of 'map1': read of 1 byte at offsets 0..64 may fall outside the 64-byte value
r1 = 0
*(u32 *)(r10 - 4) = r1
r2 = r10
r2 += -4
r1 = map_by_fd(1) ll
call 1
if r0 == 0 goto out
r1 = *(u64 *)(r0 + 0)
r2 = 64
if r1 > r2 goto out
r0 += r1
r0 = *(u8 *)(r0 + 0)
out:
r0 = 0
exit

#@ case reg_bound_swapped_ok
# 63 >= r1, written with the constant register on the left
#@ expect accept
r1 = 0
*(u32 *)(r10 - 4) = r1
r2 = r10
r2 += -4
r1 = map_by_fd(1) ll
call 1
if r0 == 0 goto out
r1 = *(u64 *)(r0 + 0)
r2 = 63
if r2 >= r1 goto in
goto out
in:
r0 += r1
r0 = *(u8 *)(r0 + 0)
out:
r0 = 0
exit

#@ case reg_bound_by_bounded_reg_ok
# r1 < r2 and r2 <= 63: r1 <= 62
#@ expect accept
r1 = 0
*(u32 *)(r10 - 4) = r1
r2 = r10
r2 += -4
r1 = map_by_fd(1) ll
call 1
if r0 == 0 goto out
r1 = *(u64 *)(r0 + 0)
r2 = *(u64 *)(r0 + 8)
if r2 > 63 goto out
if r1 < r2 goto in
goto out
in:
r0 += r1
r0 = *(u8 *)(r0 + 0)
out:
r0 = 0
exit

#@ case reg_bound_by_unbounded_reg
#@ expect reject 12: R0: the pointer to map value would get an unbounded offset: R1 has no bounds; compare it against a limit first
r1 = 0
*(u32 *)(r10 - 4) = r1
r2 = r10
r2 += -4
r1 = map_by_fd(1) ll
call 1
if r0 == 0 goto out
r1 = *(u64 *)(r0 + 0)
r2 = *(u64 *)(r0 + 8)
if r1 < r2 goto in
goto out
in:
r0 += r1
r0 = *(u8 *)(r0 + 0)
out:
r0 = 0
exit

#@ case bound_through_copy_ok
# the copy r3 = r1 is checked; r1 is bounded too (same value)
#@ expect accept
r1 = 0
*(u32 *)(r10 - 4) = r1
r2 = r10
r2 += -4
r1 = map_by_fd(1) ll
call 1
if r0 == 0 goto out
r1 = *(u64 *)(r0 + 0)
r3 = r1
if r3 > 63 goto out
r0 += r1
r0 = *(u8 *)(r0 + 0)
out:
r0 = 0
exit

#@ case bound_copy_then_modified
# r3 is changed after the copy: checking r3 says nothing about r1
#@ expect reject 12: R0: the pointer to map value would get an unbounded offset: R1 has no bounds; compare it against a limit first
r1 = 0
*(u32 *)(r10 - 4) = r1
r2 = r10
r2 += -4
r1 = map_by_fd(1) ll
call 1
if r0 == 0 goto out
r1 = *(u64 *)(r0 + 0)
r3 = r1
r3 += 1
if r3 > 63 goto out
r0 += r1
r0 = *(u8 *)(r0 + 0)
out:
r0 = 0
exit

#@ case bound_then_arith_ok
# (r1 <= 15) * 4 + 3 <= 63
#@ expect accept
r1 = 0
*(u32 *)(r10 - 4) = r1
r2 = r10
r2 += -4
r1 = map_by_fd(1) ll
call 1
if r0 == 0 goto out
r1 = *(u64 *)(r0 + 0)
if r1 > 15 goto out
r1 <<= 2
r1 += 3
r0 += r1
r0 = *(u8 *)(r0 + 0)
out:
r0 = 0
exit

#@ case bound_then_arith_too_far
#@ expect reject 13: R0 pointer to map value of 'map1': read of 1 byte at offsets 4..64 may fall outside the 64-byte value
r1 = 0
*(u32 *)(r10 - 4) = r1
r2 = r10
r2 += -4
r1 = map_by_fd(1) ll
call 1
if r0 == 0 goto out
r1 = *(u64 *)(r0 + 0)
if r1 > 15 goto out
r1 <<= 2
r1 += 4
r0 += r1
r0 = *(u8 *)(r0 + 0)
out:
r0 = 0
exit

#@ case bound_after_add_wrong
# the bound is checked before the addition that makes it too large
#@ expect reject 12: R0 pointer to map value of 'map1': read of 1 byte at offsets 4..64 may fall outside the 64-byte value
r1 = 0
*(u32 *)(r10 - 4) = r1
r2 = r10
r2 += -4
r1 = map_by_fd(1) ll
call 1
if r0 == 0 goto out
r1 = *(u64 *)(r0 + 0)
if r1 > 60 goto out
r0 += r1
r0 += 4
r0 = *(u8 *)(r0 + 0)
out:
r0 = 0
exit

#@ case mod_bound_ok
#@ expect accept
#@ kernel reject: Linux does not track bounds through modulo (r1 %= 64 leaves r1 unknown); bpfvm's domain does
r1 = 0
*(u32 *)(r10 - 4) = r1
r2 = r10
r2 += -4
r1 = map_by_fd(1) ll
call 1
if r0 == 0 goto out
r1 = *(u64 *)(r0 + 0)
r1 %= 64
r0 += r1
r0 = *(u8 *)(r0 + 0)
out:
r0 = 0
exit

#@ case rsh_bound_ok
# a 64-bit value >> 58 is at most 63
#@ expect accept
r1 = 0
*(u32 *)(r10 - 4) = r1
r2 = r10
r2 += -4
r1 = map_by_fd(1) ll
call 1
if r0 == 0 goto out
r1 = *(u64 *)(r0 + 0)
r1 >>= 58
r0 += r1
r0 = *(u8 *)(r0 + 0)
out:
r0 = 0
exit

#@ case arsh_not_bounded
# an arithmetic shift keeps the sign: r1 may be negative
#@ expect reject 11: R0 pointer to map value of 'map1': read of 1 byte at offsets -32..31 may fall outside the 64-byte value
r1 = 0
*(u32 *)(r10 - 4) = r1
r2 = r10
r2 += -4
r1 = map_by_fd(1) ll
call 1
if r0 == 0 goto out
r1 = *(u64 *)(r0 + 0)
r1 s>>= 58
r0 += r1
r0 = *(u8 *)(r0 + 0)
out:
r0 = 0
exit

#@ case narrow_load_bounds_ok
# a byte load is at most 255: 255 - 192 = 63
#@ expect accept
r1 = 0
*(u32 *)(r10 - 4) = r1
r2 = r10
r2 += -4
r1 = map_by_fd(1) ll
call 1
if r0 == 0 goto out
r1 = *(u8 *)(r0 + 0)
if r1 < 192 goto out
r1 -= 192
r0 += r1
r0 = *(u8 *)(r0 + 0)
out:
r0 = 0
exit

#@ case stack_index_bounded_ok
# a bounded index into the stack (privileged: variable stack offsets allowed)
#@ expect accept
r2 = *(u32 *)(r1 + 0)
*(u64 *)(r10 - 8) = r2
*(u64 *)(r10 - 16) = r2
if r2 > 8 goto out
r3 = r10
r3 += -16
r3 += r2
r0 = *(u8 *)(r3 + 0)
out:
r0 = 0
exit

#@ case stack_index_past_frame
#@ expect reject 7: R3 pointer to stack: read of 1 byte at fp-16..fp+0 may fall outside the 512-byte stack frame
r2 = *(u32 *)(r1 + 0)
*(u64 *)(r10 - 8) = r2
*(u64 *)(r10 - 16) = r2
if r2 > 16 goto out
r3 = r10
r3 += -16
r3 += r2
r0 = *(u8 *)(r3 + 0)
out:
r0 = 0
exit

#@ case two_sided_range_ok
#@ expect accept
r1 = 0
*(u32 *)(r10 - 4) = r1
r2 = r10
r2 += -4
r1 = map_by_fd(1) ll
call 1
if r0 == 0 goto out
r1 = *(u64 *)(r0 + 0)
if r1 < 10 goto out
if r1 > 70 goto out
r1 -= 10
r0 += r1
r0 = *(u32 *)(r0 + 0)
out:
r0 = 0
exit

#@ case two_sided_range_too_wide
#@ expect reject 13: R0 pointer to map value of 'map1': read of 4 bytes at offsets 0..61 may fall outside the 64-byte value
r1 = 0
*(u32 *)(r10 - 4) = r1
r2 = r10
r2 += -4
r1 = map_by_fd(1) ll
call 1
if r0 == 0 goto out
r1 = *(u64 *)(r0 + 0)
if r1 < 10 goto out
if r1 > 71 goto out
r1 -= 10
r0 += r1
r0 = *(u32 *)(r0 + 0)
out:
r0 = 0
exit

#@ case dead_branch_by_bounds_ok
# r1 <= 10 makes "r1 > 20" impossible: the bad access is never reached
#@ expect accept
r1 = 0
*(u32 *)(r10 - 4) = r1
r2 = r10
r2 += -4
r1 = map_by_fd(1) ll
call 1
if r0 == 0 goto out
r1 = *(u64 *)(r0 + 0)
if r1 > 10 goto out
if r1 > 20 goto bad
r0 = 0
exit
bad:
r0 = *(u8 *)(r0 + 100)
out:
r0 = 0
exit
