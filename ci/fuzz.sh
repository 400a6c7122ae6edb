#!/usr/bin/env bash
# Runs every fuzz target in fuzz/ for MINUTES minutes each (default 5).
#
#   ci/fuzz.sh 10        # 10 minutes per target
#   FUZZ_SEED=1 ci/fuzz.sh 2   # a fixed libFuzzer seed: the same inputs in the same order
#   FUZZ_SECONDS=30 ci/fuzz.sh # 30 seconds per target (overrides MINUTES)
#   FUZZ_JOBS=1 ci/fuzz.sh 2   # one target at a time (default: one per core)
#   FUZZ_SANITIZER=none ci/fuzz.sh 2   # no AddressSanitizer (default: address)
#
# New inputs go to fuzz/target/corpus-work/<target>/ (not committed); the
# committed seeds in fuzz/corpus/<target>/ are read, never written. A crash
# fails the script (once the targets running beside it end) and leaves the input in
# fuzz/artifacts/<target>/; replay it with
#   cd fuzz && cargo +nightly fuzz run -O <target> artifacts/<target>/<file>
set -euo pipefail
minutes=${1:-5}
seconds=${FUZZ_SECONDS:-$((minutes * 60))}
cd "$(dirname "$0")/../fuzz"
# cargo-fuzz needs nightly features; without a nightly toolchain, stable
# runs it with RUSTC_BOOTSTRAP=1.
if rustup toolchain list 2>/dev/null | grep -q '^nightly'; then
    fuzz() { cargo +nightly fuzz "$@"; }
else
    fuzz() { RUSTC_BOOTSTRAP=1 cargo fuzz "$@"; }
fi
if ! cargo fuzz --version >/dev/null 2>&1; then
    cargo install cargo-fuzz --locked
fi
# AddressSanitizer by default (unsafe code in the dependencies); CI's quick
# run turns it off (ci/fuzz-quick.sh). Build and run take the same flags,
# or the run would build again.
build_flags=(-O --sanitizer "${FUZZ_SANITIZER:-address}")
fuzz build "${build_flags[@]}"
# .ci/run builds early, beside the lints, and runs the targets last.
if [ -n "${FUZZ_BUILD_ONLY:-}" ]; then
    echo "fuzz: targets built"
    exit 0
fi
mkdir -p target/logs
# libFuzzer runs on one core: FUZZ_JOBS targets (default one per core) run
# side by side, each still for its full time on a core of its own.
jobs_max="${FUZZ_JOBS:-$(nproc)}"
pids=()
names=()
failed=0
# Waits for the oldest running target and reports it (in start order).
finish_oldest() {
    local pid="${pids[0]}" target="${names[0]}" status=0
    wait "$pid" || status=$?
    pids=("${pids[@]:1}")
    names=("${names[@]:1}")
    echo "== fuzz $target for ${seconds} s"
    grep -E '^(Done|stat::number_of_executed_units|stat::peak_rss)' "target/logs/$target.log" || true
    if [ "$status" -ne 0 ]; then
        grep -m1 -A20 'panicked' "target/logs/$target.log" || tail -40 "target/logs/$target.log"
        echo "fuzz target $target FAILED (log: fuzz/target/logs/$target.log)"
        failed="$status"
    fi
}
for target in $(fuzz list); do
    work="target/corpus-work/$target"
    mkdir -p "$work" "corpus/$target"
    fuzz run "${build_flags[@]}" "$target" "$work" "corpus/$target" -- \
        -max_total_time="$seconds" -max_len=4096 -print_final_stats=1 \
        ${FUZZ_SEED:+-seed=$FUZZ_SEED} \
        >"target/logs/$target.log" 2>&1 &
    pids+=("$!")
    names+=("$target")
    if [ "${#pids[@]}" -ge "$jobs_max" ]; then
        finish_oldest
    fi
    # A finding stops the launches; the targets running still end.
    if [ "$failed" -ne 0 ]; then
        break
    fi
done
while [ "${#pids[@]}" -gt 0 ]; do
    finish_oldest
done
if [ "$failed" -ne 0 ]; then
    exit "$failed"
fi
echo "fuzz: all targets ran ${seconds} s without a finding"
