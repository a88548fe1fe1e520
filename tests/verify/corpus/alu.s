# alu.s — division by a constant zero and constant shifts out of range are
# rejected, as Linux does; the register forms have defined results (x / 0 = 0,
# x % 0 = x, counts masked) and are accepted.
#@ type socket

#@ case div64_imm_zero
#@ expect reject 1: division by zero: the divisor is the constant 0
r0 = 1
r0 /= 0
exit

#@ case div32_imm_zero
#@ expect reject 1: division by zero: the divisor is the constant 0
w0 = 1
w0 /= 0
exit

#@ case mod64_imm_zero
#@ expect reject 1: division by zero: the divisor is the constant 0
r0 = 7
r0 %= 0
exit

#@ case mod32_imm_zero
#@ expect reject 1: division by zero: the divisor is the constant 0
w0 = 7
w0 %= 0
exit

#@ case div64_imm_nonzero
#@ expect accept
r0 = 100
r0 /= 7
exit

#@ case div_reg_zero_ok
# a register divisor of 0 gives 0 at run time: defined, accepted
#@ expect accept
r0 = 100
r1 = 0
r0 /= r1
exit

#@ case mod_reg_unknown_ok
#@ expect accept
r2 = *(u32 *)(r1 + 0)
r0 = 100
r0 %= r2
exit

#@ case lsh64_imm_64
#@ expect reject 1: invalid shift by 64: a 64-bit shift count must be 0..63
r0 = 1
r0 <<= 64
exit

#@ case rsh64_imm_neg
#@ expect reject 1: invalid shift by -1: a 64-bit shift count must be 0..63
r0 = 1
r0 >>= -1
exit

#@ case arsh64_imm_100
#@ expect reject 1: invalid shift by 100: a 64-bit shift count must be 0..63
r0 = 1
r0 s>>= 100
exit

#@ case lsh32_imm_32
#@ expect reject 1: invalid shift by 32: a 32-bit shift count must be 0..31
w0 = 1
w0 <<= 32
exit

#@ case rsh32_imm_31_ok
#@ expect accept
w0 = -1
w0 >>= 31
exit

#@ case lsh64_imm_63_ok
#@ expect accept
r0 = 1
r0 <<= 63
r0 >>= 63
exit

#@ case shift_reg_any_ok
# a register count is masked at run time: accepted
#@ expect accept
r2 = *(u32 *)(r1 + 0)
r0 = 1
r0 <<= r2
r0 = 0
exit

#@ case sdiv64_imm_zero
#@ ext all
#@ expect reject 1: division by zero: the divisor is the constant 0
r0 = 1
r0 s/= 0
exit

#@ case neg_and_bswap_ok
#@ expect accept
r0 = 5
r0 = -r0
r0 = be16 r0
r0 = le32 r0
r0 = 0
exit

#@ case arith_on_uninit_reg
#@ expect reject 0: R3 is read before it is written (it holds no value on this path)
r0 = r3
r0 += 1
exit

#@ case alu_dst_uninit
#@ expect reject 0: R4 is read before it is written (it holds no value on this path)
r4 += 1
r0 = 0
exit

#@ case mov32_uninit_src
#@ expect reject 0: R5 is read before it is written (it holds no value on this path)
w0 = w5
exit
