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
