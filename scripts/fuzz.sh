#!/usr/bin/env bash
# Fuzzes GalAM's readers with libFuzzer: builds Fuzz/ (a package of its own, with
# -sanitize=fuzzer,address), builds seed corpora from the SDSS fixtures and a small simulated
# survey, runs each target for the given time and prints per target executions/s, coverage
# (libFuzzer's cov/ft) and findings. Each finding (crash, sanitizer report, out-of-memory,
# timeout) is minimised into Tests/FuzzRegressions/<target>/, where the regression tests
# (Tests/FuzzRegressionTests) replay it; the exit status is 1 when anything was found.
# gold fails to link the ASan-instrumented targets (an internal error in dwarf_reader), so
# they link with the toolchain's lld.
# Usage: scripts/fuzz.sh [seconds-per-target (60)] [target…]   (targets: fits jpeg npy safetensors catalog)
set -uo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-60}"
shift || true
targets=("$@")
((${#targets[@]})) || targets=(fits jpeg npy safetensors catalog)
root="$(pwd)"
work="$root/Fuzz"
log() { echo "fuzz: $*" >&2; }

# The seeds come from galam itself (simulate, prepare-*); setup.sh also fills the template
# cache the fits target fits against.
# The same flags as scripts/test.sh, so that after the tests (CI) nothing is rebuilt.
galam="$(scripts/setup.sh release -Xswiftc -enable-testing)" || exit 1

start=$(date +%s)
log "building the fuzz targets (release, -sanitize=fuzzer,address)"
swift build -c release --package-path Fuzz --scratch-path Fuzz/.build -Xswiftc -sanitize=fuzzer,address -Xswiftc -use-ld=lld >&2 || exit 1
bin="$(swift build -c release --package-path Fuzz --scratch-path Fuzz/.build -Xswiftc -sanitize=fuzzer,address -Xswiftc -use-ld=lld --show-bin-path)"
log "fuzz build: $(( $(date +%s) - start )) s"

seeds() {
  local fixtures="${GALAM_FIXTURES:-$root/../shared/fixtures/sdss}" sim="$work/corpus/.sim"
  if [[ ! -f "$sim/catalog.csv" ]]; then
    rm -rf "$sim"
    "$galam" simulate --n 6 --out "$sim" --seed 3 >/dev/null 2>&1 || { log "galam simulate failed"; exit 1; }
    "$galam" prepare-spectra --catalog "$sim/catalog.csv" --spectra "$sim/spectra" --out "$sim/ps" >/dev/null 2>&1
    "$galam" prepare-images --catalog "$sim/catalog.csv" --images "$sim/images" --out "$sim/pi" --image-size 16 >/dev/null 2>&1
  fi
  mkdir -p "$work"/corpus/{fits,jpeg,npy,safetensors,catalog}
  cp -n "$fixtures"/spectra/*.fits "$sim"/spectra/*.fits "$work/corpus/fits/" 2>/dev/null
  cp -n "$fixtures"/images/*.jpg "$sim"/images/*.jpg "$work/corpus/jpeg/" 2>/dev/null
  cp -n "$fixtures/catalog.csv" "$work/corpus/catalog/fixtures.csv" 2>/dev/null
  cp -n "$sim/catalog.csv" "$work/corpus/catalog/simulated.csv" 2>/dev/null
  cp -n "$sim/truth.csv" "$work/corpus/catalog/truth.csv" 2>/dev/null
  cp -n "$sim/pi/images.npy" "$work/corpus/npy/images.npy" 2>/dev/null
  cp -n "$sim/ps/spectra.npy" "$work/corpus/npy/spectra.npy" 2>/dev/null
  # Small arrays and checkpoints in the layouts NumPy and safetensors write (1-D, 3-D, empty).
  python3 - "$work/corpus" <<'PY' || log "python3 with numpy/safetensors missing: npy and safetensors seeds are fewer"
import sys, numpy as np
out = sys.argv[1]
np.save(out + "/npy/f4-3x5.npy", np.arange(15, dtype="<f4").reshape(3, 5))
np.save(out + "/npy/u1-2x4x4x3.npy", np.arange(96, dtype="u1").reshape(2, 4, 4, 3))
np.save(out + "/npy/f4-empty.npy", np.zeros((0, 7), dtype="<f4"))
from safetensors.numpy import save_file
save_file({"dense/kernel": np.ones((3, 2), "<f4"), "dense/bias": np.zeros(2, "<f4")}, out + "/safetensors/dense.safetensors",
          metadata={"format": "galam-neuralnet-1", "config": "{}"})
save_file({"conv/kernel": np.arange(54, dtype="<f4").reshape(3, 3, 2, 3)}, out + "/safetensors/conv.safetensors")
PY
}
seeds

# allocator_may_return_null: an allocation beyond ASan's 1 TB cap inside a C library (cfitsio
# sizing a buffer from a corrupted header) returns NULL, as glibc's malloc does in a normal
# build, so the library's own out-of-memory handling runs instead of ASan aborting. Single
# allocations between -malloc_limit_mb (= -rss_limit_mb) and 1 TB are still findings, and a
# Swift array that cannot be allocated still traps (a finding).
# detect_leaks=0 here too: libFuzzer's -detect_leaks=0 leaves LeakSanitizer's check at exit on,
# which reported the process-lifetime template cache as a "crash" of the empty input.
export ASAN_OPTIONS="allocator_may_return_null=1:detect_leaks=0${ASAN_OPTIONS:+:$ASAN_OPTIONS}"
found=0
printf '%-12s %8s %10s %8s %8s %8s  %s\n' target seconds "exec/s" cov ft corpus findings
for t in "${targets[@]}"; do
  mkdir -p "$work/artifacts/$t" "$work/logs" "Tests/FuzzRegressions/$t"
  logfile="$work/logs/$t.log"
  # -rss_limit_mb also bounds single mallocs (malloc_limit_mb defaults to it): an allocation
  # sized from file contents is a finding. Leak checking is off: the readers' caches (the
  # templates) live for the process, and memory growth is caught by the RSS limit.
  # A fixed seed (FUZZ_SEED, default 1): the same tree fuzzes the same way every run, so a CI
  # finding can be replayed here.
  nice -n 19 "$bin/fuzz-$t" -seed="${FUZZ_SEED:-1}" -max_total_time="$seconds" -rss_limit_mb=2048 -timeout=30 -detect_leaks=0 \
      -print_final_stats=1 -artifact_prefix="$work/artifacts/$t/" "$work/corpus/$t" >"$logfile" 2>&1
  rc=$?
  execs=$(grep -o 'stat::average_exec_per_sec: *[0-9]*' "$logfile" | tail -1 | grep -o '[0-9]*$' || true)
  last=$(grep -E '^#[0-9]+' "$logfile" | tail -1)
  cov=$(grep -o 'cov: [0-9]*' <<<"$last" | grep -o '[0-9]*'); ft=$(grep -o 'ft: [0-9]*' <<<"$last" | grep -o '[0-9]*')
  corp=$(grep -o 'corp: [0-9]*' <<<"$last" | grep -o '[0-9]*$')
  n=0
  for a in "$work/artifacts/$t"/{crash,oom,timeout,leak}-*; do
    [[ -f "$a" ]] || continue
    n=$((n + 1))
    name="$(basename "$a")"
    # Minimised, then saved beside the other regressions (kept whole if minimising fails).
    nice -n 19 "$bin/fuzz-$t" -minimize_crash=1 -max_total_time=60 -rss_limit_mb=2048 -timeout=30 -detect_leaks=0 \
        -exact_artifact_path="Tests/FuzzRegressions/$t/$name" "$a" >>"$work/logs/$t.minimise.log" 2>&1
    [[ -f "Tests/FuzzRegressions/$t/$name" ]] || cp "$a" "Tests/FuzzRegressions/$t/$name"
    mv "$a" "$work/artifacts/$t/saved-$name"
  done
  if ((rc != 0 && n == 0)); then n=1; log "$t: exit status $rc without an artifact; see $logfile"; fi
  ((n > 0)) && found=1
  printf '%-12s %8s %10s %8s %8s %8s  %s\n' "$t" "$seconds" "${execs:-?}" "${cov:-?}" "${ft:-?}" "${corp:-?}" \
      "$( ((n > 0)) && echo "$n (Tests/FuzzRegressions/$t, log $logfile)" || echo none)"
done
log "total: $(( $(date +%s) - start )) s"
exit "$found"
