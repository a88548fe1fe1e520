# callbacks.s — bpf_loop(nr, callback, ctx, flags): the callback is verified as a
# function called with (index, ctx) any number of times; it must return 0 or 1;
# its context pointer may point into the caller's stack.
#@ type xdp

#@ case loop_ok
#@ expect accept
r1 = 10
r2 = code_addr(6) ll
r3 = 0
r4 = 0
call 181
r0 = 2
exit
cb:
r0 = 0
exit

#@ case callback_returns_2
#@ expect reject 9: R0 is 2 at callback exit: a bpf_loop callback must return 0 or 1
r1 = 10
r2 = code_addr(6) ll
r3 = 0
r4 = 0
call 181
r0 = 2
exit
cb:
r0 = 2
exit

#@ case callback_returns_unknown
#@ expect reject 9: R0 is smin=0,smax=umax=0xffffffff,var_off=(0x0; 0xffffffff) at callback exit: a bpf_loop callback must return 0 or 1
r1 = 10
r2 = code_addr(6) ll
r3 = 0
r4 = 0
call 181
r0 = 2
exit
cb:
r0 = r1
exit

#@ case callback_returns_masked_ok
#@ expect accept
r1 = 10
r2 = code_addr(6) ll
r3 = 0
r4 = 0
call 181
r0 = 2
exit
cb:
r0 = r1
r0 &= 1
exit

#@ case callback_without_r0
#@ expect reject 9: R0 is not set before exit: the callback must return a value
r1 = 10
r2 = code_addr(6) ll
r3 = 0
r4 = 0
call 181
r0 = 2
exit
cb:
r1 = 0
exit

#@ case callback_returns_pointer
#@ expect reject 9: R0: returning a pointer to the function's own stack frame, which ends here
r1 = 10
r2 = code_addr(6) ll
r3 = 0
r4 = 0
call 181
r0 = 2
exit
cb:
r0 = r10
exit

#@ case callback_writes_callers_stack_ok
#@ expect accept
*(u64 *)(r10 - 8) = 0
r1 = 10
r2 = code_addr(8) ll
r3 = r10
r3 += -8
r4 = 0
call 181
r0 = *(u64 *)(r10 - 8)
r0 = 2
exit
cb:
r3 = *(u64 *)(r2 + 0)
r3 += r1
*(u64 *)(r2 + 0) = r3
r0 = 0
exit

#@ case callback_writes_past_callers_slot
#@ expect reject 10: R2 pointer to stack: write of 8 bytes at fp+0 is outside the 512-byte stack frame
*(u64 *)(r10 - 8) = 0
r1 = 10
r2 = code_addr(7) ll
r3 = r10
r3 += -8
r4 = 0
call 181
r0 = 2
exit
cb:
*(u64 *)(r2 + 8) = 0
r0 = 0
exit

#@ case callback_index_is_u32_ok
# the index is below 2^32: a callback may use it masked as an offset
#@ expect accept
*(u64 *)(r10 - 8) = 0
*(u64 *)(r10 - 16) = 0
r1 = 16
r2 = code_addr(7) ll
r3 = r10
r3 += -16
r4 = 0
call 181
r0 = 2
exit
cb:
r1 &= 15
r2 += r1
r0 = *(u8 *)(r2 + 0)
r0 = 0
exit

#@ case callback_not_a_function
#@ expect reject 4: R2 is a scalar, but helper bpf_loop expects a BPF function (a callback)
r1 = 10
r2 = 0
r3 = 0
r4 = 0
call 181
r0 = 2
exit

#@ case callback_reads_r3
# the callback gets (index, ctx) in r1, r2 only
#@ expect reject 8: R3 is read before it is written (it holds no value on this path)
r1 = 10
r2 = code_addr(6) ll
r3 = 0
r4 = 0
call 181
r0 = 2
exit
cb:
r0 = r3
exit

#@ case callback_infinite_loop
#@ expect reject 9: infinite loop: the program can come back to this instruction in exactly the same state, so it may never terminate
r1 = 10
r2 = code_addr(6) ll
r3 = 0
r4 = 0
call 181
r0 = 2
exit
cb:
r0 = 0
spin:
goto spin

#@ case nested_loops_ok
#@ expect accept
r1 = 4
r2 = code_addr(6) ll
r3 = 0
r4 = 0
call 181
r0 = 2
exit
outer:
r1 = 4
r2 = code_addr(6) ll
r3 = 0
r4 = 0
call 181
r0 = 0
exit
inner:
r0 = 0
exit

#@ case callback_returns_after_counter_ok
#@ expect accept
*(u64 *)(r10 - 8) = 0
r1 = 100
r2 = code_addr(7) ll
r3 = r10
r3 += -8
r4 = 0
call 181
r0 = 2
exit
cb:
r3 = *(u64 *)(r2 + 0)
r3 += 1
*(u64 *)(r2 + 0) = r3
r0 = 0
if r3 < 50 goto out
r0 = 1
out:
exit

#@ case loop_result_is_number_ok
#@ expect accept
r1 = 10
r2 = code_addr(7) ll
r3 = 0
r4 = 0
call 181
r0 &= 1
r0 += 1
exit
cb:
r0 = 0
exit

#@ case callback_map_lookup_ok
#@ map array key=4 value=8 entries=1
#@ expect accept
r1 = 4
r2 = code_addr(6) ll
r3 = 0
r4 = 0
call 181
r0 = 2
exit
cb:
*(u32 *)(r10 - 4) = 0
r2 = r10
r2 += -4
r1 = map_by_fd(1) ll
call 1
if r0 == 0 goto out
r1 = *(u64 *)(r0 + 0)
r1 += 1
*(u64 *)(r0 + 0) = r1
out:
r0 = 0
exit
