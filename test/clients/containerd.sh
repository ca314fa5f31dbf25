#!/usr/bin/env bash
# test/clients/containerd.sh RUNTIME: containerd 1.6 (its io.containerd.runc.v2 shim, the one
# Kubernetes uses through CRI) drives RUNTIME through `ctr run --runc-binary RUNTIME`.
# Installs containerd from apt when missing; starts a private containerd (own root, state,
# sockets, config; CRI disabled) and stops it by pid at the end. The image is a busybox-static
# OCI archive made here and loaded with `ctr images import`. The runtime's state is kept in a
# private --runc-root.
# Prints one PASS/FAIL line per scenario and "N passed, N failed". ONLY="a b" runs a subset,
# VERBOSE=1 prints failing logs, KEEP=1 keeps the temp dir, CLIENTS_TRACE=FILE logs runtime argv.
set -uo pipefail
CLIENTS_REPO=$(cd "$(dirname "$0")/../.." && pwd)
. "$CLIENTS_REPO/test/clients/lib.sh"
[ "$(id -u)" = 0 ] || { echo "containerd.sh: needs root (SKIPPED)"; echo "0 passed, 0 failed"; exit 0; }
if ! command -v containerd >/dev/null || ! command -v containerd-shim-runc-v2 >/dev/null; then
  echo "containerd.sh: installing containerd from apt"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends containerd >/dev/null 2>&1 ||
    { apt-get update -qq >/dev/null 2>&1; DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends containerd >/dev/null 2>&1; } ||
    { echo "containerd.sh: cannot install containerd"; echo "0 passed, 1 failed"; exit 1; }
fi

WORK=$(mktemp -d /tmp/runts-ctrd.XXXXXX)
export WORK
setup_runtime "${1:-}"
for c in /opt/criu4/bin /work/shared/tools/criu4/bin; do [ -x "$c/criu" ] && export PATH="$c:$PATH" && break; done
NS=runts-clients
CG=runts-clients-$$
export NS CG
mkdir -p "$WORK"/{root,state,runc-root,vol,fifo}
cat > "$WORK/config.toml" <<EOF
version = 2
root = "$WORK/root"
state = "$WORK/state"
disabled_plugins = ["io.containerd.grpc.v1.cri", "io.containerd.snapshotter.v1.btrfs", "io.containerd.snapshotter.v1.zfs", "io.containerd.snapshotter.v1.aufs", "io.containerd.snapshotter.v1.devmapper"]
[grpc]
  address = "$WORK/containerd.sock"
[ttrpc]
  address = "$WORK/containerd.sock.ttrpc"
[debug]
  address = "$WORK/debug.sock"
[metrics]
  address = ""
EOF

c() { ${CTR_TIMEOUT:+timeout -k 2 $CTR_TIMEOUT} ctr --address "$WORK/containerd.sock" --namespace "$NS" "$@"; }
# ctr run with the runtime under test
crun_() { c run --snapshotter native --runtime io.containerd.runc.v2 --runc-binary "$RUNTIME" --runc-root "$WORK/runc-root" --fifo-dir "$WORK/fifo" "$@"; }
export -f c crun_
IMG=docker.io/library/runts-busybox:latest
export IMG

cleanup_scenario() {
  local CTR_TIMEOUT=15
  local t
  # a runtime or criu process stuck in a timed-out scenario blocks the shim: end it first
  kill_tree_matching "--root $WORK/runc-root"
  for t in $(c task ls -q 2>/dev/null); do c task kill -s SIGKILL "$t" >/dev/null 2>&1; done
  for t in $(c task ls -q 2>/dev/null); do
    for _ in $(seq 30); do c task delete "$t" >/dev/null 2>&1 && break; sleep 0.1; done
    c task delete -f "$t" >/dev/null 2>&1
  done
  for t in $(c containers ls -q 2>/dev/null); do c containers delete "$t" >/dev/null 2>&1; done
  for t in $(c images ls -q 2>/dev/null | grep -v "^$IMG\$"); do c images rm "$t" >/dev/null 2>&1; done
  rmdir /sys/fs/cgroup/*/"$CG"/* /sys/fs/cgroup/*/"$CG" /sys/fs/cgroup/"$CG"/* /sys/fs/cgroup/"$CG" 2>/dev/null
  return 0
}
DPID=
cleanup_all() {
  cleanup_scenario
  c images rm "$IMG" >/dev/null 2>&1
  if [ -n "$DPID" ]; then
    kill "$DPID" 2>/dev/null
    for _ in $(seq 50); do kill -0 "$DPID" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$DPID" 2>/dev/null
  fi
  # shims of this containerd (their command line names our socket), with their children
  kill_tree_matching "$WORK/containerd.sock"
  rmdir /sys/fs/cgroup/*/"$NS" /sys/fs/cgroup/"$NS" 2>/dev/null   # ctr's cgroup parent (when empty)
  grep -o " $WORK[^ ]*" /proc/self/mounts | sort -r | while read -r m; do umount -l "$m" 2>/dev/null; done
  if [ -n "${KEEP:-}" ]; then echo "kept $WORK"; else rm -rf "$WORK"/{root,state,runc-root,rootfs,oci,fifo,rootfs.tar,image.tar} 2>/dev/null; [ "$FAILED" != 0 ] || rm -rf "$WORK"; fi
}
trap cleanup_all EXIT

