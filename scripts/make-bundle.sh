#!/usr/bin/env bash
# make-bundle.sh DIR [args...]: an OCI bundle with a busybox-static rootfs and a
# config.json from `runts spec` (args replace process.args).
set -euo pipefail
dir=$1; shift
root="$(cd "$(dirname "$0")/.." && pwd)"
"$root/scripts/make-rootfs.sh" "$dir/rootfs"
rm -f "$dir/config.json"
"$root/bin/runts" spec --bundle "$dir"
if [ $# -gt 0 ]; then
  node -e '
    const fs = require("fs"); const f = process.argv[1];
    const s = JSON.parse(fs.readFileSync(f, "utf8")); s.process.args = process.argv.slice(2); s.process.terminal = false;
    fs.writeFileSync(f, JSON.stringify(s, null, 2));' "$dir/config.json" "$@"
fi
