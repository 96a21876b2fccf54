#!/usr/bin/env bash
# Every test: set up (packages, build, templates), then `swift test`, ending with one plain
# "N passed, N failed" line counted over XCTest and Swift Testing results. Tests run on an
# optimised build (with testability): the end-to-end and network tests train real networks,
# which debug builds run many times slower.
set -uo pipefail
cd "$(dirname "$0")/.."
flags=(-c release -Xswiftc -enable-testing)
# The real SDSS fixtures are read in place from ../shared/fixtures/sdss beside the project. A
# clone made elsewhere (git clone /path/to/galam /tmp/x) finds them beside the repository it
# was cloned from; $GALAM_FIXTURES overrides both.
if [[ -z "${GALAM_FIXTURES:-}" && ! -d ../shared/fixtures/sdss ]]; then
    origin="$(git config --get remote.origin.url 2>/dev/null || true)"
    if [[ -n "$origin" && -d "$origin/../shared/fixtures/sdss" ]]; then
        export GALAM_FIXTURES="$(cd "$origin/../shared/fixtures/sdss" && pwd)"
        echo "test: SDSS fixtures from $GALAM_FIXTURES (beside the repository this clone came from)"
    else
        echo "test: no SDSS fixtures at $(pwd)/../shared/fixtures/sdss; set GALAM_FIXTURES to their folder" >&2
    fi
fi
scripts/setup.sh release -Xswiftc -enable-testing >/dev/null || exit 1
log="$(mktemp)"
swift test "${flags[@]}" "$@" 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
passed=$(grep -cE "^Test Case '.*' passed|^✔ Test [^r].* passed" "$log" || true)
failed=$(grep -cE "^Test Case '.*' failed|^✘ Test [^r].* failed" "$log" || true)
rm -f "$log"
echo "tests: ${passed} passed, ${failed} failed"
if [[ $status -eq 0 && $failed -gt 0 ]]; then status=1; fi
exit "$status"
