#!/usr/bin/env bash
# The blend-check study of the README ("Blend rejection"): simulates a grid of observing
# conditions, chooses a blend check on the tuning surveys and judges it on held-out ones it
# played no part in choosing. Usage: scripts/blend-grid.sh [OUT_DIR] [GALAXIES] [THREADS]
# (defaults: out/blend-grid, 800, 1). Needs a built galam (.build/release/galam) and the
# SSP templates. Each survey is simulated once; rerunning skips surveys already there.
set -euo pipefail
cd "$(dirname "$0")/.."
out="${1:-out/blend-grid}"
n="${2:-800}"
threads="${3:-1}"
galam=.build/release/galam
mkdir -p "$out"

simulate() {  # name seed options…
    local name="$1" seed="$2"
    shift 2
    if [[ ! -f "$out/$name/truth.csv" ]]; then
        /usr/bin/time -f "$name: %e s, %M KB" "$galam" simulate --n "$n" --out "$out/$name" --seed "$seed" --threads "$threads" --quiet "$@"
    fi
}

# Tuning grid: the settings are chosen on these.
simulate t1-original 101
simulate t2-gauss-random 102 --neighbours random --neighbour-density 2 --star-fraction 0.3
simulate t3-moffat-random 103 --psf moffat --moffat-beta 2.5-4.5 --neighbours random --neighbour-density 2 --star-fraction 0.3
simulate t4-gauss-dense-noisy 104 --neighbours random --neighbour-density 3 --star-fraction 0.3 --sky-noise 2 --stretch 0.5
# Held out: never looked at while choosing. Each differs from every tuning survey in PSF,
# neighbour density, noise or stretch (combinations the choice did not see).
simulate h1-moffat-dense 201 --psf moffat --moffat-beta 2.5-4.5 --seeing 1.0-2.0 --neighbours random --neighbour-density 3 --star-fraction 0.3
simulate h2-gauss-sparse-noisy 202 --seeing 1.6-2.2 --neighbours random --neighbour-density 1.5 --star-fraction 0.5 --sky-noise 3
simulate h3-moffat-wings-quiet 203 --psf moffat --moffat-beta 2.5-3.0 --neighbours random --neighbour-density 2.5 --star-fraction 0.3 --sky-noise 0.5 --stretch 0.2

tuning="$out/t1-original,$out/t2-gauss-random,$out/t3-moffat-random,$out/t4-gauss-dense-noisy"
held="$out/h1-moffat-dense,$out/h2-gauss-sparse-noisy,$out/h3-moffat-wings-quiet"
/usr/bin/time -f "selection: %e s, %M KB" "$galam" bench images --count 0 --threads "$threads" --survey "$tuning" --held-out "$held"
