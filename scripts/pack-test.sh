#!/usr/bin/env bash
# The npm package as a user gets it (run by scripts/test.sh, as root, after make build):
# `npm pack`; only the library (JS + .d.ts), README, LICENSE, bin/runts and the static
# init shim are in it; installed into an empty directory, its types check against the
# README's library example, which then runs there on Node and on Bun with no compiler on
# PATH; and the installed CLI runs a busybox bundle (`runts run`).
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD
export NODE_EXTRA_CA_CERTS=
work=$(mktemp -d /tmp/runts-pack.XXXXXX)
trap 'rm -rf "$work"' EXIT

# 1. Pack, and look at what is in it.
npm pack --silent --pack-destination "$work" > "$work/name"
tarball="$work/$(cat "$work/name")"
npm pack --dry-run --json 2>/dev/null > "$work/files.json"
node -e '
  const [r] = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
  const files = r.files.map((f) => f.path);
  const bad = files.filter((p) => !/^(dist\/src\/.*\.(js|d\.ts)|bin\/runts|native\/build\/runts-init(\.version)?|README\.md|LICENSE|package\.json)$/.test(p) || p.startsWith("dist/src/cli/"));
  if (bad.length) { console.error("pack: unexpected files:", bad.slice(0, 20).join(" ")); process.exit(1); }
  for (const need of ["dist/src/index.js", "dist/src/index.d.ts", "bin/runts", "native/build/runts-init", "LICENSE", "README.md"])
    if (!files.includes(need)) { console.error("pack: missing " + need); process.exit(1); }
  console.log(`pack: ${r.filename}: ${files.length} files, ${(r.size / 1e6).toFixed(1)} MB packed, ${(r.unpackedSize / 1e6).toFixed(1)} MB unpacked`);
' "$work/files.json"
file -b native/build/runts-init | grep -q 'statically linked' || { echo "pack: the shim is not static" >&2; exit 1; }
file -b bin/runts | grep -q 'statically linked' || { echo "pack: bin/runts is not static" >&2; exit 1; }

# 2. A PATH with node, bun and a shell, and no compiler.
mkdir -p "$work/tools" "$work/app"
ln -s "$(command -v node)" "$work/tools/node"
ln -s "$(readlink -f node_modules/.bin/bun)" "$work/tools/bun"
ln -s "$(command -v npm)" "$work/tools/npm"
ln -s /bin/sh "$work/tools/sh"
for c in cc gcc clang tsc make; do
  if PATH="$work/tools" command -v "$c" >/dev/null; then echo "pack: $c is on the test PATH" >&2; exit 1; fi
done

# 3. Install the tarball into an empty project (no dependencies: the CLI is one static
#    binary, the library plain JS).
cd "$work/app"
echo '{ "name": "app", "private": true, "type": "module" }' > package.json
PATH="$work/tools" npm install --silent --no-audit --no-fund --omit=optional --ignore-scripts "$tarball"
test -x node_modules/.bin/runts

# 4. The README's library example, with this machine's rootfs and a private state root.
"$repo/scripts/make-rootfs.sh" "$work/rootfs"
node -e '
  const fs = require("fs");
  const md = fs.readFileSync(process.argv[1], "utf8");
  const lib = md.slice(md.indexOf("## Library"));
  const code = lib.slice(lib.indexOf("```ts\n") + 6, lib.indexOf("\n```", lib.indexOf("```ts\n") + 6) + 1);
  const out = code.replace("/var/lib/images/busybox/rootfs", process.argv[2]).replace("/run/runts", process.argv[3]);
  if (out === code) throw new Error("README example: paths not found");
  fs.writeFileSync("readme.ts", out);
  fs.writeFileSync("readme.mjs", out.replace(/\?\.(end|pipe)/g, ".$1"));
' "$repo/README.md" "$work/rootfs" "$work/state"
# Its types check against the installed package's .d.ts (the repo's tsc, by absolute path).
cat > tsconfig.json <<TS
{ "compilerOptions": { "target": "ES2022", "module": "NodeNext", "moduleResolution": "NodeNext", "strict": true,
  "noEmit": true, "skipLibCheck": false, "typeRoots": ["$repo/node_modules/@types"], "types": ["node"] }, "files": ["readme.ts"] }
TS
"$repo/node_modules/.bin/tsc" -p tsconfig.json
check() {
  grep -q '^uid=1(daemon) gid=1(daemon)' "$1" && grep -q '^hello$' "$1" && grep -q '^some input$' "$1" && grep -q '^0 undefined stopped ' "$1" \
    || { echo "pack: README example on $2 printed:" >&2; cat "$1" >&2; exit 1; }
  echo "pack: README library example ran on $2 from the installed package"
}
PATH="$work/tools" node readme.mjs > out-node.txt; check out-node.txt node
PATH="$work/tools" bun readme.ts > out-bun.txt; check out-bun.txt bun

# 5. The installed CLI: `runts spec` then `runts run` of a busybox bundle.
mkdir "$work/bundle"
mv "$work/rootfs" "$work/bundle/rootfs"
PATH="$work/tools" node_modules/.bin/runts spec --bundle "$work/bundle"
node -e '
  const fs = require("fs"); const f = process.argv[1];
  const s = JSON.parse(fs.readFileSync(f, "utf8")); s.process.args = ["sh", "-c", "echo cli says hi from $(hostname); exit 3"]; s.process.terminal = false;
  fs.writeFileSync(f, JSON.stringify(s));' "$work/bundle/config.json"
set +e
out=$(cd "$work/bundle" && PATH="$work/tools" "$work/app/node_modules/.bin/runts" --root "$work/cli-state" run "pack-$$" < /dev/null)
rc=$?
set -e
[ "$rc" = 3 ] && [ "$out" = "cli says hi from runc" ] || { echo "pack: runts run: status $rc, output: $out" >&2; exit 1; }
[ -z "$(PATH="$work/tools" "$work/app/node_modules/.bin/runts" --root "$work/cli-state" list -q)" ] || { echo "pack: runts run left a container" >&2; exit 1; }
echo "pack: the installed CLI ran a busybox bundle (status 3, its output) and left nothing"
