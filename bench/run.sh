#!/usr/bin/env bash
# Side-by-side CLI benchmark: runts vs runc (and crun when it runs on this host), same
# bundle, same namespaces, same cgroup setup, interleaved in one hyperfine run each.
# Prints medians and runts/runc ratios as a markdown table. `make bench` runs it.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v hyperfine >/dev/null || apt-get install -y -q hyperfine >/dev/null
command -v runc >/dev/null || apt-get install -y -q runc >/dev/null
export NODE_EXTRA_CA_CERTS=   # see DESIGN.md: the env var costs every node/bun start ~75 ms here
work=$(mktemp -d /tmp/runts-bench.XXXXXX)
trap 'for r in runts runc crun; do [ -d "$work/$r" ] && for id in $(ls "$work/$r" 2>/dev/null); do :; done; done; rm -rf "$work"' EXIT
scripts/make-bundle.sh "$work/bundle" /bin/true >/dev/null
runtimes=(runts runc)
declare -A bin=([runts]="$PWD/bin/runts" [runc]="$(command -v runc)")
if command -v crun >/dev/null; then
  if crun --root "$work/crun-probe" run -b "$work/bundle" probe-$$ >/dev/null 2>"$work/crun.err"; then
    runtimes+=(crun); bin[crun]=$(command -v crun)
  else
    echo "crun skipped: it fails on this host: $(head -c 200 "$work/crun.err")" >&2
  fi
fi
runs=${RUNS:-30}
results=()
bench() { # name, command template with {R} {ROOT}
  local name=$1 tmpl=$2 args=()
  for r in "${runtimes[@]}"; do
    local c=${tmpl//\{R\}/${bin[$r]}}; c=${c//\{ROOT\}/$work/$r}; c=${c//\{B\}/$work/bundle}
    args+=(-n "$r" "$c")
  done
  hyperfine -N --warmup 3 --runs "$runs" --prepare 'sleep 0.05' --export-json "$work/$name.json" "${args[@]}" >/dev/null 2>&1 \
    || hyperfine --shell=bash --warmup 3 --runs "$runs" --prepare 'sleep 0.05' --export-json "$work/$name.json" "${args[@]}" >/dev/null
  results+=("$name")
}
bench "run /bin/true" "{R} --root {ROOT} run -b {B} bench-run"
bench "create+start+delete" "bash -c '{R} --root {ROOT} create -b {B} bench-csd && {R} --root {ROOT} start bench-csd && {R} --root {ROOT} delete -f bench-csd'"
"${bin[runts]}" --root "$work/runts" create -b "$work/bundle" bench-state
runc --root "$work/runc" create -b "$work/bundle" bench-state
[[ " ${runtimes[*]} " == *" crun "* ]] && crun --root "$work/crun" create -b "$work/bundle" bench-state
bench "state" "{R} --root {ROOT} state bench-state"
bench "list" "{R} --root {ROOT} list"
for r in "${runtimes[@]}"; do "${bin[$r]}" --root "$work/$r" delete -f bench-state >/dev/null; done
node bench/table.mjs "$work" "${results[@]}"
