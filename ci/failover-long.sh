#!/usr/bin/env bash
# The long failover run: 100 SIGKILL failover cycles of tests/nats/nats_failover.rs
# (10 in CI). Needs nats-server (apt-get install -y nats-server). Prints each
# cycle's kill-to-first-routed-decision time and the median and maximum.
set -euo pipefail
cd "$(dirname "$0")/.."
SWITCHBOARD_FAILOVER_CYCLES="${1:-100}" \
    cargo test --release --features nats --test nats nats_failover:: -- --nocapture
