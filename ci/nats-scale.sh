#!/usr/bin/env bash
# Scale figures of SCALING.md: a 3-node JetStream cluster on 127.0.0.1 (in a
# temporary directory, stopped on exit) and three switchboard processes
# (examples/nats_scale.rs) sharing TENANTS tenants (default 10,000): each
# leads a third and stands by for the other two thirds. Each process puts a
# small simulated day on its tenants (commands/s, ack p50/p99); then
# process p0 is SIGKILLed and the others take its tenants over: the failover
# time of a whole process is the last takeover minus the kill.
# Needs nats-server (apt-get install -y nats-server).
set -euo pipefail
cd "$(dirname "$0")/.."
TENANTS="${TENANTS:-10000}"
LEASE_MS="${LEASE_MS:-5000}"
LINGER="${LINGER:-300}"
NATS="$(command -v nats-server || echo /usr/sbin/nats-server)"
DIR="$(mktemp -d)"
PIDS=()
# The servers are waited for before their directories go: one still
# writing made rm fail (and the script exit 1) after a good run.
cleanup() {
    for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
    for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
    rm -rf "$DIR"
}
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
# Create the stream and the buckets once, before three processes race to
# (with the same lease: the lease bucket's max age is the lease).
target/release/examples/nats_scale --nats "$URL" --processes 1 --tenants 0 --lease-ms "$LEASE_MS"
RUNS=()
for p in 0 1 2; do
    target/release/examples/nats_scale --nats "$URL" --process "$p" --processes 3 \
        --tenants "$TENANTS" --lease-ms "$LEASE_MS" --linger-secs "$LINGER" \
        >"$DIR/p$p.out" 2>&1 &
    RUNS+=($!)
    PIDS+=($!)
done
# Wait (bounded) until every process finished its load and its standbys settled.
for _ in $(seq 1 1200); do
    ready=$(cat "$DIR"/p?.out | grep -c "ready at" || true)
    [ "$ready" -ge 3 ] && break
    sleep 0.5
done
cat "$DIR"/p?.out
SHARE=$(( (TENANTS + 2) / 3 ))   # p0 leads tenants 0, 3, 6, ...
KILL_MS=$(date +%s%3N)
kill -9 "${RUNS[0]}"
echo "p0 SIGKILLed at $KILL_MS ms (unix)"
# Each takeover line carries the process's running total: wait (bounded)
# until p1 and p2 together took p0's share.
taken() {
    local total=0 n
    for p in 1 2; do
        n=$(sed -n 's/.*takeover \([0-9]*\) tenants.*/\1/p' "$DIR/p$p.out" | tail -1)
        total=$((total + ${n:-0}))
    done
    echo "$total"
}
for _ in $(seq 1 240); do
    [ "$(taken)" -ge "$SHARE" ] && break
    sleep 0.5
done
grep -h "takeover" "$DIR/p1.out" "$DIR/p2.out" || true
LAST=$(cat "$DIR/p1.out" "$DIR/p2.out" | sed -n 's/.*last at \([0-9]*\) ms.*/\1/p' | sort -n | tail -1)
FIRST=$(cat "$DIR/p1.out" "$DIR/p2.out" | sed -n 's/.*first at \([0-9]*\) ms.*/\1/p' | sort -n | head -1)
echo "failover of p0: $(taken) of its $SHARE tenants taken over by p1 and p2; kill to first takeover $((FIRST - KILL_MS)) ms, to last $((LAST - KILL_MS)) ms (lease $LEASE_MS ms)"
