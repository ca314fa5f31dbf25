#!/usr/bin/env bash
# Runs examples/ (compiled to dist/examples by `make build`) on Node and on Bun against a
# fresh busybox rootfs; each example asserts its own outcome and exits non-zero on failure.
# Needs root (real containers); run under `tini -s` as scripts/test.sh does.
set -euo pipefail
cd "$(dirname "$0")/.."
export NODE_EXTRA_CA_CERTS=
work=$(mktemp -d /tmp/runts-examples.XXXXXX)
trap 'rm -rf "$work"' EXIT
scripts/make-rootfs.sh "$work/rootfs"
for engine in node node_modules/.bin/bun; do
  for ex in sandbox jobs service; do
    echo "-- $ex on $(basename "$engine")"
    "$engine" "dist/examples/$ex.js" "$work/rootfs"
  done
done
