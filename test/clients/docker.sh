#!/usr/bin/env bash
# test/clients/docker.sh RUNTIME: docker (Debian's docker.io: dockerd -> containerd -> runc v2
# shim) runs containers with RUNTIME registered as the runtime "clients-rt" in a private
# daemon.json. Installs docker.io from apt when missing; starts dockerd on its own data-root,
# exec-root, pidfile and socket (no iptables, no bridge; dockerd starts its own containerd
# under the exec-root) and stops it by pid at the end. The image is a busybox-static archive
# made here and loaded with `docker load`.
# Prints one PASS/FAIL line per scenario and "N passed, N failed". ONLY="a b" runs a subset,
# VERBOSE=1 prints failing logs, KEEP=1 keeps the temp dir, CLIENTS_TRACE=FILE logs runtime argv.
set -uo pipefail
CLIENTS_REPO=$(cd "$(dirname "$0")/../.." && pwd)
. "$CLIENTS_REPO/test/clients/lib.sh"
[ "$(id -u)" = 0 ] || { echo "docker.sh: needs root (SKIPPED)"; echo "0 passed, 0 failed"; exit 0; }
if ! command -v dockerd >/dev/null || ! [ -x /usr/bin/docker ]; then
  echo "docker.sh: installing docker.io from apt"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends docker.io >/dev/null 2>&1 ||
    { apt-get update -qq >/dev/null 2>&1; DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends docker.io >/dev/null 2>&1; } ||
    { echo "docker.sh: cannot install docker.io"; echo "0 passed, 1 failed"; exit 1; }
fi
if [ -S /run/containerd/containerd.sock ]; then
  echo "docker.sh: a system containerd listens on /run/containerd/containerd.sock and dockerd would use it (SKIPPED)"
  echo "0 passed, 0 failed"; exit 0
fi

WORK=$(mktemp -d /tmp/runts-docker.XXXXXX)
export WORK
setup_runtime "${1:-}"
mkdir -p "$WORK"/{data,exec,vol,cfg}
cat > "$WORK/daemon.json" <<EOF
{
  "data-root": "$WORK/data",
  "exec-root": "$WORK/exec",
  "pidfile": "$WORK/docker.pid",
  "hosts": ["unix://$WORK/docker.sock"],
  "iptables": false,
  "ip-forward": false,
  "ip-masq": false,
  "bridge": "none",
  "storage-driver": "vfs",
  "exec-opts": ["native.cgroupdriver=cgroupfs"],
  "runtimes": { "clients-rt": { "path": "$RUNTIME" } },
  "default-runtime": "clients-rt"
}
EOF
d() { DOCKER_CONFIG="$WORK/cfg" /usr/bin/docker -H "unix://$WORK/docker.sock" "$@"; }
dr() { d run --runtime clients-rt --network none "$@"; }
export -f d dr
IMG=runts-busybox:latest
export IMG

