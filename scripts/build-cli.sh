#!/usr/bin/env bash
# Build the CLI, bin/runts: a standalone Bun executable holding one bundle and its
# precompiled bytecode (no parsing at start-up, no node_modules or tsconfig lookup).
#  1. Bundle src/cli/entry.ts as CommonJS, not ESM: an ESM bundle hoists every node:
#     import to the top, so each command would load node:child_process, node:util,
#     node:os... (~8 ms each on Bun) whether it uses them or not; in a CommonJS bundle a
#     module's require()s run when the command first needs it.
#  2. scripts/lazy-builtins.mjs turns the remaining top-level requires of rarely used
#     builtins into load-on-first-use proxies.
#  3. Unwrap Bun's CommonJS function wrapper and compile the result with --bytecode.
#     .env and bunfig.toml autoloading are off: a runtime must not take settings from
#     whatever directory its caller runs it in. The JIT tier-up thresholds are scaled by
#     100: a command runs each function a handful of times, so compiling them only burns
#     CPU on the JIT threads next to the work (measured: run 77 -> 65 ms, state 38 -> 35
#     ms, exec 58 -> 52 ms, CPU time down ~20%).
# Measured on the 2-core CI VM (`state` of a missing container): bundle run by `bun`
# 52 ms, compiled executable 36 ms, runc 16 ms.
set -euo pipefail
cd "$(dirname "$0")/.."
bun=node_modules/.bin/bun
mkdir -p bin dist
$bun build src/cli/entry.ts --target=bun --format=cjs --minify-syntax --outfile=dist/runts.js >/dev/null
node scripts/lazy-builtins.mjs dist/runts.js
node -e '
const fs = require("node:fs");
const src = fs.readFileSync("dist/runts.js", "utf8");
const wrapper = "(function(exports, require, module, __filename, __dirname) {";
const i = src.indexOf(wrapper);
const body = src.slice(i + wrapper.length).trimEnd();
if (i < 0 || !body.endsWith("})")) throw new Error("dist/runts.js: not a Bun CommonJS bundle");
fs.writeFileSync("dist/runts-flat.cjs", body.slice(0, -2));
'
$bun build dist/runts-flat.cjs --compile --bytecode --format=cjs \
  --no-compile-autoload-dotenv --no-compile-autoload-bunfig --compile-jit-policy=100 \
  --outfile=bin/runts.tmp >/dev/null
mv bin/runts.tmp bin/runts
