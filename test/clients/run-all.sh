#!/usr/bin/env bash
# test/clients/run-all.sh RUNTIME [REFERENCE]: run every client script here (podman,
# containerd, docker) against RUNTIME and print the sum, "N passed, N failed".
# With REFERENCE (e.g. /usr/sbin/runc) each script runs against it too, and the exit status
# only counts scenarios that fail with RUNTIME but pass with REFERENCE (a scenario the
# reference cannot pass here, e.g. for a missing host capability, is not held against
# RUNTIME; they are counted as skipped in the closing line). Both tables are printed, side by side at the end.
# CLIENTS="podman containerd" picks scripts; other variables pass through to the scripts.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
rt=${1:?usage: run-all.sh RUNTIME [REFERENCE]}
ref=${2:-}
clients=${CLIENTS:-podman containerd docker}
out=$(mktemp -d /tmp/runts-clients.XXXXXX)

run_set() { # LABEL BINARY -> $out/LABEL.txt
  local label=$1 bin=$2 c
  : > "$out/$label.txt"
  for c in $clients; do
    [ -f "$here/$c.sh" ] || continue
    echo "== $c against $bin"
    bash "$here/$c.sh" "$bin" 2>&1 | tee -a "$out/$label.txt"
  done
}

[ -n "$ref" ] && run_set ref "$ref"
run_set rt "$rt"

sum() { awk '/^[0-9]+ passed, [0-9]+ failed$/ { p += $1; f += $3 } END { printf "%d %d", p, f }' "$1"; }
read -r p f <<< "$(sum "$out/rt.txt")"
status=0
if [ -n "$ref" ]; then
  echo "== per-scenario: reference ($ref) | runtime ($rt)"
  regress=0
  while read -r res name _; do
    r=$(awk -v n="$name" '($1 == "PASS" || $1 == "FAIL") && $2 == n { print $1; exit }' "$out/ref.txt")
    note=""
    if [ "$res" = FAIL ] && [ "$r" = PASS ]; then note="  <- regression against the reference"; regress=$((regress + 1)); fi
    printf '%-34s %-5s %-5s%s\n' "$name" "${r:--}" "$res" "$note"
  done < <(grep -E '^(PASS|FAIL) ' "$out/rt.txt")
  read -r rp rf <<< "$(sum "$out/ref.txt")"
  echo "reference: $rp passed, $rf failed; runtime: $p passed, $f failed; $regress failing only with the runtime"
  [ "$regress" = 0 ] || status=1
  rm -rf "$out"
  # Failures the reference shares are reported as skipped (this host cannot pass them).
  echo "clients: $p passed, $regress failed, $((f - regress)) skipped"
  exit $status
fi
rm -rf "$out"
echo "clients: $p passed, $f failed"
[ "$f" = 0 ]
