# verifier_tests.cmake — the verifier's corpus, kernel differential, soundness
# fuzzing and benchmark (included from tests/verify/CMakeLists.txt; the domain
# tests there belong to the domain track).
# corpus/*.s and corpus/*.c: cases with their expected verdicts (format: vcorpus.h).
# C cases are compiled with clang when the test runs.
find_program(VERIFY_CLANG NAMES clang clang-14 REQUIRED)
if(CMAKE_LIBRARY_ARCHITECTURE)
  set(_vmultiarch ${CMAKE_LIBRARY_ARCHITECTURE})
else()
  execute_process(COMMAND gcc -print-multiarch OUTPUT_VARIABLE _vmultiarch OUTPUT_STRIP_TRAILING_WHITESPACE)
endif()
set(VERIFY_BPF_CC "${VERIFY_CLANG} -O2 -g -target bpf -mcpu=v3 -I/usr/include/${_vmultiarch}")
set(VERIFY_CORPUS ${CMAKE_CURRENT_SOURCE_DIR}/corpus)
set(VERIFY_OUT ${CMAKE_CURRENT_BINARY_DIR}/corpus)
add_library(vcorpus STATIC vcorpus.c)
target_link_libraries(vcorpus PUBLIC bpfvm_testutil)
target_compile_definitions(vcorpus PUBLIC BPF_CC="${VERIFY_BPF_CC}")

# every case through bpfvm_verify: verdict, instruction and message
add_executable(test_verify_corpus test_verify_corpus.c)
target_link_libraries(test_verify_corpus vcorpus)
add_test(NAME verify_corpus COMMAND test_verify_corpus ${VERIFY_CORPUS} ${VERIFY_OUT})
set_tests_properties(verify_corpus PROPERTIES LABELS "verify" TIMEOUT 300)

# every case through the Linux verifier too (exit 77 without bpf(2)); --bench
# prints the benchmark table of docs/BENCHMARKS.md
if(TARGET kbpf)
  add_executable(test_verify_kernel test_verify_kernel.c)
  target_link_libraries(test_verify_kernel vcorpus kbpf PkgConfig::LIBBPF)
  add_test(NAME verify_kernel COMMAND test_verify_kernel ${VERIFY_CORPUS} ${VERIFY_OUT}/kernel)
  set_tests_properties(verify_kernel PROPERTIES SKIP_RETURN_CODE 77 LABELS "verify;kernel" TIMEOUT 600)
endif()

# soundness fuzzing, corpus half (the generator half is tests/jit jit_diff): seeded
# mutations of the runnable cases; what the verifier accepts runs checked (any
# fault or budget overrun fails) and unchecked on its facts (results must agree).
# Its own OUT_DIR: verify_corpus compiles the same C files concurrently.
add_executable(test_verify_mutate test_verify_mutate.c)
target_link_libraries(test_verify_mutate vcorpus)
add_test(NAME verify_mutate COMMAND test_verify_mutate ${VERIFY_CORPUS} ${VERIFY_OUT}-mutate --count 40000 --seed 1)
set_tests_properties(verify_mutate PROPERTIES LABELS "verify;fuzz" TIMEOUT 300)
# Millions: only with `ctest -C long -L fuzz-long` (or the fuzz_verify target).
add_test(NAME verify_mutate_long COMMAND test_verify_mutate ${VERIFY_CORPUS} ${VERIFY_OUT}-mutate-long
         --count 3000000 --seed 1000000 CONFIGURATIONS long)
set_tests_properties(verify_mutate_long PROPERTIES LABELS "fuzz-long" TIMEOUT 86400)
add_custom_target(fuzz_verify COMMAND test_verify_mutate ${VERIFY_CORPUS} ${VERIFY_OUT}-mutate-long
                  --count 3000000 --seed 1000000 DEPENDS test_verify_mutate USES_TERMINAL)
