# subprog.s — BPF-to-BPF calls: arguments in r1-r5, r6-r9 preserved, r1-r5
# dead after the call, r0 set by the callee; at most 8 frames; the stacks of a
# chain of calls together within 512 bytes; no recursion; pointers into a
# frame must not outlive it.
#@ type socket

#@ case simple_call_ok
#@ expect accept
r1 = 3
call add1
exit
add1:
r0 = r1
r0 += 1
exit

#@ case callee_reads_context_ok
#@ expect accept
call len
exit
len:
r0 = *(u32 *)(r1 + 0)
exit

#@ case callee_reads_callers_r6
#@ expect reject 3: R6 is read before it is written (it holds no value on this path)
r6 = 1
call f
exit
f:
r0 = r6
exit

#@ case caller_reads_r1_after_call
#@ expect reject 2: R1 is read before it is written (it holds no value on this path)
r1 = 1
call f
r0 = r1
exit
f:
r0 = 0
exit

#@ case caller_r6_preserved_ok
#@ expect accept
r6 = 7
call f
r0 = r6
exit
f:
r6 = 1
r0 = 0
exit

#@ case callee_without_r0
#@ expect reject 1: R0 is not set before exit: the program returns the result of the function called at instruction 0, which returned without setting it
call f
exit
f:
r1 = 0
exit

#@ case callee_r0_on_one_path_only
#@ expect reject 1: R0 is not set before exit: the program returns the result of the function called at instruction 0, which returned without setting it
call f
exit
f:
r2 = *(u32 *)(r1 + 0)
if r2 == 0 goto skip
r0 = 1
skip:
exit

#@ case callee_writes_callers_stack_ok
#@ expect accept
r1 = r10
r1 += -8
call set
r0 = *(u64 *)(r10 - 8)
exit
set:
*(u64 *)(r1 + 0) = 42
r0 = 0
exit

#@ case callee_writes_past_callers_frame
#@ expect reject 5: R1 pointer to stack: write of 8 bytes at fp+0 is outside the 512-byte stack frame
r1 = r10
r1 += -8
call set
r0 = 0
exit
set:
*(u64 *)(r1 + 8) = 42
r0 = 0
exit

#@ case callee_returns_its_stack
#@ expect reject 5: R0: returning a pointer to the function's own stack frame, which ends here
call f
r0 = 0
exit
f:
r0 = r10
r0 += -8
exit

#@ case callee_leaves_its_stack_in_callers_slot
#@ expect reject 9: a pointer into the stack frame of the returning function survives the return
r1 = r10
r1 += -8
call f
r0 = 0
exit
f:
r2 = r10
r2 += -16
*(u64 *)(r1 + 0) = r2
r0 = 0
exit

#@ case callee_returns_map_value_ok
#@ map array key=4 value=8 entries=1
#@ expect accept
call get
if r0 == 0 goto out
r0 = *(u64 *)(r0 + 0)
out:
r0 = 0
exit
get:
*(u32 *)(r10 - 4) = 0
r2 = r10
r2 += -4
r1 = map_by_fd(1) ll
call 1
exit

#@ case recursion_direct
#@ expect reject 3: recursion: the function at 2 calls itself through this call (BPF programs may not recurse)
call f
exit
f:
r0 = 0
call f
exit

#@ case recursion_indirect
#@ expect reject 5: recursion: the function at 2 calls itself through this call (BPF programs may not recurse)
call f
exit
f:
call g
exit
g:
r0 = 0
call f
exit

#@ case recursion_on_dead_path
# even a call that never happens: recursion is rejected from the call graph
#@ expect reject 5: recursion: the function at 3 calls itself through this call (BPF programs may not recurse)
r0 = 0
call f
exit
f:
r0 = 0
if r0 == 0 goto out
call f
out:
exit

#@ case eight_frames_ok
# main and 7 nested calls: 8 frames
#@ expect accept
call f1
exit
f1:
call f2
exit
f2:
call f3
exit
f3:
call f4
exit
f4:
call f5
exit
f5:
call f6
exit
f6:
call f7
exit
f7:
r0 = 1
exit

#@ case nine_frames
#@ expect reject 14: the call stack of 9 frames is too deep (the limit is 8)
call f1
exit
f1:
call f2
exit
f2:
call f3
exit
f3:
call f4
exit
f4:
call f5
exit
f5:
call f6
exit
f6:
call f7
exit
f7:
call f8
exit
f8:
r0 = 1
exit

