#!/usr/bin/env bash
# `make bench`: side-by-side benchmark of runts against runc and crun (bench/bench.mjs),
# then the markdown table (bench/results/latest.md, also printed) and the chart
# (bench/results/chart.svg), then where each command's milliseconds go (bench/split.mjs:
# bench/results/split.{json,md}). Pass --quick for fewer runs, --runs N for more;
# --split-only runs the split alone (`make bench-split`).
set -euo pipefail
cd "$(dirname "$0")/.."
export NODE_EXTRA_CA_CERTS=   # the env var costs every node/bun start tens of ms here
for p in runc crun; do command -v $p >/dev/null || apt-get install -y -q $p >/dev/null || echo "bench: $p not installed" >&2; done
mkdir -p bench/build bench/results
for t in timeit floor stopwatch; do
  [ bench/build/$t -nt bench/$t.c ] || ${CC:-gcc} -O2 -Wall -Wextra -Werror -o bench/build/$t bench/$t.c
done
split_args=()
[[ " $* " == *" --quick "* ]] && split_args=(--runs 8)
if [[ " $* " != *" --split-only "* ]]; then
  node bench/bench.mjs "$@"
  node bench/table.mjs > bench/results/latest.md
  node bench/chart.mjs > bench/results/chart.svg
  cat bench/results/latest.md
  echo "bench: wrote bench/results/latest.{json,md} and bench/results/chart.svg" >&2
fi
node bench/split.mjs "${split_args[@]}"
