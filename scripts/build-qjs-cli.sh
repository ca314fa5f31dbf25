#!/usr/bin/env bash
# Build bin/runts: the command line as one static ELF (DESIGN.md §2b): QuickJS-ng
# (build/qjs-obj, `make qjs`) + the CLI's bytecode + the host module (native/cli) + the
# init shim (native/*.c; its main is renamed runts_shim_main and reached through argv[1]).
#  1. Bundle src/cli/entry.ts as ES modules with code splitting (bun build is a build-time
#     tool only): each command's dynamic import becomes its own chunk.
#  2. native/cli/tools/qbc compiles every chunk to bytecode on its own (qjsc -b would
#     follow the imports into one object); no source text is kept in the binary.
#  3. scripts/embed-modules.sh embeds them; the host's module loader reads a chunk only
#     when it is imported, so a command loads only its own code.
# SANITIZE=1: bin/runts-asan instead, the host module and the shim built by clang with
# ASan + UBSan (linked dynamically: the sanitizers need it; the engine is not instrumented).
set -euo pipefail
cd "$(dirname "$0")/.."
CC=${CC:-gcc}
QJS_SRC=build/qjs/usr/src/quickjs-ng
OUT=build/cli
CFLAGS="-std=gnu11 -Wall -Wextra -Werror -D_GNU_SOURCE -O2"
BIN=bin/runts LINK=-static SAN=()
if [ "${SANITIZE:-}" = 1 ]; then
  CC=clang OUT=build/cli-asan BIN=bin/runts-asan LINK=
  CFLAGS="-std=gnu11 -Wall -Wextra -Werror -D_GNU_SOURCE -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=all"
  SAN=(test/fuzz/sanitizer-options.c)
fi
rm -rf "$OUT/js" "$OUT/qbc" && mkdir -p "$OUT/js" "$OUT/qbc" "$OUT/obj" bin
node_modules/.bin/bun build src/cli/entry.ts --target=node --format=esm --splitting --minify-syntax --outdir="$OUT/js" >/dev/null
if grep -l 'from "node:' "$OUT"/js/*.js; then echo "build-qjs-cli: a chunk imports node:* (only src/sys may, lazily)" >&2; exit 1; fi
gcc -O2 -I"$QJS_SRC" -o "$OUT/qbc-tool" native/cli/tools/qbc.c build/qjs-obj/libqjs.a -lm
for f in "$OUT"/js/*.js; do
  n=$(basename "$f" .js)
  "$OUT/qbc-tool" "$f" "$OUT/qbc/$n.qbc" "$n.js"
done
bash scripts/embed-modules.sh "$OUT/qbc" "$OUT/obj/modules.S"
objs=()
for f in native/cli/*.c; do
  o="$OUT/obj/cli-$(basename "$f" .c).o"
  $CC $CFLAGS -I"$QJS_SRC" -c -o "$o" "$f"
  objs+=("$o")
done
for f in native/*.c; do
  o="$OUT/obj/shim-$(basename "$f" .c).o"
  extra=()
  [ "$f" = native/main.c ] && extra=(-Dmain=runts_shim_main)
  $CC $CFLAGS "${extra[@]}" -c -o "$o" "$f"
  objs+=("$o")
done
$CC -c -o "$OUT/obj/modules.o" "$OUT/obj/modules.S"
$CC $CFLAGS $LINK -o "$BIN.tmp" "${objs[@]}" "${SAN[@]}" "$OUT/obj/modules.o" build/qjs-obj/libqjs.a -lseccomp -lm -lpthread
mv "$BIN.tmp" "$BIN"
