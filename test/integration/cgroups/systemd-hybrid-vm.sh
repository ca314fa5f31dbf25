#!/bin/bash
# systemd-hybrid-vm.sh: ../../../../shared/tools/cgroup2-vm.sh --systemd, but the guest's
# systemd boots HYBRID: v1 controller hierarchies on a tmpfs at /sys/fs/cgroup, name=systemd
# at /sys/fs/cgroup/systemd and cgroup2 (no controllers) at /sys/fs/cgroup/unified, as
# systemd 252 does with systemd.unified_cgroup_hierarchy=0 on the kernel command line.
# Despite the script's name ("cgroup2"), that guest is not a cgroup v2 one.
#
# cgroup2-vm.sh (read-only, shared) has no kernel command-line option; it runs
# `qemu-system-x86_64` from PATH with `-append "..."` (which says
# systemd.unified_cgroup_hierarchy=1 in --systemd mode). So a tiny qemu-system-x86_64 shim
# goes first in PATH: it drops that and appends =0 (and the --legacy switch), then execs
# the real qemu. Everything else (options, exit status, output) is cgroup2-vm.sh's.
#
# With --legacy (first argument), the guest is pure cgroup v1 instead: no cgroup2 mount,
# systemd.legacy_systemd_cgroup_controller=1 as well.
#
# Usage: systemd-hybrid-vm.sh [--legacy] [cgroup2-vm.sh options] -- COMMAND [ARGS...]
# Environment: CGROUP2_VM (the script; default ../shared/tools/cgroup2-vm.sh beside the checkout).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
vm=${CGROUP2_VM:-$(cd "$here/../../../.." && pwd)/shared/tools/cgroup2-vm.sh}
[[ -x $vm || -f $vm ]] || { echo "systemd-hybrid-vm: no cgroup2-vm.sh at $vm (set CGROUP2_VM)" >&2; exit 125; }
extra=systemd.unified_cgroup_hierarchy=0
if [[ ${1:-} == --legacy ]]; then extra+=" systemd.legacy_systemd_cgroup_controller=1"; shift; fi
real=$(command -v qemu-system-x86_64) || { echo "systemd-hybrid-vm: qemu-system-x86_64 missing" >&2; exit 125; }
shim=$(mktemp -d "${TMPDIR:-/tmp}/sd-hybrid-qemu.XXXXXX")
trap 'rm -rf "$shim"' EXIT
cat >"$shim/qemu-system-x86_64" <<SHIM
#!/bin/bash
# Added by systemd-hybrid-vm.sh: boot the systemd guest hybrid (see there).
args=()
while ((\$#)); do
  if [[ \$1 == -append ]] && ((\$# > 1)); then
    a=\${2//systemd.unified_cgroup_hierarchy=1/}
    args+=(-append "\$a $extra"); shift 2
  else args+=("\$1"); shift; fi
done
exec $(printf '%q' "$real") "\${args[@]}"
SHIM
chmod 755 "$shim/qemu-system-x86_64"
# Not exec: the trap removes the shim dir afterwards.
st=0
PATH="$shim:$PATH" bash "$vm" --systemd "$@" || st=$?
exit $st
