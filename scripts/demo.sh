#!/usr/bin/env bash
# The main job on built-in defaults: set up (packages, build, templates), then `galam demo`.
set -euo pipefail
cd "$(dirname "$0")/.."
bin="$(scripts/setup.sh release)"
"$bin" demo "$@"
