#!/usr/bin/env bash
# Per-container cost of seccomp with Docker's default profile: TS side and shim side.
set -euo pipefail
cd "$(dirname "$0")/../.."
work=$(mktemp -d /tmp/runts-seccomp-bench.XXXXXX)
trap 'rm -rf "$work"' EXIT
gcc -O2 -D_GNU_SOURCE -Inative -o "$work/cost" bench/seccomp/cost.c native/seccomp.c native/plan.c native/util.c native/sync.c -lseccomp
NODE_EXTRA_CA_CERTS= node dist/bench/seccomp/cost.js "$work/plan.bin" "$work/cache" "$@"
"$work/cost" "$work/plan.bin" "${RUNS:-50}"
