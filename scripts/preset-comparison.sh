#!/usr/bin/env bash
# `--preset paper` against `--preset galam` and against each of its parts alone, on one
# simulated survey (same data, same split), with several seeds; writes OUT/<config>/seed-<s>/
# model folders, OUT/<config>/seeds.md (mean ± SD over seeds, and the comparison with the paper
# preset: "(n.s.)" where a change is smaller than twice its spread), OUT/comparison.md (all of
# them, opening with one table of every configuration's image-only and multi-modal SD) and
# OUT/times.tsv (wall seconds of every train command: the training-time cost).
# OUT/results/<config>/seed-<s>/ keeps what the tables are computed from — the test split's rows
# of predictions.csv and training.json, a few tens of kB a run — so seeds run in separate jobs
# (first-seed) can be gathered into one OUT/results and summarised with `galam evaluate`.
#
# Usage: scripts/preset-comparison.sh OUT [galaxies=3000] [image-size=64] [epochs=40] [seeds=3] [first-seed=1]
#   e.g. scripts/preset-comparison.sh cmp 3000 64 40 3        # the README's comparison
#        scripts/preset-comparison.sh /tmp/cmp 150 48 2 2     # a smoke run of a few minutes
# GALAM=path/to/galam uses that executable (default: scripts/setup.sh builds it).
#
# A configuration's seed folder starts with its base configuration's (the paper preset's unless
# named) finished stage folders of the same seed (hard links): the stage cache retrains only the
# stages the configuration changes (M1 stays the paper's for the M3-only parts;
# --test-time-averaging retrains nothing and only recomputes the predictions).
set -euo pipefail
out=${1:?usage: scripts/preset-comparison.sh OUT [galaxies] [image-size] [epochs] [seeds]}
galaxies=${2:-3000}; size=${3:-64}; epochs=${4:-40}; seeds=${5:-3}; first=${6:-1}
root=$(cd "$(dirname "$0")/.." && pwd)
galam=${GALAM:-$("$root/scripts/setup.sh" release)}
mkdir -p "$out"
cd "$out"

# Configurations: name, the train options beside --data/--out/--epochs/--seed, and optionally
# the configuration whose finished stages it starts from (default: paper).
configs=(
  "paper|--preset paper"
  "galam|--preset galam"
  "augment|--preset paper --augment dihedral"
  "test-time-averaging|--preset paper --test-time-averaging"
  "augment-tta|--preset paper --augment dihedral --test-time-averaging|augment"
  "distill|--preset paper --distill 0.5"
  "aux-features|--preset paper --aux-features 10"
  "schedule|--preset paper --early-stopping 10 --lr-schedule plateau"
)

if [[ ! -f data/labels.csv ]]; then
  echo "preset-comparison: simulating $galaxies galaxies, fitting labels, preparing at $size px" >&2
  "$galam" simulate --n "$galaxies" --out mock --seed 7
  "$galam" fit-labels --catalog mock/catalog.csv --spectra mock/spectra --out mock/labels.csv
  "$galam" prepare --catalog mock/catalog.csv --spectra mock/spectra --images mock/images \
    --labels mock/labels.csv --truth mock/truth.csv --out data --image-size "$size"
fi

[[ -f times.tsv ]] || printf 'config\tseed\twall_s\n' > times.tsv
for ((seed = first; seed < first + seeds; seed++)); do
  for entry in "${configs[@]}"; do
    IFS='|' read -r name options base <<< "$entry"
    base=${base:-paper}
    run="$name/seed-$seed"
    if [[ ! -f "$run/model.json" ]]; then
      mkdir -p "$run/stages"
      if [[ $name != paper ]]; then
        for stage in "$base/seed-$seed"/stages/*/; do
          [[ -f "$stage/done" && ! -e "$run/stages/$(basename "$stage")" ]] && cp -al "$stage" "$run/stages/"
        done
      fi
      echo "preset-comparison: $name, seed $seed: galam train $options" >&2
      start=$(date +%s)
      # shellcheck disable=SC2086  # the options are words
      "$galam" train $options --data data --out "$run" --epochs "$epochs" --seed "$seed" --quiet
      printf '%s\t%d\t%d\n' "$name" "$seed" $(( $(date +%s) - start )) >> times.tsv
    fi
    # Also for a run trained before a restart of this script: its results are kept all the same.
    if [[ ! -f "results/$run/training.json" ]]; then
      mkdir -p "results/$run"
      awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "split") c = i } NR == 1 || $c == "test"' "$run/predictions.csv" \
        > "results/$run/predictions.csv"
      cp "$run/training.json" "results/$run/"
    fi
  done
done

{
  echo "# Preset comparison: $galaxies simulated galaxies, $size px, $epochs epochs, seeds in results/"
  echo
  echo '| configuration | galam train options (beside --data, --out, --epochs, --seed) |'; echo '|---|---|'
  for entry in "${configs[@]}"; do IFS='|' read -r name options _ <<< "$entry"; echo "| $name | \`$options\` |"; done
  echo
  "$galam" evaluate --model results --baseline results/paper > /dev/null
  sed 1,2d results/configurations.md
  echo; echo "## Training wall time (s)"; echo
  echo '| config | seeds | mean s |'; echo '|---|---|---|'
  awk -F'\t' 'NR > 1 { s[$1] += $3; n[$1]++ } END { for (c in s) printf "| %s | %d | %.0f |\n", c, n[c], s[c] / n[c] }' times.tsv | sort
} > comparison.md.tmp
mv comparison.md.tmp comparison.md
echo "preset-comparison: $out/comparison.md" >&2
