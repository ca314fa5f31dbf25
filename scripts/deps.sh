#!/usr/bin/env bash
# Install what runts needs to build and test, when missing: Debian packages (as root)
# and npm packages. Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."
need=()
for p in gcc make libseccomp-dev busybox-static tini iproute2 qemu-system-x86 cpio xz-utils clang uidmap runc; do
  dpkg -s "$p" >/dev/null 2>&1 || need+=("$p")
done
# Docker's default seccomp profile (seccomp.test.ts): Debian ships it in podman's containers-common.
[ -f /usr/share/containers/seccomp.json ] || need+=(golang-github-containers-common)
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" != 0 ]; then echo "deps: need root to install ${need[*]}" >&2; exit 1; fi
  echo "deps: apt-get install ${need[*]}"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${need[@]}" >/dev/null || {
    apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${need[@]}" >/dev/null; }
fi
if [ ! -x node_modules/.bin/bun ] || [ ! -x node_modules/.bin/tsc ] || [ package.json -nt node_modules/.installed ]; then
  npm install --no-audit --no-fund
  touch node_modules/.installed
fi
# CRIU for checkpoint/restore. Debian 12's criu 3.17 fails `criu check` on kernels >= 6.13;
# ../shared/tools/install-criu4.sh installs Debian trixie's 4.x side by side in /opt/criu4
# (the checkpoint tests look there, then on PATH). Without a working CRIU they skip.
if [ "$(id -u)" = 0 ] && ! /opt/criu4/bin/criu check >/dev/null 2>&1 && ! criu check >/dev/null 2>&1; then
  if [ -f ../shared/tools/install-criu4.sh ]; then
    echo "deps: installing CRIU 4 in /opt/criu4 (../shared/tools/install-criu4.sh)"
    sh ../shared/tools/install-criu4.sh >/dev/null 2>&1 || echo "deps: CRIU 4 does not pass \`criu check\` here; checkpoint tests will skip" >&2
  else
    echo "deps: no working CRIU and no ../shared/tools/install-criu4.sh; checkpoint tests will skip" >&2
  fi
fi
# The references the compatibility tests compare against (test/integration/runc-compat.ts):
# Debian 12's runc 1.1.5 (apt, above) and today's runc 1.3 + crun in /opt/next, from
# Debian's development suite by ../shared/tools/install-next-runtimes.sh (private apt set-up).
if [ "$(id -u)" = 0 ] && [ ! -x /opt/next/bin/runc ]; then
  if [ -f ../shared/tools/install-next-runtimes.sh ]; then
    echo "deps: installing runc 1.3 and crun in /opt/next (../shared/tools/install-next-runtimes.sh)"
    sh ../shared/tools/install-next-runtimes.sh >/dev/null 2>&1 || echo "deps: could not install /opt/next runc/crun; runc comparison tests will skip" >&2
  else
    echo "deps: no ../shared/tools/install-next-runtimes.sh; runc comparison tests will skip" >&2
  fi
fi
# QuickJS-ng's sources for the CLI binary (Debian's qjs-src, fetched without touching the
# system's apt set-up; see scripts/qjs-src.sh).
bash scripts/qjs-src.sh
