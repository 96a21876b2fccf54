#!/usr/bin/env bash
# Every test: set up (packages, build, templates), then `swift test`, ending with one plain
# "N passed, N failed" line counted over XCTest and Swift Testing results. Tests run on an
# optimised build (with testability): the end-to-end and network tests train real networks,
# which debug builds run many times slower.
set -uo pipefail
cd "$(dirname "$0")/.."
flags=(-c release -Xswiftc -enable-testing)
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
