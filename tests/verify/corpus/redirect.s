# redirect.s — maps that only some helpers may use (Linux's map/helper
# compatibility): redirect targets for bpf_redirect_map, a perf event array for
# bpf_perf_event_output; programs may look devmaps up, not change them.
#@ type xdp
#@ map devmap key=4 value=4 entries=4
#@ map hash key=4 value=4 entries=4
#@ map cpumap key=4 value=4 entries=2
#@ map perf_event_array key=4 value=4 entries=2
#@ map xskmap key=4 value=4 entries=4

#@ case redirect_map_devmap_ok
#@ expect accept
r1 = map_by_fd(1) ll
r2 = 0
r3 = 0
call 51
exit

#@ case redirect_map_cpumap_ok
#@ expect accept
r1 = map_by_fd(3) ll
r2 = 0
r3 = 0
call 51
exit

#@ case redirect_map_on_hash
#@ expect reject 4: helper bpf_redirect_map cannot be used with map 'map2' of type hash
r1 = map_by_fd(2) ll
r2 = 0
r3 = 0
call 51
exit

#@ case lookup_devmap_ok
#@ expect accept
*(u32 *)(r10 - 4) = 0
r2 = r10
r2 += -4
r1 = map_by_fd(1) ll
call 1
r0 = 2
exit

#@ case lookup_xskmap_ok
#@ expect accept
*(u32 *)(r10 - 4) = 0
r2 = r10
r2 += -4
r1 = map_by_fd(5) ll
call 1
r0 = 2
exit

#@ case lookup_cpumap
#@ expect reject 5: helper bpf_map_lookup_elem cannot be used with map 'map3' of type cpumap
*(u32 *)(r10 - 4) = 0
r2 = r10
r2 += -4
r1 = map_by_fd(3) ll
call 1
r0 = 2
exit

#@ case update_devmap
#@ expect reject 9: helper bpf_map_update_elem cannot be used with map 'map1' of type devmap
*(u32 *)(r10 - 4) = 0
*(u32 *)(r10 - 8) = 1
r2 = r10
r2 += -4
r3 = r10
r3 += -8
r4 = 0
r1 = map_by_fd(1) ll
call 2
r0 = 2
exit

#@ case delete_xskmap
#@ expect reject 5: helper bpf_map_delete_elem cannot be used with map 'map5' of type xskmap
*(u32 *)(r10 - 4) = 0
r2 = r10
r2 += -4
r1 = map_by_fd(5) ll
call 3
r0 = 2
exit

#@ case lookup_perf_event_array
#@ expect reject 5: helper bpf_map_lookup_elem cannot be used with map 'map4' of type perf_event_array
*(u32 *)(r10 - 4) = 0
r2 = r10
r2 += -4
r1 = map_by_fd(4) ll
call 1
r0 = 2
exit

#@ case perf_event_output_ok
#@ expect accept
*(u64 *)(r10 - 8) = 7
r2 = map_by_fd(4) ll
r3 = 0xffffffff ll
r4 = r10
r4 += -8
r5 = 8
call 25
r0 = 2
exit

#@ case perf_event_output_on_hash
#@ expect reject 8: helper bpf_perf_event_output cannot be used with map 'map2' of type hash
*(u64 *)(r10 - 8) = 7
r2 = map_by_fd(2) ll
r3 = 0xffffffff ll
r4 = r10
r4 += -8
r5 = 8
call 25
r0 = 2
exit
