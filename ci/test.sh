#!/usr/bin/env bash
# The README's test command: installs what the suite needs and runs it.
#
# The suite uses real servers, not mocks: the nats_* tests and the
# runtime::nats unit tests start a 3-node JetStream cluster of Debian's
# nats-server, and tests/browser/service_browser.rs drives Debian's Chromium through
# chromedriver. On a fresh Debian machine none of them is installed, so this
# script installs them first (apt-get as root, or through sudo), then runs
# `cargo test --release --all-features` with any extra arguments passed on
# (`ci/test.sh --test engine engine_core::`). `.ci/run` calls exactly this script.
set -euo pipefail
cd "$(dirname "$0")/.."

missing=()
command -v nats-server >/dev/null 2>&1 || [ -x /usr/sbin/nats-server ] || missing+=(nats-server)
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
command -v chromedriver >/dev/null 2>&1 || missing+=(chromium-driver)

if [ ${#missing[@]} -gt 0 ]; then
    if [ "$(id -u)" -eq 0 ]; then
        as_root=()
    elif command -v sudo >/dev/null 2>&1; then
        as_root=(sudo)
    else
        echo "ci/test.sh: the tests need ${missing[*]}; install them as root:" >&2
        echo "  apt-get update && apt-get install -y ${missing[*]}" >&2
        exit 1
    fi
    echo "ci/test.sh: installing ${missing[*]} (Debian packages) for the tests" >&2
    "${as_root[@]}" apt-get update -qq
    DEBIAN_FRONTEND=noninteractive "${as_root[@]}" apt-get install -y -qq "${missing[@]}" >/dev/null
fi

# No debug info for the tests: a failing assertion names its file and line
# without it, and the release profile's (kept for profiling) would make the
# linker write the test binaries (tests/README.md) several times larger.
export CARGO_PROFILE_RELEASE_DEBUG="${CARGO_PROFILE_RELEASE_DEBUG:-false}"
exec cargo test --release --all-features "$@"
