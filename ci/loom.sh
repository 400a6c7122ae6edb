#!/usr/bin/env bash
# The runtime's loom models (src/runtime/handoff_loom.rs): the hand-off of
# commands from callers to a shard on a full queue, shutdown draining, and
# the decision stream's lag accounting, under every interleaving loom
# explores with at most LOOM_MAX_PREEMPTIONS preemptions (default 3).
#
# `--cfg loom` swaps the runtime's atomics and mutex (src/runtime/sync.rs)
# for loom's in the library's own tests only; a separate target directory
# keeps these builds from invalidating the normal ones.
set -euo pipefail
cd "$(dirname "$0")/.."
export LOOM_MAX_PREEMPTIONS="${LOOM_MAX_PREEMPTIONS:-3}"
export RUSTFLAGS="${RUSTFLAGS:-} --cfg loom"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-target/loom}"
started=$(date +%s)
cargo test --release --no-default-features --features runtime --lib loom_ -- --test-threads=2
echo "loom models: $(( $(date +%s) - started )) s (LOOM_MAX_PREEMPTIONS=$LOOM_MAX_PREEMPTIONS)"
