#!/usr/bin/env bash
# Bundle the CLI into one file, bin/runts, run directly by Bun through an absolute
# shebang (no wrapper shell, no node_modules resolution at start-up). CommonJS, not ESM:
# an ESM bundle hoists every node: import to the top, so each command would load
# node:child_process, node:util, node:os... (~8 ms each on Bun) whether it uses them or
# not; in a CommonJS bundle a module's require()s run when the command first needs it.
set -euo pipefail
cd "$(dirname "$0")/.."
bun="$(readlink -f node_modules/.bin/bun)"
mkdir -p bin
node_modules/.bin/bun build src/cli/entry.ts --target=bun --format=cjs --minify-syntax --outfile=dist/runts.js >/dev/null
node scripts/lazy-builtins.mjs dist/runts.js
{ echo "#!$bun"; cat dist/runts.js; } > bin/runts.tmp
chmod 755 bin/runts.tmp
mv bin/runts.tmp bin/runts
