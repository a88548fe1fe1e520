# loops.s — termination: bounded loops are explored until they end (or the
# 1,000,000-instruction budget runs out); a loop that can come back to the same
# state is infinite; may_goto loops are bounded by the runtime.
#@ type socket
#@ map array key=4 value=64 entries=1

#@ case count_up_to_10_ok
#@ expect accept
r0 = 0
r1 = 0
loop:
r0 += r1
r1 += 1
if r1 < 10 goto loop
exit

#@ case count_down_ok
#@ expect accept
r0 = 0
r1 = 100
loop:
r0 += 3
r1 -= 1
if r1 != 0 goto loop
exit

#@ case jmp32_counter_ok
#@ expect accept
w0 = 0
w1 = 20
loop:
w0 += w1
w1 += -1
if w1 s> 0 goto loop
exit

#@ case loop_bounded_by_masked_input_ok
#@ expect accept
r2 = *(u32 *)(r1 + 0)
r2 &= 15
r0 = 0
loop:
if r2 == 0 goto out
r2 -= 1
r0 += 1
goto loop
out:
exit

#@ case loop_indexes_map_value_ok
#@ expect accept
r1 = 0
*(u32 *)(r10 - 4) = r1
r2 = r10
r2 += -4
r1 = map_by_fd(1) ll
call 1
if r0 == 0 goto out
r1 = 0
r6 = 0
loop:
r2 = r0
r2 += r1
r3 = *(u8 *)(r2 + 0)
r6 += r3
r1 += 1
if r1 < 64 goto loop
out:
r0 = 0
exit

#@ case loop_indexes_one_past
#@ expect reject 11: R2 pointer to map value of 'map1': read of 1 byte at offset 64 is outside the 64-byte value
r1 = 0
*(u32 *)(r10 - 4) = r1
r2 = r10
r2 += -4
r1 = map_by_fd(1) ll
call 1
if r0 == 0 goto out
r1 = 0
loop:
r2 = r0
r2 += r1
r3 = *(u8 *)(r2 + 0)
r1 += 1
if r1 <= 64 goto loop
out:
r0 = 0
exit

#@ case nested_loops_ok
#@ expect accept
r0 = 0
r1 = 0
outer:
r2 = 0
inner:
r0 += 1
r2 += 1
if r2 < 8 goto inner
r1 += 1
if r1 < 8 goto outer
exit

#@ case self_jump
#@ expect reject 0: infinite loop: the program can come back to this instruction in exactly the same state, so it may never terminate
loop:
goto loop

#@ case self_jump_after_work
#@ expect reject 1: infinite loop: the program can come back to this instruction in exactly the same state, so it may never terminate
r0 = 0
loop:
r0 = 1
goto loop

#@ case no_progress
#@ expect reject 1: infinite loop: the program can come back to this instruction in exactly the same state, so it may never terminate
r1 = 0
loop:
if r1 < 10 goto loop
r0 = 0
exit

#@ case condition_on_unchanged_input
#@ expect reject 1: infinite loop: the program can come back to this instruction in exactly the same state, so it may never terminate
r2 = *(u32 *)(r1 + 0)
loop:
r0 = 0
if r2 != 0 goto loop
exit

#@ case never_reaches_bound
# r1 goes 1, 3, 5, ...: never equal to 10 (runs out of budget)
#@ expect reject 2: the program is too complex: the verifier processed 1000000 instructions over all paths without finishing (a loop that may not end, or too many paths)
r1 = 1
loop:
r1 += 2
if r1 != 10 goto loop
r0 = 0
exit

#@ case too_many_iterations
#@ expect reject 4: the program is too complex: the verifier processed 1000000 instructions over all paths without finishing (a loop that may not end, or too many paths)
r0 = 0
r1 = 0
loop:
r0 += r1
r0 ^= 5
r1 += 1
if r1 < 1000000 goto loop
exit

#@ case unknown_bound
#@ expect reject 2: the program is too complex: the verifier processed 1000000 instructions over all paths without finishing (a loop that may not end, or too many paths)
r2 = *(u32 *)(r1 + 0)
r0 = 0
loop:
r0 += 1
if r0 < r2 goto loop
r0 = 0
exit

#@ case loop_with_branch_inside_ok
#@ expect accept
r2 = *(u32 *)(r1 + 0)
r0 = 0
r1 = 0
loop:
r3 = r2
r3 &= 1
if r3 == 0 goto even
r0 += 2
goto next
even:
r0 += 1
next:
r2 >>= 1
r1 += 1
if r1 < 16 goto loop
exit

#@ case backward_jump_to_start_ok
#@ expect accept
r1 = 3
top:
r1 -= 1
if r1 != 0 goto top
r0 = 0
exit

#@ case may_goto_loop_ok
# the runtime bounds may_goto loops: Linux 6.9+ accepts them
#@ ext may_goto
#@ expect accept
r0 = 0
loop:
may_goto out
r0 += 1
goto loop
out:
exit

#@ case may_goto_with_unknown_exit_ok
#@ ext may_goto
#@ expect accept
r2 = *(u32 *)(r1 + 0)
r0 = 0
loop:
may_goto out
r0 += 1
if r0 == r2 goto out
goto loop
out:
r0 = 0
exit

#@ case loop_in_subprogram_ok
#@ expect accept
r1 = 5
call count
exit
count:
r0 = 0
loop:
r0 += 2
r1 -= 1
if r1 s> 0 goto loop
exit

#@ case infinite_loop_in_subprogram
#@ expect reject 4: infinite loop: the program can come back to this instruction in exactly the same state, so it may never terminate
call spin
r0 = 0
exit
spin:
r0 = 0
loop:
goto loop

#@ case loop_of_calls_ok
#@ expect accept
r6 = 0
r7 = 4
loop:
call one
r6 += r0
r7 -= 1
if r7 != 0 goto loop
r0 = r6
exit
one:
r0 = 1
exit

#@ case infinite_loop_through_two_jumps
#@ expect reject 3: infinite loop: the program can come back to this instruction in exactly the same state, so it may never terminate
r0 = 0
a:
r0 = 1
goto b
b:
r0 = 2
goto a
