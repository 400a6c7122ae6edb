#!/usr/bin/env bash
# The long kill-and-recover run of the runtime: 100 SIGKILL cycles (CI runs
# 20). RUNTIME_CRASH_SEED=N replays a run; RUNTIME_CRASH_CYCLES overrides.
set -euo pipefail
cd "$(dirname "$0")/.."
RUNTIME_CRASH_CYCLES="${RUNTIME_CRASH_CYCLES:-100}" \
    cargo test --release --features runtime --test runtime_crash
