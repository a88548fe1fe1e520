#!/bin/sh
# dev.sh — the one entry point for newcomers and CI on a Debian machine: installs
# what bpfvm needs (apt-get, only what is missing), builds, and then
#   ./dev.sh demo    compiles examples/xdp_filter.c with clang and runs it on examples/traffic.pcap
#   ./dev.sh test    runs the whole test suite, then again under ASan + UBSan
#   ./dev.sh build   only builds (build/bpfvm, build/bpfvm-conformance)
set -eu
cd "$(dirname "$0")"

PKGS="cmake make gcc libc6-dev pkg-config libcmocka-dev libelf-dev libbpf-dev zlib1g-dev libpcap-dev libcapstone-dev clang llvm clang-19"
JOBS=$(nproc 2>/dev/null || echo 2)

install_deps() {
    missing=""
    for p in $PKGS; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
    done
    [ -z "$missing" ] && return 0
    echo "dev.sh: installing:$missing"
    sudo=""
    [ "$(id -u)" -ne 0 ] && sudo=sudo
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq $missing >/dev/null
}

build() { # build DIR [cmake options...]
    dir=$1
    shift
    cmake -S . -B "$dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo "$@" >/dev/null
    cmake --build "$dir" -j"$JOBS" >/dev/null
}

case "${1:-}" in
demo)
    install_deps
    build build
    clang -O2 -g -target bpf -mcpu=v3 -I/usr/include/"$(gcc -print-multiarch)" \
        -c examples/xdp_filter.c -o build/xdp_filter.o
    ./build/bpfvm test-run build/xdp_filter.o --pcap examples/traffic.pcap --out build/passed.pcap --maps
    ;;
trace-demo)
    install_deps
    build build
    ./build/bpfvm asm examples/checksum.s -o build/checksum.bin
    ./build/bpfvm run build/checksum.bin --trace \
        --mem-hex "45 00 00 73 00 00 40 00 40 11 00 00 c0 a8 00 01 c0 a8 00 c7"
    ;;
test)
    install_deps
    build build
    ctest --test-dir build --output-on-failure -j"$JOBS"
    echo "dev.sh: the same tests under AddressSanitizer + UndefinedBehaviorSanitizer"
    build build-asan -DBPFVM_SANITIZE=ON
    ASAN_OPTIONS=detect_leaks=1 ctest --test-dir build-asan --output-on-failure -j"$JOBS"
    ;;
build)
    install_deps
    build build
    ;;
*)
    echo "usage: ./dev.sh demo|trace-demo|test|build" >&2
    exit 2
    ;;
esac
