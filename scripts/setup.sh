#!/usr/bin/env bash
# Installs what GalAM needs on Debian 12 (C libraries, Python with pip and NumPy), builds the
# `galam` executable and fills the SSP template cache. Idempotent: a second run only checks.
# Usage: scripts/setup.sh [debug|release] [extra swift build flags…]   (prints the path of galam)
set -euo pipefail
cd "$(dirname "$0")/.."
config="${1:-release}"
shift || true
extra=("$@")

log() { echo "setup: $*" >&2; }

command -v swift >/dev/null || { log "Swift 6.3 is not on PATH; install it from swift.org first."; exit 1; }

packages=(libdnnl-dev libopenblas-dev liblapacke-dev libcfitsio-dev libturbojpeg0-dev pkg-config python3 python3-pip)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# python3 and pip may come from elsewhere (pyenv, a venv): only ask apt when absent.
if command -v python3 >/dev/null && python3 -m pip --version >/dev/null 2>&1; then
  kept=(); for p in "${missing[@]}"; do [[ "$p" == python3* ]] || kept+=("$p"); done; missing=("${kept[@]}")
fi
# Open MPI is optional (multi-process training, `mpirun -np R galam train`): installed when we
# can, otherwise the build is single-process only. GALAM_NO_MPI=1 leaves it out.
optional=()
if [[ "${GALAM_NO_MPI:-}" != 1 ]]; then
  for p in openmpi-bin libopenmpi-dev; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || optional+=("$p")
  done
fi
if ((${#optional[@]})) && [[ $(id -u) -eq 0 ]]; then
  missing+=("${optional[@]}")
elif ((${#optional[@]})); then
  log "Open MPI not installed: building for single-process training (sudo apt-get install -y ${optional[*]} for mpirun)"
fi
if ((${#missing[@]})); then
  if [[ $(id -u) -eq 0 ]]; then
    log "installing ${missing[*]}"
    apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >&2
  else
    log "missing Debian packages; run:"
    echo "  sudo apt-get install -y ${missing[*]}" >&2
    exit 1
  fi
fi

# NumPy reads GalAM's .npy outputs in the tests; safetensors loads its checkpoints; astropy reads the predictions FITS.
for module in numpy safetensors astropy; do
  if ! python3 -c "import $module" 2>/dev/null; then
    log "installing $module for python3"
    python3 -m pip install -q "$module" >&2 2>/dev/null || python3 -m pip install -q --break-system-packages "$module" >&2 \
      || { [[ $(id -u) -eq 0 && $module == numpy ]] && apt-get install -y -qq python3-numpy >&2; } \
      || log "could not install $module (the tests that use it will fail)"
  fi
done

log "building galam ($config)"
swift build -c "$config" "${extra[@]}" --product galam >&2
bin="$(swift build -c "$config" "${extra[@]}" --show-bin-path)/galam"
"$bin" templates fetch >&2
echo "$bin"
