# ptr_arith.s — arithmetic on pointers: only pointer +/- a bounded scalar gives a
# pointer (stack, map value, packet, context); pointer - pointer gives a number;
# everything else on a pointer is refused, or (privileged loaders, as Linux)
# turns it into a plain number that can no longer be dereferenced.
#@ type xdp
#@ map array key=4 value=16 entries=1

#@ case stack_plus_const_ok
#@ expect accept
r2 = r10
r2 += -16
*(u64 *)(r2 + 8) = 1
r0 = *(u64 *)(r10 - 8)
r0 = 2
exit

#@ case stack_minus_const
# Linux refuses any subtraction from a stack pointer
#@ expect reject 1: R2 is a pointer to stack: subtracting from it is not allowed (as in Linux, whose JITs may not support it); add a negative offset instead
r2 = r10
r2 -= 16
*(u64 *)(r2 + 0) = 1
r0 = 2
exit

#@ case scalar_plus_pointer_ok
# scalar + pointer is a pointer too
#@ expect accept
r2 = -8
r2 += r10
*(u64 *)(r2 + 0) = 1
r0 = 2
exit

#@ case scalar_minus_pointer
#@ expect reject 1: R2 -= R10: subtracting a pointer (pointer to stack) from a number is not allowed
r2 = 8
r2 -= r10
r0 = 2
exit

#@ case pointer_plus_pointer
#@ expect reject 1: R2 += R1: addition on two pointers is not allowed
r2 = r10
r2 += r1
r0 = 2
exit

#@ case stack_minus_stack_ok
#@ expect accept
r2 = r10
r2 += -16
r3 = r10
r3 -= r2
r0 = r3
r0 = 2
exit

#@ case stack_minus_context_ok
# privileged: any pointer difference is a number
#@ expect accept
r2 = r10
r2 -= r1
r0 = 2
exit

#@ case pointer_difference_not_dereferenced
#@ expect reject 2: R2 is a scalar, not a pointer: it cannot be dereferenced
r2 = r10
r2 -= r1
r0 = *(u8 *)(r2 + 0)
r0 = 2
exit

#@ case pointer_multiply
#@ expect reject 1: R2 is a pointer to stack: multiplication on a pointer is not allowed
r2 = r10
r2 *= 2
r0 = 2
exit

#@ case pointer_or
#@ expect reject 1: R2 is a pointer to stack: bitwise operation on a pointer is not allowed
r2 = r10
r2 |= 1
r0 = 2
exit

#@ case pointer_and
#@ expect reject 1: R2 is a pointer to stack: bitwise operation on a pointer is not allowed
r2 = r10
r2 &= -8
r0 = 2
exit

#@ case pointer_xor
#@ expect reject 1: R2 is a pointer to stack: bitwise operation on a pointer is not allowed
r2 = r10
r2 ^= 1
r0 = 2
exit

#@ case pointer_shift
#@ expect reject 1: R2 is a pointer to stack: shift on a pointer is not allowed
r2 = r10
r2 <<= 1
r0 = 2
exit

#@ case pointer_divide
#@ expect reject 1: R2 is a pointer to stack: division on a pointer is not allowed
r2 = r10
r2 /= 2
r0 = 2
exit

#@ case pointer_negate_privileged_ok
# privileged: the negated address is a number
#@ expect accept
r2 = r10
r2 = -r2
r0 = 2
exit

#@ case pointer_negated_not_dereferenced
#@ expect reject 2: R2 is a scalar, not a pointer: it cannot be dereferenced
r2 = r10
r2 = -r2
r0 = *(u8 *)(r2 + 0)
r0 = 2
exit

#@ case pointer_byte_swap_privileged_ok
#@ expect accept
r2 = r10
r2 = be64 r2
r0 = 2
exit

#@ case pointer_add32
#@ expect reject 1: R2 is a pointer to stack: 32-bit arithmetic on a pointer is not allowed
r2 = r10
w2 += 8
r0 = 2
exit

