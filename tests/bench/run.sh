#!/bin/sh
# make bench: performance figures (targets are documented in docs/benchmarks.md;
# they are measured here, not asserted by the test suite).
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT" || exit 1
make -s build/opt/bench_frontend || exit 1
build/opt/bench_frontend tests/bench/bench.stp 100
# stap's pass 1 on the same script, for comparison, when stap is installed.
if command -v stap >/dev/null 2>&1; then
	k=$(mktemp -d)
	zcat /proc/config.gz >"$k/.config" 2>/dev/null || : >"$k/.config"
	mkdir -p "$k/include/config"; uname -r >"$k/include/config/kernel.release"; : >"$k/Module.symvers"
	s=$(date +%s%N)
	stap -p1 -r "$k" tests/bench/bench.stp >/dev/null 2>&1
	e=$(date +%s%N)
	echo "stap -p1 on the same script: $(( (e - s) / 1000000 )) ms (wall, whole process)"
	rm -rf "$k"
fi
sh tests/bench/bpf/run.sh
sh tests/bench/kmod/run.sh