cleanup_scenario() {
  local ids; ids=$(timeout 30 /usr/bin/docker -H "unix://$WORK/docker.sock" ps -aq 2>/dev/null)
  [ -z "$ids" ] || timeout -k 2 60 /usr/bin/docker -H "unix://$WORK/docker.sock" rm -f $ids >/dev/null 2>&1
  return 0
}
DPID=
cleanup_all() {
  cleanup_scenario
  d rmi -f "$IMG" >/dev/null 2>&1
  if [ -n "$DPID" ]; then
    kill "$DPID" 2>/dev/null
    for _ in $(seq 100); do kill -0 "$DPID" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$DPID" 2>/dev/null
  fi
  kill_tree_matching "$WORK/"
  rmdir /sys/fs/cgroup/*/docker /sys/fs/cgroup/docker 2>/dev/null   # dockerd's cgroup parent (when empty)
  grep -o " $WORK[^ ]*" /proc/self/mounts | sort -r | while read -r m; do umount -l "$m" 2>/dev/null; done
  if [ -n "${KEEP:-}" ]; then echo "kept $WORK"; else rm -rf "$WORK"/{data,exec,rootfs,oci,rootfs.tar,image.tar} 2>/dev/null; [ "$FAILED" != 0 ] || rm -rf "$WORK"; fi
}
trap cleanup_all EXIT

dockerd --config-file "$WORK/daemon.json" > "$WORK/dockerd.log" 2>&1 &
DPID=$!
for _ in $(seq 300); do d version >/dev/null 2>&1 && break; kill -0 "$DPID" 2>/dev/null || break; sleep 0.1; done
d version >/dev/null 2>&1 || { echo "FAIL dockerd-start ($(tail -n 1 "$WORK/dockerd.log"))"; echo "0 passed, 1 failed"; exit 1; }
make_rootfs_tar "$WORK/rootfs.tar"
make_image_archive "$WORK/rootfs.tar" "$WORK/image.tar" "docker.io/library/$IMG"
if ! d load -i "$WORK/image.tar" > "$WORK/import.log" 2>&1; then
  echo "FAIL import ($(tail -n 1 "$WORK/import.log"))"; echo "0 passed, 1 failed"; exit 1
fi

cgfile() {
  local pid rel; pid=$(d inspect -f '{{.State.Pid}}' "$1")
  if [ -f /sys/fs/cgroup/cgroup.controllers ]; then
    rel=$(sed -n 's/^0:://p' "/proc/$pid/cgroup"); cat "/sys/fs/cgroup$rel/$3"
  else
    rel=$(awk -F: -v c="$2" '{ n = split($2, a, ","); for (i = 1; i <= n; i++) if (a[i] == c) print $3 }' "/proc/$pid/cgroup")
    cat "/sys/fs/cgroup/$2$rel/$3"
  fi
}
export -f cgfile

s_run() {
  want_eq "$(dr --rm "$IMG" sh -c 'echo hello')" hello output
  rc=0; dr --rm "$IMG" sh -c 'exit 7' || rc=$?; want_eq "$rc" 7 "exit code"
  want_eq "$(d info -f '{{.DefaultRuntime}}')" clients-rt "default runtime"
}
s_exec() {
  dr -d --name ex "$IMG" sleep 1000
  want_eq "$(d exec ex echo in)" in output
  rc=0; d exec ex sh -c 'exit 5' || rc=$?; want_eq "$rc" 5 "exec exit code"
  want_eq "$(d exec -u 1000 -w /tmp ex sh -c 'echo $(id -u) $PWD')" "1000 /tmp" "exec user/cwd"
}
s_stop() {
  dr -d --name st "$IMG" sh -c 'trap "exit 9" TERM; while :; do sleep 0.1; done'
  sleep 0.3; d stop -t 5 st
  want_eq "$(d inspect -f '{{.State.Status}} {{.State.ExitCode}}' st)" "exited 9" "status after stop"
}
s_kill() {
  dr -d --name kk "$IMG" sleep 1000
  d kill -s KILL kk
  wait_for 50 sh -c "[ \"\$(DOCKER_CONFIG=$WORK/cfg /usr/bin/docker -H unix://$WORK/docker.sock inspect -f '{{.State.Status}}' kk)\" = exited ]"
  want_eq "$(d inspect -f '{{.State.ExitCode}}' kk)" 137 "exit code after kill"
}
s_pause() {
  dr -d --name pa "$IMG" sleep 1000
  d pause pa; want_eq "$(d inspect -f '{{.State.Status}}' pa)" paused status
  d unpause pa; want_eq "$(d inspect -f '{{.State.Status}}' pa)" running status
}
s_stats() {
  dr -d --name sta "$IMG" sleep 1000
  out=$(d stats --no-stream --format '{{.Name}} {{.MemUsage}} {{.PIDs}}' sta)
  want_match "$out" '^sta [0-9.]+[KMG]i?B / [0-9.]+[KMGT]i?B 1$' stats
}
s_tty() {
  out=$(script -qefc "DOCKER_CONFIG=$WORK/cfg /usr/bin/docker -H unix://$WORK/docker.sock run --network none -it --rm $IMG sh -c 'tty; exit 4'" /dev/null < /dev/null | tr -d '\r') || rc=$?
  want_match "$out" '/dev/pts/[0-9]+|/dev/console' "tty in run"
  out=$(dr -t --rm "$IMG" tty | tr -d '\r'); want_match "$out" '/dev/pts/[0-9]+|/dev/console' "tty in run -t"
  dr -d --name tt "$IMG" sleep 1000
  out=$(d exec -t tt tty | tr -d '\r'); want_match "$out" '/dev/pts/[0-9]+' "tty in exec -t"
}
s_limits() {
  dr -d --name lim --memory 64m --cpus 0.5 --pids-limit 50 "$IMG" sleep 1000
  want_eq "$(cgfile lim memory memory.limit_in_bytes 2>/dev/null || cgfile lim memory memory.max)" 67108864 "memory limit"
  want_eq "$(cgfile lim cpu cpu.cfs_quota_us 2>/dev/null || cgfile lim cpu cpu.max | cut -d' ' -f1)" 50000 "cpu quota"
  want_eq "$(cgfile lim pids pids.max)" 50 "pids limit"
  d update --memory 128m --memory-swap 256m lim
  want_eq "$(cgfile lim memory memory.limit_in_bytes 2>/dev/null || cgfile lim memory memory.max)" 134217728 "memory limit after update"
}
s_user() {
  want_eq "$(dr --rm --user 1000:1000 "$IMG" id -u)" 1000 uid
  want_eq "$(dr --rm --user daemon "$IMG" id -un)" daemon "named user"
}
s_caps() {
  out=$(dr --rm --cap-drop all --cap-add NET_ADMIN "$IMG" grep CapEff /proc/self/status)
  want_match "$out" 'CapEff:[[:space:]]+0000000000001000' CapEff
  want_fail dr --rm --cap-drop chown "$IMG" chown 1 /tmp
}
s_read_only() {
  want_fail dr --rm --read-only "$IMG" touch /etc/x
  dr --rm --read-only --tmpfs /tmp "$IMG" touch /tmp/x
}

for s in run exec stop kill pause stats tty limits user caps read_only; do
  export -f "s_$s"
  scenario "docker-${s//_/-}" "s_$s"
done
finish
[ "$FAILED" = 0 ]
