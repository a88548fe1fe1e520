# varoff.s — pointers with a variable offset: stack (reads, writes, helper
# arguments), map values (reads, writes, below zero), ring buffer records and the
# context (never).
#@ type socket
#@ map array key=4 value=32 entries=1
#@ map ringbuf key=0 value=0 entries=4096

#@ case stack_var_read_initialized_ok
#@ expect accept
r2 = *(u32 *)(r1 + 0)
r2 &= 24
*(u64 *)(r10 - 8) = 0
*(u64 *)(r10 - 16) = 0
*(u64 *)(r10 - 24) = 0
*(u64 *)(r10 - 32) = 0
r3 = r10
r3 += -32
r3 += r2
r0 = *(u64 *)(r3 + 0)
r0 = 0
exit

#@ case stack_var_read_uninitialized_privileged_ok
# privileged programs may read stack bytes never written
#@ expect accept
r2 = *(u32 *)(r1 + 0)
r2 &= 24
r3 = r10
r3 += -32
r3 += r2
r0 = *(u64 *)(r3 + 0)
r0 = 0
exit

#@ case stack_var_read_past_frame
#@ expect reject 5: R3 pointer to stack: read of 8 bytes at fp-32..fp-1 may fall outside the 512-byte stack frame
r2 = *(u32 *)(r1 + 0)
r2 &= 31
r3 = r10
r3 += -32
r3 += r2
r0 = *(u64 *)(r3 + 0)
r0 = 0
exit

#@ case stack_var_read_below_frame
#@ expect reject 6: R3 pointer to stack: read of 1 byte at fp-767..fp-512 may fall outside the 512-byte stack frame
r2 = *(u32 *)(r1 + 0)
r2 &= 255
r2 = -r2
r3 = r10
r3 += -512
r3 += r2
r0 = *(u8 *)(r3 + 0)
r0 = 0
exit

#@ case stack_var_write_then_fixed_read_ok
#@ expect accept
r2 = *(u32 *)(r1 + 0)
r2 &= 8
r3 = r10
r3 += -16
r3 += r2
*(u64 *)(r3 + 0) = 1
r0 = *(u64 *)(r10 - 16)
r0 = 0
exit

#@ case stack_var_write_destroys_spilled_pointer
# the variable store may have hit the spilled context pointer
#@ expect reject 8: R1 is a scalar, not a pointer: it cannot be dereferenced
*(u64 *)(r10 - 8) = r1
r2 = *(u32 *)(r1 + 0)
r2 &= 8
r3 = r10
r3 += -16
r3 += r2
*(u64 *)(r3 + 0) = 1
r1 = *(u64 *)(r10 - 8)
r0 = *(u32 *)(r1 + 0)
r0 = 0
exit

#@ case stack_var_helper_key_ok
#@ expect accept
r2 = *(u32 *)(r1 + 0)
r2 &= 4
*(u64 *)(r10 - 8) = 0
*(u64 *)(r10 - 16) = 0
r3 = r10
r3 += -12
r3 += r2
r2 = r3
r1 = map_by_fd(1) ll
call 1
r0 = 0
exit

#@ case stack_var_helper_key_past_frame
#@ expect reject 8: R2 pointer to stack: the map key (4 bytes at fp-12..fp+3) may fall outside the 512-byte stack frame
r2 = *(u32 *)(r1 + 0)
r2 &= 15
r3 = r10
r3 += -12
r3 += r2
r2 = r3
r1 = map_by_fd(1) ll
call 1
r0 = 0
exit

#@ case map_value_var_write_ok
#@ expect accept
r6 = *(u32 *)(r1 + 0)
r1 = 0
*(u32 *)(r10 - 4) = r1
r2 = r10
r2 += -4
r1 = map_by_fd(1) ll
call 1
r6 &= 3
r6 <<= 3
r0 += r6
*(u64 *)(r0 + 0) = 1
r0 = 0
exit

#@ case map_value_var_write_past
#@ expect reject 11: R0 pointer to map value of 'map1': write of 8 bytes at offsets 4..28 may fall outside the 32-byte value
r6 = *(u32 *)(r1 + 0)
r1 = 0
*(u32 *)(r10 - 4) = r1
r2 = r10
r2 += -4
r1 = map_by_fd(1) ll
call 1
r6 &= 3
r6 <<= 3
r0 += r6
*(u64 *)(r0 + 4) = 1
r0 = 0
exit

#@ case map_value_var_below_zero
#@ expect reject 10: R0 pointer to map value of 'map1': read of 1 byte at offsets -7..0 may fall outside the 32-byte value
r6 = *(u32 *)(r1 + 0)
r1 = 0
*(u32 *)(r10 - 4) = r1
r2 = r10
r2 += -4
r1 = map_by_fd(1) ll
call 1
r6 &= 7
r0 -= r6
r0 = *(u8 *)(r0 + 0)
r0 = 0
exit