#@ case pointer_sub32_privileged_ok
# privileged: a 32-bit subtraction of or from a pointer is a number
#@ expect accept
r2 = *(u32 *)(r1 + 0)
r3 = *(u32 *)(r1 + 4)
w3 -= w2
r0 = r3
r0 = 2
exit

#@ case pointer_mov32_privileged_ok
#@ expect accept
w2 = w10
r0 = 2
exit

#@ case pointer_mov32_not_dereferenced
#@ expect reject 1: R2 is a scalar, not a pointer: it cannot be dereferenced
w2 = w10
r0 = *(u8 *)(r2 - 8)
r0 = 2
exit

#@ case packet_end_plus
#@ expect reject 1: R3 is a pointer to packet end: arithmetic on it is not allowed
r3 = *(u32 *)(r1 + 4)
r3 += 1
r0 = 2
exit

#@ case map_pointer_plus
#@ expect reject 2: R2 is a map: arithmetic on it is not allowed
r2 = map_by_fd(1) ll
r2 += 8
r0 = 2
exit

#@ case map_value_plus_unbounded
#@ expect reject 8: R0: the pointer to map value would get an unbounded offset: R6 has no bounds; compare it against a limit first
r6 = *(u32 *)(r1 + 12)
*(u32 *)(r10 - 4) = 0
r2 = r10
r2 += -4
r1 = map_by_fd(1) ll
call 1
r6 <<= 32
r0 += r6
r0 = 2
exit

#@ case map_value_plus_huge_constant
#@ expect reject 7: R0: adding 1073741824 makes the pointer to map value point too far out of bounds
*(u32 *)(r10 - 4) = 0
r2 = r10
r2 += -4
r1 = map_by_fd(1) ll
call 1
r1 = 1073741824
r0 += r1
r0 = 2
exit

#@ case map_value_out_and_back_ok
# leaving the value and coming back before the access is fine
#@ expect accept
*(u32 *)(r10 - 4) = 0
r2 = r10
r2 += -4
r1 = map_by_fd(1) ll
call 1
r0 += 100
r0 += -96
r1 = *(u32 *)(r0 + 0)
r0 = 2
exit

#@ case stack_out_and_back_ok
#@ expect accept
r2 = r10
r2 += 64
r2 += -72
*(u64 *)(r2 + 0) = 1
r0 = 2
exit

#@ case packet_plus_const_then_check_ok
#@ expect accept
r2 = *(u32 *)(r1 + 0)
r3 = *(u32 *)(r1 + 4)
r2 += 14
r4 = r2
r4 += 20
if r4 > r3 goto out
r0 = *(u32 *)(r2 + 16)
out:
r0 = 2
exit

#@ case pointer_compare_privileged_ok
#@ expect accept
r2 = r10
if r2 == r1 goto out
out:
r0 = 2
exit

#@ case context_plus_bounded_then_deref
#@ expect reject 3: R1 is the context pointer moved by a variable offset: context fields can only be accessed at constant offsets from the original pointer
r2 = *(u32 *)(r1 + 12)
r2 &= 4
r1 += r2
r0 = *(u32 *)(r1 + 0)
r0 = 2
exit

#@ case function_pointer_plus_privileged_ok
# privileged: allowed (as in Linux) as long as the moved pointer is not used as a callback
#@ expect accept
r2 = code_addr(4) ll
r2 += 8
r0 = 2
exit
f:
r0 = 0
exit

#@ case function_pointer_plus_as_callback
#@ expect reject 6: R2 points inside a function: helper bpf_loop needs the address of the callback itself
r2 = code_addr(8) ll
r2 += 8
r1 = 1
r3 = 0
r4 = 0
call 181
r0 = 2
exit
f:
r0 = 0
exit

#@ case map_pointer_plus_zero_ok
#@ expect accept
r1 = map_by_fd(1) ll
r1 += 0
*(u32 *)(r10 - 4) = 0
r2 = r10
r2 += -4
call 1
r0 = 2
exit

#@ case uninit_pointer_arith
#@ expect reject 0: R3 is read before it is written (it holds no value on this path)
r3 += r10
r0 = 2
exit
