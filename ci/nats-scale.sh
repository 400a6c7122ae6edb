#!/usr/bin/env bash
# Scale figures of SCALING.md: a 3-node JetStream cluster on 127.0.0.1 (in a
# temporary directory, stopped on exit) and three switchboard processes at
# once, each serving a third of TENANTS tenants (default 10,000), each tenant
# a small simulated day. Needs nats-server (apt-get install -y nats-server).
set -euo pipefail
cd "$(dirname "$0")/.."
TENANTS="${TENANTS:-10000}"
NATS="$(command -v nats-server || echo /usr/sbin/nats-server)"
DIR="$(mktemp -d)"
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$DIR"; }
trap cleanup EXIT
BASE=$((20000 + RANDOM % 20000))
ROUTES="nats://127.0.0.1:$((BASE + 10)),nats://127.0.0.1:$((BASE + 11)),nats://127.0.0.1:$((BASE + 12))"
for i in 0 1 2; do
    "$NATS" -a 127.0.0.1 -p $((BASE + i)) -n "n$i" -js -sd "$DIR/n$i" \
        --cluster_name sbscale --cluster "nats://127.0.0.1:$((BASE + 10 + i))" \
        --routes "$ROUTES" >"$DIR/n$i.log" 2>&1 &
    PIDS+=($!)
done
URL="nats://127.0.0.1:$BASE,nats://127.0.0.1:$((BASE + 1)),nats://127.0.0.1:$((BASE + 2))"
cargo build --release --features nats --example nats_scale
sleep 2
# Create the stream and the buckets once, before three processes race to.
target/release/examples/nats_scale --nats "$URL" --node setup --tenants 0
PER=$(( (TENANTS + 2) / 3 ))
for p in 0 1 2; do
    target/release/examples/nats_scale --nats "$URL" --node "p$p" --tenants "$PER" &
    RUNS+=($!)
done
for r in "${RUNS[@]}"; do wait "$r"; done
