#!/usr/bin/env bash
# Bundle the CLI into one file, bin/runts, run directly by Bun through an absolute
# shebang (no wrapper shell, no node_modules resolution at start-up).
set -euo pipefail
cd "$(dirname "$0")/.."
bun="$(readlink -f node_modules/.bin/bun)"
mkdir -p bin
node_modules/.bin/bun build src/cli/entry.ts --target=bun --format=esm --minify-syntax --outfile=dist/runts.js >/dev/null
{ echo "#!$bun"; cat dist/runts.js; } > bin/runts.tmp
chmod 755 bin/runts.tmp
mv bin/runts.tmp bin/runts
