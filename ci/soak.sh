#!/usr/bin/env bash
# Soak (issue 21): one engine through simulated hours of fresh customers,
# conversations opened and resolved, purges every simulated minute; prints
# the engine's counts and the process's resident memory every five
# simulated minutes (see examples/soak.rs). Memory is flat when the figures
# of the last hour match the first's after warm-up. Not in CI (a few
# minutes in release). Arguments pass through: ci/soak.sh --hours 4 --rate 50
set -euo pipefail
cd "$(dirname "$0")/.."
exec cargo run --release --example soak -- "$@"