#@ case map_value_var_minus_then_offset_ok
# offsets -7..0 from the pointer, +7 in the instruction: bytes 0..7
#@ kernel reject: Linux requires a map value's variable offset to have a small unsigned maximum, so a negative one is refused even when the instruction offset brings it back in bounds
#@ expect accept
r6 = *(u32 *)(r1 + 0)
r1 = 0
*(u32 *)(r10 - 4) = r1
r2 = r10
r2 += -4
r1 = map_by_fd(1) ll
call 1
r6 &= 7
r0 -= r6
r0 = *(u8 *)(r0 + 7)
r0 = 0
exit

#@ case map_value_var_mul_ok
#@ expect accept
r6 = *(u32 *)(r1 + 0)
r1 = 0
*(u32 *)(r10 - 4) = r1
r2 = r10
r2 += -4
r1 = map_by_fd(1) ll
call 1
if r6 > 3 goto out
r6 *= 8
r0 += r6
r0 = *(u64 *)(r0 + 0)
out:
r0 = 0
exit

#@ case map_value_two_var_offsets_ok
#@ expect accept
r6 = *(u32 *)(r1 + 0)
r7 = *(u32 *)(r1 + 4)
r1 = 0
*(u32 *)(r10 - 4) = r1
r2 = r10
r2 += -4
r1 = map_by_fd(1) ll
call 1
r6 &= 15
r7 &= 15
r0 += r6
r0 += r7
r0 = *(u16 *)(r0 + 0)
r0 = 0
exit

#@ case map_value_two_var_offsets_past
#@ expect reject 13: R0 pointer to map value of 'map1': read of 4 bytes at offsets 0..30 may fall outside the 32-byte value
r6 = *(u32 *)(r1 + 0)
r7 = *(u32 *)(r1 + 4)
r1 = 0
*(u32 *)(r10 - 4) = r1
r2 = r10
r2 += -4
r1 = map_by_fd(1) ll
call 1
r6 &= 15
r7 &= 15
r0 += r6
r0 += r7
r0 = *(u32 *)(r0 + 0)
r0 = 0
exit

#@ case map_value_var_as_helper_buffer_ok
# the value's last 16 bytes as the key of a lookup (key size 4) at a variable offset
#@ expect accept
r6 = *(u32 *)(r1 + 0)
r1 = 0
*(u32 *)(r10 - 4) = r1
r2 = r10
r2 += -4
r1 = map_by_fd(1) ll
call 1
r6 &= 12
r0 += r6
r0 += 16
r2 = r0
r1 = map_by_fd(1) ll
call 1
r0 = 0
exit

#@ case ringbuf_record_var_write_ok
#@ expect accept
r6 = *(u32 *)(r1 + 0)
r1 = map_by_fd(2) ll
r2 = 16
r3 = 0
call 131
if r0 == 0 goto out
r6 &= 7
r1 = r0
r1 += r6
*(u64 *)(r1 + 0) = 0
r1 = r0
r2 = 0
call 132
out:
r0 = 0
exit

#@ case ringbuf_record_var_write_past
#@ expect reject 10: R1 pointer to a ring buffer record: write of 8 bytes at offsets 0..15 may fall outside its 16 bytes
r6 = *(u32 *)(r1 + 0)
r1 = map_by_fd(2) ll
r2 = 16
r3 = 0
call 131
if r0 == 0 goto out
r6 &= 15
r1 = r0
r1 += r6
*(u64 *)(r1 + 0) = 0
r1 = r0
r2 = 0
call 132
out:
r0 = 0
exit

#@ case ctx_var_offset
#@ expect reject 3: R1 is the context pointer moved by a variable offset: context fields can only be accessed at constant offsets from the original pointer
r2 = *(u32 *)(r1 + 0)
r2 &= 4
r1 += r2
r0 = *(u32 *)(r1 + 0)
r0 = 0
exit

#@ case ctx_const_offset_added
#@ expect reject 1: R1 is the context pointer moved by 4 bytes: access context fields through the original pointer, with the field offset in the instruction
r1 += 4
r0 = *(u32 *)(r1 + 0)
r0 = 0
exit

#@ case stack_var_offset_then_constant_back_ok
#@ expect accept
r2 = *(u32 *)(r1 + 0)
r2 &= 16
r3 = r10
r3 += r2
r3 += -40
*(u64 *)(r10 - 40) = 0
*(u64 *)(r10 - 32) = 0
*(u64 *)(r10 - 24) = 0
r0 = *(u64 *)(r3 + 0)
r0 = 0
exit
