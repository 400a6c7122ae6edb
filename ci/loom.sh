#!/usr/bin/env bash
# The runtime's loom models (src/runtime/handoff_loom.rs, stream_loom.rs,
# completion_loom.rs and directory_loom.rs): the hand-off of commands from callers to a shard on a
# full queue, shutdown draining, the decision stream's lag accounting, and
# the answer slots a batch fills before waking each caller once, under every
# interleaving loom explores with at most LOOM_MAX_PREEMPTIONS preemptions
# (default 3).
#
# `--cfg loom` swaps the runtime's atomics and mutex (src/runtime/sync.rs)
# for loom's. It is passed to this crate alone (`cargo rustc`), not through
# RUSTFLAGS: tokio drops `tokio::net` under `cfg(loom)`, which breaks the
# service tests' HTTP client crates, and a RUSTFLAGS change would rebuild
# every dependency. The dependencies are the normal test build's.
# `--features runtime`: the models live in src/runtime and need nothing of
# NATS (async-nats was a fifth of the step's CPU time).
set -euo pipefail
cd "$(dirname "$0")/.."
export LOOM_MAX_PREEMPTIONS="${LOOM_MAX_PREEMPTIONS:-3}"
started=$(date +%s)
# Shown as text first (errors), then asked again as JSON for the path.
cargo rustc --profile test --lib --features runtime -- --cfg loom
binary=$(cargo rustc --profile test --lib --features runtime --message-format=json -- --cfg loom \
    | sed -n 's/.*"executable":"\([^"]*\)".*/\1/p' | tail -1)
built=$(date +%s)
[ -x "$binary" ] || { echo "ci/loom.sh: no test binary built" >&2; exit 1; }
"$binary" loom_ --test-threads=2
echo "loom models: built in $(( built - started )) s, ran in $(( $(date +%s) - built )) s (LOOM_MAX_PREEMPTIONS=$LOOM_MAX_PREEMPTIONS)"
