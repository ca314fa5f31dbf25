#!/usr/bin/env bash
# The end-to-end demo: a busybox container prints its hostname, its pid and its mounts,
# then exits with its own exit code (7).
set -euo pipefail
cd "$(dirname "$0")/.."
b=$(mktemp -d /tmp/runts-demo.XXXXXX)
trap 'rm -rf "$b"' EXIT
scripts/make-bundle.sh "$b" sh -c 'echo "hostname: $(hostname)"; echo "pid: $$"; echo "mounts:"; cat /proc/self/mounts; exit 7'
set +e
bin/runts --root "$b/state" run --bundle "$b" "demo-$$"
code=$?
set -e
echo "container exited with status $code"
[ "$code" = 7 ]
