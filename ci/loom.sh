#!/usr/bin/env bash
# Model-checks the concurrent core under loom: the capacity CAS cell
# (src/engine/capacity.rs, 2 and 3 threads) and a model of the claim
# protocol (tests/loom_claim.rs). A separate target dir keeps the loom build
# from invalidating the normal one. About 1-2 minutes from cold, seconds warm.
set -euo pipefail
cd "$(dirname "$0")/.."
export RUSTFLAGS="--cfg loom ${RUSTFLAGS:-}"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-target}/loom"
cargo test --release --lib capacity::loom_tests
cargo test --release --test loom_claim -- --nocapture
