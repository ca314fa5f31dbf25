#!/usr/bin/env bash
# test/clients/run-all.sh [--ref-failed-only] RUNTIME [REFERENCE]: run every client script
# here (podman, containerd, docker) against RUNTIME and print the sum, "N passed, N failed".
#
# With REFERENCE (e.g. /usr/sbin/runc) the scripts run against it too, and the exit status
# only counts scenarios that fail with RUNTIME but pass with REFERENCE: a scenario the
# reference cannot pass on this host (a missing host capability, an old CRIU...) is not held
# against RUNTIME, and is counted as skipped in the closing line. Both tables are printed.
# --ref-failed-only runs the reference only on the scenarios RUNTIME failed (CI: saves
# the time of a second full run).
# Scenarios listed in known-gaps.txt (NAME reason...) are runts gaps already reported: a
# failure there is counted as skipped with its reason; a pass there is pointed out.
# CLIENTS="podman containerd" picks scripts; other variables (VERBOSE, KEEP, CLIENTS_TRACE,
# SCENARIO_TIMEOUT) pass through to the scripts.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
lazy=
[ "${1:-}" = --ref-failed-only ] && { lazy=1; shift; }
rt=${1:?usage: run-all.sh [--ref-failed-only] RUNTIME [REFERENCE]}
ref=${2:-}
clients=${CLIENTS:-podman containerd docker}
if [ -n "$ref" ] && ! [ -x "$ref" ] && [ "$(basename "$ref")" = runc ]; then
  echo "run-all.sh: installing runc (the reference) from apt"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends runc >/dev/null 2>&1 || true
  [ -x "$ref" ] || ref=$(command -v runc || echo "$ref")
fi
out=$(mktemp -d /tmp/runts-clients.XXXXXX)
: > "$out/rt.txt"; : > "$out/ref.txt"

for c in $clients; do
  [ -f "$here/$c.sh" ] || continue
  echo "== $c against $rt"
  bash "$here/$c.sh" "$rt" 2>&1 | tee "$out/$c.rt" | tee -a "$out/rt.txt"
  [ -n "$ref" ] || continue
  only=
  if [ -n "$lazy" ]; then
    # known gaps are not re-run: they are reported as gaps whatever the reference does
    # (getline, not NR == FNR: that trick breaks when known-gaps.txt is empty)
    only=$(awk -v gaps="$here/known-gaps.txt" 'BEGIN { while ((getline l < gaps) > 0) { split(l, w, " "); gap[w[1]] = 1 } }
      $1 == "FAIL" && !($2 in gap) { print $2 }' "$out/$c.rt" | sed "s/^$c-//" | tr '\n' ' ')
    [ -n "$only" ] || continue
    echo "== $c against $ref (reference, only what failed: $only)"
  else
    echo "== $c against $ref (reference)"
  fi
  ONLY="$(for n in $only; do printf '%s-%s ' "$c" "$n"; done)" bash "$here/$c.sh" "$ref" 2>&1 | tee -a "$out/ref.txt"
done

sum() { awk '/^[0-9]+ passed, [0-9]+ failed$/ { p += $1; f += $3 } END { printf "%d %d", p, f }' "$1"; }
read -r p f <<< "$(sum "$out/rt.txt")"
if [ -z "$ref" ]; then
  rm -rf "$out"
  echo "clients: $p passed, $f failed"
  [ "$f" = 0 ]; exit
fi
echo "== per scenario: reference ($ref) | runtime ($rt)"
regress=0
gaps="$here/known-gaps.txt"
while read -r res name _; do
  r=$(awk -v n="$name" '($1 == "PASS" || $1 == "FAIL") && $2 == n { print $1; exit }' "$out/ref.txt")
  gap=$(awk -v n="$name" '$1 == n { $1 = ""; print substr($0, 2); exit }' "$gaps" 2>/dev/null)
  note=""
  if [ "$res" = FAIL ] && [ "$r" != FAIL ]; then  # passes with the reference, or not run there
    if [ -n "$gap" ]; then note="  <- known gap: $gap"
    else note="  <- fails only with the runtime"; regress=$((regress + 1)); fi
  elif [ "$res" = PASS ] && [ -n "$gap" ]; then note="  <- listed in known-gaps.txt but passes now: remove it"
  fi
  printf '%-34s %-5s %-5s%s\n' "$name" "${r:--}" "$res" "$note"
done < <(grep -E '^(PASS|FAIL) ' "$out/rt.txt")
read -r rp rf <<< "$(sum "$out/ref.txt")"
echo "reference: $rp passed, $rf failed${lazy:+ (run on the failures of the runtime only)}; runtime: $p passed, $f failed; $regress fail only with the runtime"
rm -rf "$out"
# Failures the reference shares are reported as skipped (this host cannot pass them).
echo "clients: $p passed, $regress failed, $((f - regress)) skipped"
[ "$regress" = 0 ]
