#!/usr/bin/env bash
# CI's fuzz step: builds every fuzz target and runs each for 20 seconds
# (FUZZ_QUICK_SECONDS overrides): a smoke test that the targets build and
# the committed corpus still passes, inside CI's time budget. On 2 cores
# two targets run at once: about a minute plus the first build; real
# exploration is ci/fuzz.sh's job.
set -euo pipefail
# A fixed seed makes the gate repeatable: CI replays a prefix of what a
# longer run with the same seed explored. Exploration with fresh seeds is
# ci/fuzz.sh's job (run it for minutes or hours; see RELIABILITY.md).
export FUZZ_SEED="${FUZZ_SEED:-1}"
# No AddressSanitizer in the gate: the crate has no `unsafe`, so ASan
# could only find faults in the dependencies' unsafe code, which their own
# tests cover; without it the targets build in 295 CPU seconds instead of
# 413 (cold, 2026-12-06) and run faster. ci/fuzz.sh keeps ASan by default.
export FUZZ_SANITIZER="${FUZZ_SANITIZER:-none}"
FUZZ_SECONDS="${FUZZ_QUICK_SECONDS:-20}" exec "$(dirname "$0")/fuzz.sh"
