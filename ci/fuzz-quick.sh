#!/usr/bin/env bash
# CI's fuzz step: builds every fuzz target and runs each for about a minute
# (FUZZ_QUICK_MINUTES overrides). About 3 minutes plus the first build.
set -euo pipefail
exec "$(dirname "$0")/fuzz.sh" "${FUZZ_QUICK_MINUTES:-1}"
