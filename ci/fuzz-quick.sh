#!/usr/bin/env bash
# CI's fuzz step: builds every fuzz target and runs each for about a minute
# (FUZZ_QUICK_MINUTES overrides). About 3 minutes plus the first build.
set -euo pipefail
# A fixed seed makes the gate repeatable: CI replays a prefix of what a
# longer run with the same seed explored. Exploration with fresh seeds is
# ci/fuzz.sh's job (run it for minutes or hours; see RELIABILITY.md).
export FUZZ_SEED="${FUZZ_SEED:-1}"
exec "$(dirname "$0")/fuzz.sh" "${FUZZ_QUICK_MINUTES:-1}"
