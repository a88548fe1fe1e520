# atomics.s — atomic operations: on the stack and on map values only, aligned,
# with a scalar operand; fetch forms and cmpxchg return scalars.
#@ type socket
#@ map array key=4 value=16 entries=1

#@ case stack_atomic_add_ok
#@ expect accept
*(u64 *)(r10 - 8) = 0
r1 = 1
lock *(u64 *)(r10 - 8) += r1
r0 = *(u64 *)(r10 - 8)
r0 = 0
exit

#@ case stack_atomic_uninit_privileged_ok
# privileged programs may read unwritten stack bytes (bpfvm zeroes them), atomics too
#@ expect accept
r1 = 1
lock *(u64 *)(r10 - 8) += r1
r0 = 0
exit

#@ case stack_fetch_add_ok
#@ expect accept
*(u64 *)(r10 - 8) = 5
r1 = 1
r1 = atomic_fetch_add((u64 *)(r10 - 8), r1)
r0 = r1
r0 = 0
exit

#@ case map_value_atomic_ok
#@ expect accept
*(u32 *)(r10 - 4) = 0
r2 = r10
r2 += -4
r1 = map_by_fd(1) ll
call 1
if r0 == 0 goto out
r1 = 1
lock *(u64 *)(r0 + 8) += r1
w1 = 1
lock *(u32 *)(r0 + 4) |= w1
out:
r0 = 0
exit

#@ case map_value_atomic_misaligned
#@ expect reject 8: misaligned atomic access to map value of 'map1'
*(u32 *)(r10 - 4) = 0
r2 = r10
r2 += -4
r1 = map_by_fd(1) ll
call 1
if r0 == 0 goto out
r1 = 1
lock *(u64 *)(r0 + 4) += r1
out:
r0 = 0
exit

#@ case map_value_atomic_past_end
#@ expect reject 8: R0 pointer to map value of 'map1': write of 8 bytes at offset 16 is outside the 16-byte value
*(u32 *)(r10 - 4) = 0
r2 = r10
r2 += -4
r1 = map_by_fd(1) ll
call 1
if r0 == 0 goto out
r1 = 1
lock *(u64 *)(r0 + 16) += r1
out:
r0 = 0
exit

#@ case map_value_cmpxchg_ok
#@ expect accept
*(u32 *)(r10 - 4) = 0
r2 = r10
r2 += -4
r1 = map_by_fd(1) ll
call 1
if r0 == 0 goto out
r6 = r0
r0 = 0
r1 = 1
r0 = cmpxchg_64(r6 + 0, r0, r1)
out:
r0 = 0
exit

#@ case cmpxchg_r0_uninit
#@ expect reject 2: R0 is read before it is written (it holds no value on this path)
*(u64 *)(r10 - 8) = 0
r1 = 1
r0 = cmpxchg_64(r10 - 8, r0, r1)
r0 = 0
exit

#@ case atomic_pointer_operand_privileged_ok
# privileged: adding an address to a number in memory makes a number
#@ expect accept
*(u64 *)(r10 - 8) = 0
lock *(u64 *)(r10 - 8) += r10
r0 = 0
exit

#@ case atomic_on_spilled_pointer_privileged_ok
# privileged: the spilled pointer becomes plain bytes
#@ expect accept
*(u64 *)(r10 - 8) = r1
r2 = 1
lock *(u64 *)(r10 - 8) += r2
r0 = 0
exit

#@ case atomic_xchg_stack_ok
#@ expect accept
*(u64 *)(r10 - 8) = 0
r1 = 3
r1 = xchg_64(r10 - 8, r1)
r0 = 0
exit

#@ case atomic_on_readonly_map
#@ map array key=4 value=16 entries=1 flags=0x80
#@ expect reject 8: R0: write into read-only map 'map1'
*(u32 *)(r10 - 4) = 0
r2 = r10
r2 += -4
r1 = map_by_fd(1) ll
call 1
if r0 == 0 goto out
r1 = 1
lock *(u64 *)(r0 + 8) += r1
out:
r0 = 0
exit
