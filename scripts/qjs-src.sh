#!/usr/bin/env bash
# Fetch Debian's qjs-src (QuickJS-ng's C sources for embedding, architecture all) and
# extract it into build/qjs (gitignored: the engine's sources are never committed).
# Where the host's apt knows the package (trixie and later) it is fetched as is; otherwise
# (bookworm) through a throw-away apt configuration holding only trixie-backports' index:
# private sources.list, lists, cache and an empty dpkg status under build/qjs-apt, so
# nothing of the system's apt set-up changes and nothing is installed.
# Safe to run again: does nothing when build/qjs already holds the wanted version.
set -euo pipefail
cd "$(dirname "$0")/.."
WANT=${QJS_VERSION:-0.16}            # major.minor the host module is written against
OUT=build/qjs
APTDIR=$PWD/build/qjs-apt
if [ -f "$OUT/.version" ] && [[ "$(cat "$OUT/.version")" == "$WANT".* ]]; then exit 0; fi

mkdir -p "$APTDIR/debs"
A=()
if ! apt-cache show qjs-src >/dev/null 2>&1; then
  MIRROR=$(sed -n 's/^URIs:[[:space:]]*\([^[:space:]]*\/debian\)[[:space:]]*$/\1/p' /etc/apt/sources.list.d/*.sources 2>/dev/null | head -n 1)
  [ -n "$MIRROR" ] || MIRROR=$(sed -n 's/^deb[[:space:]]\{1,\}\(\[[^]]*\][[:space:]]*\)\{0,1\}\([^[:space:]]*\/debian\)[[:space:]].*/\2/p' /etc/apt/sources.list 2>/dev/null | head -n 1)
  [ -n "$MIRROR" ] || { echo "qjs-src: no Debian archive in the apt sources; set MIRROR" >&2; exit 1; }
  mkdir -p "$APTDIR/lists/partial" "$APTDIR/cache/archives/partial"
  echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $MIRROR ${QJS_SUITE:-trixie-backports} main" > "$APTDIR/sources.list"
  : > "$APTDIR/status"
  A=(-o "Dir::Etc::SourceList=$APTDIR/sources.list" -o Dir::Etc::SourceParts=/dev/null
     -o "Dir::State::Lists=$APTDIR/lists" -o "Dir::Cache=$APTDIR/cache" -o "Dir::State::status=$APTDIR/status"
     -o Dir::Etc::Preferences=/dev/null -o Dir::Etc::PreferencesParts=/dev/null)
  apt-get "${A[@]}" -qq update
fi
ver=$(apt-cache "${A[@]}" show qjs-src | sed -n 's/^Version: //p' | sort -V | tail -n 1)
[[ "$ver" == "$WANT".* ]] || { echo "qjs-src: found version '${ver:-none}', want $WANT.x" >&2; exit 1; }
cd "$APTDIR/debs" && rm -f ./*.deb
chown _apt . 2>/dev/null || true       # apt's sandbox user writes the download here
apt-get "${A[@]}" -qq download "qjs-src=$ver"
cd - >/dev/null
rm -rf "$OUT.tmp" && mkdir -p "$OUT.tmp"
dpkg-deb -x "$APTDIR"/debs/qjs-src_*.deb "$OUT.tmp"
rm -rf "$OUT" && mv "$OUT.tmp" "$OUT"
echo "$ver" > "$OUT/.version"
echo "qjs-src: QuickJS-ng $ver in $OUT"