#@ case stacks_512_ok
#@ expect accept
*(u64 *)(r10 - 256) = 0
call f
exit
f:
*(u64 *)(r10 - 256) = 0
r0 = 0
exit

#@ case stacks_over_512
#@ expect reject 1: this call makes the stacks of the chain of functions at 0 (256 bytes) -> 3 (272 bytes) take 528 bytes together (each rounded up to 16), more than the 512 allowed
*(u64 *)(r10 - 256) = 0
call f
exit
f:
*(u64 *)(r10 - 264) = 0
r0 = 0
exit

#@ case stacks_rounded_16_ok
# 264 + 240 bytes: with each frame rounded up to 16 bytes (Linux with its JIT), 272 + 240 = 512
#@ expect accept
*(u64 *)(r10 - 264) = 0
call f
exit
f:
*(u64 *)(r10 - 240) = 0
r0 = 0
exit

#@ case stacks_over_512_in_third_frame
#@ expect reject 4: this call makes the stacks of the chain of functions at 0 (208 bytes) -> 3 (208 bytes) -> 6 (208 bytes) take 624 bytes together (each rounded up to 16), more than the 512 allowed
*(u64 *)(r10 - 200) = 0
call f
exit
f:
*(u64 *)(r10 - 200) = 0
call g
exit
g:
*(u64 *)(r10 - 200) = 0
r0 = 0
exit

#@ case stacks_two_callees_each_ok
# main calls f and g one after the other: each chain is 2 frames
#@ expect accept
*(u64 *)(r10 - 200) = 0
call f
call g
exit
f:
*(u64 *)(r10 - 304) = 0
r0 = 0
exit
g:
*(u64 *)(r10 - 304) = 0
r0 = 0
exit

#@ case call_with_five_arguments_ok
#@ expect accept
r1 = 1
r2 = 2
r3 = 3
r4 = 4
r5 = 5
call sum
exit
sum:
r0 = r1
r0 += r2
r0 += r3
r0 += r4
r0 += r5
exit

#@ case callee_reads_unset_argument
#@ expect reject 3: R2 is read before it is written (it holds no value on this path)
r1 = 1
call f
exit
f:
r0 = r2
exit

#@ case unreachable_function
#@ expect reject 2: unreachable instruction: no path from the program's entry reaches it
r0 = 0
exit
f:
r0 = 1
exit

#@ case jump_into_another_function
#@ expect reject 1: jump target 4 is in another function (starting at 3) than the jump (function at 0)
call f
goto inside
exit
f:
r0 = 0
inside:
exit

#@ case callee_packet_pointer_ok
#@ type xdp
#@ expect accept
r2 = *(u32 *)(r1 + 0)
r3 = *(u32 *)(r1 + 4)
r4 = r2
r4 += 8
if r4 > r3 goto out
r1 = r2
call first
out:
r0 = 2
exit
first:
r0 = *(u8 *)(r1 + 7)
exit

#@ case callee_packet_pointer_past_range
#@ type xdp
#@ expect reject 9: R1 pointer to packet: read of 1 byte at offset 8 goes past the 8 bytes proven by comparing with data_end
r2 = *(u32 *)(r1 + 0)
r3 = *(u32 *)(r1 + 4)
r4 = r2
r4 += 8
if r4 > r3 goto out
r1 = r2
call first
out:
r0 = 2
exit
first:
r0 = *(u8 *)(r1 + 8)
exit

#@ case same_callee_two_contexts_ok
# f is verified for each caller's argument: a stack pointer, then a map value
#@ map array key=4 value=8 entries=1
#@ expect accept
r1 = r10
r1 += -8
call f
*(u32 *)(r10 - 12) = 0
r2 = r10
r2 += -12
r1 = map_by_fd(1) ll
call 1
if r0 == 0 goto out
r1 = r0
call f
out:
r0 = 0
exit
f:
*(u64 *)(r1 + 0) = 1
r0 = 0
exit

#@ case stacks_rounding_breaks_512
# 264 + 248 bytes = 512, but rounded up to 16 they take 272 + 256 = 528
#@ expect reject 1: this call makes the stacks of the chain of functions at 0 (272 bytes) -> 3 (256 bytes) take 528 bytes together (each rounded up to 16), more than the 512 allowed
*(u64 *)(r10 - 264) = 0
call f
exit
f:
*(u64 *)(r10 - 248) = 0
r0 = 0
exit
