# regs.s — registers: r10 is read-only, no register is read before it is written
# (r1-r5 die at every call), and r0 holds a value at every exit.
#@ type socket

#@ case write_r10
#@ expect reject 0: mov writes r10, which is read-only
r10 = 0
r0 = 0
exit

#@ case add_to_r10
#@ expect reject 0: add writes r10, which is read-only
r10 += 8
r0 = 0
exit

#@ case load_into_r10
#@ expect reject 0: ldxdw writes r10, which is read-only
r10 = *(u64 *)(r1 + 0)
r0 = 0
exit

#@ case copy_of_r10_ok
#@ expect accept
r2 = r10
r2 += -8
*(u64 *)(r2 + 0) = 0
r0 = 0
exit

#@ case read_r2_at_entry
# only r1 (the context) and r10 hold values at entry
#@ expect reject 0: R2 is read before it is written (it holds no value on this path)
r0 = r2
exit

#@ case read_r9_at_entry
#@ expect reject 1: R9 is read before it is written (it holds no value on this path)
r0 = 0
r0 += r9
exit

#@ case store_uninit_register
#@ expect reject 0: R3 is read before it is written (it holds no value on this path)
*(u64 *)(r10 - 8) = r3
r0 = 0
exit

#@ case compare_uninit_register
#@ expect reject 0: R4 is read before it is written (it holds no value on this path)
if r4 > 3 goto out
out:
r0 = 0
exit

#@ case uninit_as_pointer
#@ expect reject 0: R5 is read before it is written (it holds no value on this path)
r0 = *(u64 *)(r5 + 0)
exit

#@ case exit_without_r0
#@ expect reject 0: R0 is not set before exit: the program must return a value
exit

#@ case exit_r0_set_on_one_path
#@ expect reject 3: R0 is not set before exit: the program must return a value
r2 = *(u32 *)(r1 + 0)
if r2 > 10 goto skip
r0 = 1
skip:
exit

#@ case exit_r0_set_on_all_paths_ok
#@ expect accept
r2 = *(u32 *)(r1 + 0)
r0 = 0
if r2 > 10 goto skip
r0 = 1
skip:
exit

#@ case args_dead_after_helper
#@ expect reject 2: R1 is read before it is written (it holds no value on this path)
r1 = 5
call 7
r0 = r1
exit

#@ case r5_dead_after_helper
#@ expect reject 2: R5 is read before it is written (it holds no value on this path)
r5 = 5
call 5
r0 = r5
exit

#@ case r0_after_void_call
# bpf_ringbuf_submit returns nothing: r0 is not set
#@ map ringbuf key=0 value=0 entries=4096
#@ expect reject 9: R0 is not set before exit: the program must return a value
r1 = map_by_fd(1) ll
r2 = 8
r3 = 0
call 131
if r0 == 0 goto out
r1 = r0
r2 = 0
call 132
exit
out:
exit

#@ case callee_saved_after_helper_ok
#@ expect accept
r6 = 5
r7 = r1
call 7
r0 = r6
r1 = r7
exit

#@ case r0_is_ctx_at_exit_privileged_ok
# privileged socket filters may return a pointer (Linux does not check)
#@ expect accept
r0 = r1
exit

#@ case mov32_clears_upper_ok
#@ expect accept
r2 = -1
w2 = w2
r2 >>= 32
if r2 == 0 goto ok
r0 = *(u64 *)(r10 + 8)
ok:
r0 = 0
exit

#@ case lddw_64bit_constant_ok
#@ expect accept
r2 = 0x123456789abcdef0 ll
r3 = r2
r3 >>= 60
if r3 == 1 goto ok
r0 = *(u64 *)(r10 + 8)
ok:
r0 = 0
exit

#@ case read_r0_at_entry
#@ expect reject 0: R0 is read before it is written (it holds no value on this path)
r1 = r0
r0 = 0
exit

#@ case read_above_frame
#@ expect reject 0: R10 pointer to stack: read of 8 bytes at fp+0 is outside the 512-byte stack frame
r0 = *(u64 *)(r10 + 0)
exit

#@ case read_below_frame
#@ expect reject 0: R10 pointer to stack: read of 1 byte at fp-513 is outside the 512-byte stack frame
r0 = *(u8 *)(r10 - 513)
exit

#@ case write_bottom_of_frame_ok
#@ expect accept
*(u64 *)(r10 - 512) = 1
r0 = *(u64 *)(r10 - 512)
exit

#@ case fall_off_the_end
#@ expect reject 0: execution can fall off the end of the program: the last instruction is mov, not exit or ja
r0 = 0

#@ case jump_out_of_program
#@ expect reject 1: jump target 7 is outside the program (instructions 0..2)
r0 = 0
if r0 == 0 goto +5
exit

#@ case jump_into_lddw
#@ expect reject 1: jump target 3 is the second slot of the lddw at 2
r0 = 0
if r0 == 0 goto +1
r1 = 0x1122334455667788 ll
exit
