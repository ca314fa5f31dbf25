#!/usr/bin/env bash
# fuzz.sh SECONDS: run the plan-decoder fuzzer (ASan + UBSan) for a bounded time over
# the seed corpus in test/fuzz/corpus (new inputs go to a temp dir, so the repo is not
# changed; `FUZZ_MERGE=1` merges the ones that add coverage into the repo corpus).
# Fails on any crash, leak, sanitizer report or timeout; prints the execution count.
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-60}
bin=native/build-fuzz/plan_fuzz
work=$(mktemp -d /tmp/runts-fuzz.XXXXXX)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/new" "$work/artifacts"
set +e
"$bin" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -max_len=65536 -print_final_stats=1 \
  -artifact_prefix="$work/artifacts/" "$work/new" test/fuzz/corpus >"$work/log" 2>&1
rc=$?
set -e
execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/log")
if [ $rc -ne 0 ]; then
  tail -60 "$work/log"
  mkdir -p test/fuzz/crashes && cp "$work"/artifacts/* test/fuzz/crashes/ 2>/dev/null || true
  echo "fuzz: FAILED (exit $rc); reproducer(s) copied to test/fuzz/crashes/"
  exit 1
fi
if [ "${FUZZ_MERGE:-0}" = 1 ]; then
  "$bin" -merge=1 test/fuzz/corpus "$work/new" >/dev/null 2>&1
fi
echo "fuzz: plan_decode: ${execs:-?} executions in ${secs} s, $(ls test/fuzz/corpus | wc -l) seeds, no crash, leak or sanitizer report"