containerd --config "$WORK/config.toml" > "$WORK/containerd.log" 2>&1 &
DPID=$!
for _ in $(seq 100); do c version >/dev/null 2>&1 && break; sleep 0.1; done
c version >/dev/null 2>&1 || { echo "FAIL containerd-start ($(tail -n 1 "$WORK/containerd.log"))"; echo "0 passed, 1 failed"; exit 1; }
make_rootfs_tar "$WORK/rootfs.tar"
make_image_archive "$WORK/rootfs.tar" "$WORK/image.tar" "$IMG"
if ! c images import --snapshotter native "$WORK/image.tar" > "$WORK/import.log" 2>&1; then
  echo "FAIL import ($(tail -n 1 "$WORK/import.log"))"; echo "0 passed, 1 failed"; exit 1
fi

# pid of task $1; status of task $1
tpid() { c task ls | awk -v t="$1" '$1 == t { print $2 }'; }
tstatus() { c task ls | awk -v t="$1" '$1 == t { print $3 }'; }
# host cgroup file of task $1 (v1 or v2), controller $2, file $3
cgfile() {
  local pid rel; pid=$(tpid "$1")
  if [ -f /sys/fs/cgroup/cgroup.controllers ]; then
    rel=$(sed -n 's/^0:://p' "/proc/$pid/cgroup"); cat "/sys/fs/cgroup$rel/$3"
  else
    rel=$(awk -F: -v c="$2" '{ n = split($2, a, ","); for (i = 1; i <= n; i++) if (a[i] == c) print $3 }' "/proc/$pid/cgroup")
    cat "/sys/fs/cgroup/$2$rel/$3"
  fi
}
export -f tpid tstatus cgfile
CTR="ctr --address $WORK/containerd.sock --namespace $NS"
export CTR

