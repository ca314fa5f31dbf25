#!/bin/bash
# The systemd lane, run inside ONE boot of the systemd guest (cgroup2-vm.sh --systemd) by
# systemd-vm.test.ts. Each part systemd/NN-name.sh runs twice, for runts and then for the
# reference runc, as `NN-name.sh NAME BINARY WORKDIR`; their stdout is framed by
# "=== part NN-name NAME" lines, which the test splits and hands to NN-name.check.ts
# (check(runts, runc, stderr)). A part prints what a caller sees; stderr is diagnostics.
# SDTEST_PARTS="10-lifecycle 30-engines" runs only those parts (default: all).
# SDTEST_DIR=systemd-hybrid takes the parts from that directory instead (the hybrid guest).
# Usage: systemd-lane.sh RUNTS_BINARY RUNC_BINARY WORKDIR  (WORKDIR/config.tpl, WORKDIR/rootfs)
set -u
runts=$1 runc=$2 work=$3
here=$(cd "$(dirname "$0")" && pwd)
for part in "$here"/${SDTEST_DIR:-systemd}/[0-9]*.sh; do
  p=$(basename "$part" .sh)
  if [ -n "${SDTEST_PARTS:-}" ] && [[ " $SDTEST_PARTS " != *" $p "* ]]; then continue; fi
  for rt in runts runc; do
    bin=$runts; [ $rt = runc ] && bin=$runc
    echo "=== part $p $rt"
    echo "[$(date +%T)] lane: $p $rt" >&2
    bash "$part" "$rt" "$bin" "$work"
    echo "=== end $p $rt rc=$?"
  done
done
