#!/usr/bin/env bash
# ci/check.sh - everything `make check` runs, with one verdict at the end.
#
# Each step runs to completion even if an earlier one failed, so one run
# shows every problem. Unit tests count one each (cmocka's own tally); every
# other step (proof replay, fuzz corpus replay, demo, cross builds, tests
# on emulated Cortex-M and RISC-V, LD_PRELOAD runs of real programs)
# counts as one check (the report gate reuses the proof replay's logs). The
# last line is "N passed, N failed".
set -u
cd "$(dirname "$0")/.."
mkdir -p build
passed=0
failed=0
failed_steps=""

ci/install-tools.sh build test prove fuzz cross || { echo "tool install failed"; echo "0 passed, 1 failed"; exit 1; }

# step NAME COMMAND...: run, show the tail of its log on failure, count it.
step() {
    local name=$1; shift
    local log="build/check-$name.log"
    printf '== %s\n' "$name"
    if "$@" >"$log" 2>&1; then
        passed=$((passed + 1))
        tail -n 3 "$log" | sed 's/^/   /'
    else
        failed=$((failed + 1))
        failed_steps="$failed_steps $name"
        tail -n 40 "$log" | sed 's/^/   /'
        printf '   FAILED: %s (log: %s)\n' "$name" "$log"
    fi
}

# Unit tests: cmocka reports each test; add its counts.
for t in test_slab test_check; do
    printf '== unit tests: %s (cmocka, ASan+UBSan)\n' "$t"
    if make -s "build/$t" >"build/check-$t-build.log" 2>&1; then
        "./build/$t" 2>&1 | tee "build/check-$t.log"
        ok=$(grep -E '^\[  PASSED  \] [0-9]+ test' "build/check-$t.log" | sed -E 's/.* ([0-9]+) test.*/\1/' | tail -n 1)
        bad=$(grep -E '^\[  FAILED  \] [0-9]+ test' "build/check-$t.log" | sed -E 's/.* ([0-9]+) test.*/\1/' | tail -n 1)
        ok=${ok:-0}; bad=${bad:-0}
        if [ "$ok" -eq 0 ] && [ "$bad" -eq 0 ]; then bad=1; fi
        passed=$((passed + ok)); failed=$((failed + bad))
        [ "$bad" -eq 0 ] || failed_steps="$failed_steps $t"
    else
        cat "build/check-$t-build.log"
        failed=$((failed + 1)); failed_steps="$failed_steps $t-build"
    fi
done

step proofs make -s prove
step proof-report-gate make -s prove-report-gate
step fuzz-replay make -s fuzz-replay-all
step demo make -s demo
step cross-builds make -s cross
step target-tests-cortex-m make -s check-target
step target-tests-riscv make -s check-target-riscv
step example-cortex-m make -s example-cortex-m
step preload-real-programs make -s check-preload
step install make -s check-install
step threads-tsan make -s check-threads
step rust-bindings make -s check-rust

printf '\n'
[ -z "$failed_steps" ] || printf 'failed:%s\n' "$failed_steps"
printf '%d passed, %d failed\n' "$passed" "$failed"
[ "$failed" -eq 0 ]