s_run() {
  out=$(crun_ --rm "$IMG" r1 sh -c 'echo hello; echo $$')
  want_eq "$out" "hello
1" output
  rc=0; crun_ --rm "$IMG" r2 sh -c 'exit 3' || rc=$?; want_eq "$rc" 3 "exit code"
}
s_exec() {
  crun_ -d "$IMG" e1 sleep 1000
  want_eq "$(c task exec --exec-id x1 e1 echo hi)" hi "exec output"
  rc=0; c task exec --exec-id x2 e1 sh -c 'exit 6' || rc=$?; want_eq "$rc" 6 "exec exit code"
  want_eq "$(c task exec --exec-id x3 --cwd /tmp e1 pwd)" /tmp "exec cwd"
}
s_kill() {
  crun_ -d "$IMG" k1 sh -c 'trap "exit 11" USR1; while :; do sleep 0.1; done'
  sleep 0.3
  c task kill -s SIGUSR1 k1
  wait_for 50 sh -c '[ "$($CTR task ls | awk "\$1 == \"k1\" { print \$3 }")" = STOPPED ]'
  crun_ -d "$IMG" k2 sleep 1000
  c task kill -s 9 k2
  wait_for 50 sh -c '[ "$($CTR task ls | awk "\$1 == \"k2\" { print \$3 }")" = STOPPED ]'
}
s_metrics() {
  crun_ -d --memory-limit 67108864 "$IMG" m1 sleep 1000
  out=$(c task metrics m1)
  want_match "$out" 'memory' metrics
  want_match "$out" 'pids' metrics
}
s_pause() {
  crun_ -d "$IMG" p1 sleep 1000
  c task pause p1; want_eq "$(tstatus p1)" PAUSED status
  c task resume p1; want_eq "$(tstatus p1)" RUNNING status
  c task exec --exec-id x p1 true
}
s_ps() {
  crun_ -d "$IMG" ps1 sleep 1000
  pid=$(tpid ps1)
  out=$(c task ps ps1); want_match "$out" "(^|[[:space:]])$pid([[:space:]]|$)" "ps lists the init"
}
s_tty() {
  out=$(script -qefc "$CTR run --snapshotter native --runc-binary $RUNTIME --runc-root $WORK/runc-root --fifo-dir $WORK/fifo -t --rm $IMG t1 sh -c 'tty; exit 4'" /dev/null < /dev/null | tr -d '\r') || rc=$?
  want_match "$out" '/dev/pts/[0-9]+|/dev/console' "tty in run"
  crun_ -d "$IMG" t2 sleep 1000
  out=$(script -qefc "$CTR task exec -t --exec-id tx t2 tty" /dev/null < /dev/null | tr -d '\r')
  want_match "$out" '/dev/pts/[0-9]+' "tty in exec"
}
s_limits() {
  crun_ -d --memory-limit 67108864 --cpu-quota 50000 --cpu-period 100000 "$IMG" l1 sleep 1000
  want_eq "$(cgfile l1 memory memory.limit_in_bytes 2>/dev/null || cgfile l1 memory memory.max)" 67108864 "memory limit"
  want_eq "$(cgfile l1 cpu cpu.cfs_quota_us 2>/dev/null || cgfile l1 cpu cpu.max | cut -d' ' -f1)" 50000 "cpu quota"
}
s_cgroup_path() {
  crun_ -d --cgroup "/$CG/cg1" "$IMG" cg1 sleep 1000
  pid=$(tpid cg1)
  grep -q ":/$CG/cg1\$" "/proc/$pid/cgroup" || { cat "/proc/$pid/cgroup"; echo "not in /$CG/cg1"; exit 1; }
}
s_read_only() {
  want_fail crun_ --rm --read-only "$IMG" ro1 touch /etc/x
  crun_ --rm "$IMG" ro2 touch /etc/x
}
s_caps() {
  out=$(crun_ --rm --cap-drop CAP_CHOWN --cap-add CAP_SYS_ADMIN "$IMG" cap1 grep CapEff /proc/self/status)
  eff=$(echo "$out" | awk '{ print $2 }')
  [ $((0x$eff & 1)) = 0 ] || { echo "CAP_CHOWN still there: $eff"; exit 1; }
  [ $((0x$eff & (1 << 21))) != 0 ] || { echo "CAP_SYS_ADMIN missing: $eff"; exit 1; }
}
s_privileged() {
  out=$(crun_ --rm --privileged "$IMG" pr1 sh -c 'grep CapEff /proc/self/status; ls /dev | wc -l')
  want_match "$out" 'CapEff:[[:space:]]+000001' "CapEff"
}
s_seccomp() {
  cat > "$WORK/seccomp.json" <<'J'
{"defaultAction":"SCMP_ACT_ALLOW","architectures":["SCMP_ARCH_X86_64"],
 "syscalls":[{"names":["mkdir","mkdirat"],"action":"SCMP_ACT_ERRNO","errnoRet":1}]}
J
  out=$(crun_ --rm --seccomp --seccomp-profile "$WORK/seccomp.json" "$IMG" sc1 sh -c 'mkdir /tmp/d 2>&1; echo rc=$?')
  want_match "$out" 'Operation not permitted' "mkdir under the profile"
  out=$(crun_ --rm --seccomp "$IMG" sc2 sh -c 'grep Seccomp: /proc/self/status')
  want_match "$out" 'Seccomp:[[:space:]]+2' "default profile"
}
s_mounts() {
  echo from-host > "$WORK/vol/in"
  out=$(crun_ --rm --mount "type=bind,src=$WORK/vol,dst=/data,options=rbind:rw" "$IMG" mt1 sh -c 'cat /data/in; echo back > /data/out')
  want_eq "$out" from-host "read through the mount"
  want_eq "$(cat "$WORK/vol/out")" back "written through the mount"
  want_fail crun_ --rm --mount "type=bind,src=$WORK/vol,dst=/data,options=rbind:ro" "$IMG" mt2 touch /data/x
}
s_with_ns() {
  crun_ -d "$IMG" ns1 sleep 1000
  pid=$(tpid ns1)
  out=$(crun_ --rm --with-ns "pid:/proc/$pid/ns/pid" "$IMG" ns2 ps -o args)
  want_match "$out" 'sleep 1000' "processes of the joined pid namespace"
}
s_checkpoint() {
  criu check >/dev/null 2>&1 || { echo "criu check fails on this kernel"; exit 1; }
  crun_ -d "$IMG" cp1 sh -c 'i=0; while :; do i=$((i+1)); echo $i > /tmp/count.new; mv /tmp/count.new /tmp/count; sleep 0.1; done'
  sleep 0.5
  c containers checkpoint --task --rw cp1 runts/cp1:ckpt
  c task kill -s 9 cp1 >/dev/null 2>&1 || true
  for _ in $(seq 30); do c task delete cp1 >/dev/null 2>&1 && break; sleep 0.1; done
  c containers delete cp1
  # restore creates and starts the task, then waits for it (attached): run it in the background
  c containers restore --live --rw cp1 runts/cp1:ckpt > "$WORK/restore.out" 2>&1 &
  wait_for 300 sh -c '[ "$($CTR task ls | awk "\$1 == \"cp1\" { print \$3 }")" = RUNNING ]' || { cat "$WORK/restore.out"; exit 1; }
  # the restored task may take a moment to answer an exec
  wait_for 100 sh -c '$CTR task exec --exec-id xw cp1 cat /tmp/count | grep -q "^[0-9]"'
  a=$(c task exec --exec-id x1 cp1 cat /tmp/count); sleep 0.5; b=$(c task exec --exec-id x2 cp1 cat /tmp/count)
  [ "$a" -gt 3 ] && [ "$b" -gt "$a" ] || { echo "counter did not carry on: $a then $b"; exit 1; }
}

for s in run exec kill metrics pause ps tty limits cgroup_path read_only caps privileged seccomp mounts \
         with_ns checkpoint; do
  export -f "s_$s"
  scenario "containerd-${s//_/-}" "s_$s"
done
finish
[ "$FAILED" = 0 ]
