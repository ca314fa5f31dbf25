#!/bin/bash
# Part of the systemd lane (../systemd-lane.sh): the engines with their systemd defaults
# drive the runtime under test: podman rootful (--cgroup-manager=systemd), containerd's runc
# shim with SystemdCgroup (ctr run --runc-systemd-cgroup) and docker
# (native.cgroupdriver=systemd). Each engine's daemon (containerd, dockerd; podman has none)
# is started here on private sockets and state in the guest's tmpfs and stopped at the end
# of the run. Prints what a caller sees, with container ids replaced by ID, so runts's
# transcript can be compared with runc's (30-engines.check.ts); stderr is diagnostics.
# Usage: 30-engines.sh NAME BINARY WORKDIR  (WORKDIR/rootfs: the busybox image's files)
# SDENG_ENGINES="podman containerd docker" picks engines (default: all).
set -u
name=$1 bin=$2 work=$3
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../../../.." && pwd)
# Private state on the guest's own tmpfs (the 9p share takes no FIFOs or overlay mounts).
S=/tmp/sdeng-$name
rm -rf "$S"; mkdir -p "$S"
WORK=$S
CLIENTS_REPO=$repo
. "$repo/test/clients/lib.sh"   # make_image_archive
T0=$(date +%s)
ts() { echo "[$(date +%T)] +$(( $(date +%s) - T0 ))s $name $*" >&2; }
engines=${SDENG_ENGINES:-podman containerd docker}
# want ENGINE COMMAND...: run ENGINE's scenarios; an engine that is not installed is left
# out with a line saying why (the same for both runtimes; the check accepts that).
want() {
  local e=$1 b; shift
  [[ " $engines " == *" $e "* ]] || return 1
  for b in "$@"; do command -v "$b" >/dev/null || { echo "skip $e: $b is not installed"; return 1; }; done
}
IDS=() CPID= DPID=
# say LINE...: print with every known container id replaced by ID.
say() { local l="$*" i; for i in "${IDS[@]}"; do l=${l//$i/ID}; done; printf '%s\n' "$l"; }
# unit UNIT: what systemd and the cgroup tree show for a container's scope.
unit() {
  say "unit $1 $(systemctl is-active "$1") $(systemctl show -p Slice -p Delegate -p MemoryMax -p TasksMax "$1" | sort | tr '\n' ' ')"
}
# left PATTERN: units and cgroups matching PATTERN that are still there.
left() {
  say "left $1: units=$(systemctl list-units --all --no-legend "$1" | wc -l) cgroups=$(find /sys/fs/cgroup -name "$1" -type d 2>/dev/null | wc -l)"
}
cginfo() { # PID: the init's cgroup, freeze state
  local cg; cg=$(sed -n 's/^0:://p' "/proc/$1/cgroup" 2>/dev/null)
  say "cgroup=$cg freeze=$(cat "/sys/fs/cgroup$cg/cgroup.freeze" 2>/dev/null)"
}
# reap DIR: SIGKILL what is still running from our private DIR (a daemon's shims after a
# failure); pgrep, not lib.sh's kill_tree_matching: forking per process takes ~20 s here.
reap() { local l; l=$(pgrep -f -- "$1" | grep -vx "$$"); [ -z "$l" ] || { echo "reaping: $(echo $l)" >&2; kill -9 $l 2>/dev/null; }; return 0; }
stopd() { # PID: stop a daemon we started
  [ -n "$1" ] || return 0
  kill "$1" 2>/dev/null
  for _ in $(seq 300); do kill -0 "$1" 2>/dev/null || return 0; sleep 0.1; done
  kill -9 "$1" 2>/dev/null
}

tar --numeric-owner --owner=0 --group=0 -C "$work/rootfs" -cf "$S/rootfs.tar" .
make_image_archive "$S/rootfs.tar" "$S/image.tar" docker.io/library/sdeng:latest

# Two streams at once (podman; containerd then docker), each into its own file, printed in
# that order: every engine call costs seconds of emulated CPU and one stream leaves the
# guest's second vCPU idle.
{
if want podman podman conmon; then
  ts podman
  rc=1 P=$S/podman
  mkdir -p "$P"/{root,runroot,tmp}
  cat > "$P/containers.conf" <<EOF
[containers]
netns = "none"
log_driver = "k8s-file"
[engine]
cgroup_manager = "systemd"
events_logger = "file"
events_logfile_path = "$P/tmp/events.log"
runtime_supports_json = ["crun", "runc", "runts"]
conmon_env_vars = ["PATH=$PATH"]
EOF
  printf '[storage]\ndriver = "vfs"\nrunroot = "%s"\ngraphroot = "%s"\n' "$P/runroot" "$P/root" > "$P/storage.conf"
  printf 'unqualified-search-registries = []\n' > "$P/registries.conf"
  export CONTAINERS_CONF="$P/containers.conf" CONTAINERS_STORAGE_CONF="$P/storage.conf" CONTAINERS_REGISTRIES_CONF="$P/registries.conf"
  p() { timeout 300 podman --root "$P/root" --runroot "$P/runroot" --tmpdir "$P/tmp" --storage-driver vfs --cgroup-manager systemd --events-backend file --runtime "$bin" "$@"; }
  img=localhost/sdeng:latest
  p import -q "$S/rootfs.tar" "$img" >/dev/null 2>"$S/podman.err"; echo "podman import rc=$?"
  ts podman run
  out=$(p run --rm --network=none "$img" sh -c 'echo hello; cat /proc/self/cgroup; exit 7' 2>>"$S/podman.err"); say "podman run --rm rc=$? out=$(echo $out)"
  ts podman run -d
  cid=$(p run -d --network=none --name pd --memory 64m --pids-limit 50 "$img" sleep 1000 2>>"$S/podman.err"); echo "podman run -d rc=$?"
  IDS+=("$cid")
  read -r st mgr pid < <(p inspect -f '{{.State.Status}} {{.HostConfig.CgroupManager}} {{.State.Pid}}' pd)
  say "inspect $st $mgr"
  unit "libpod-$cid.scope"; unit "libpod-conmon-$cid.scope"
  cginfo "$pid"
  ts podman exec
  out=$(p exec pd sh -c 'cat /sys/fs/cgroup/memory.max /sys/fs/cgroup/pids.max /proc/self/cgroup; exit 5'); say "exec rc=$? out=$(echo $out)"
  say "top: $(p top pd args | tr '\n' ' ')"
  ts podman update
  p update --memory 128m --memory-swap 256m pd >/dev/null 2>>"$S/podman.err"; echo "update rc=$?"
  unit "libpod-$cid.scope"
  say "after update: $(p exec pd cat /sys/fs/cgroup/memory.max /sys/fs/cgroup/memory.swap.max | tr '\n' ' ')"
  ts podman pause
  p pause pd >/dev/null; echo "pause rc=$? status=$(p inspect -f '{{.State.Status}}' pd)"; cginfo "$pid"
  p unpause pd >/dev/null; echo "unpause rc=$? status=$(p inspect -f '{{.State.Status}}' pd)"; cginfo "$pid"
  ts podman stop
  p stop -t 1 pd >/dev/null; echo "stop rc=$? $(p inspect -f '{{.State.Status}} {{.State.ExitCode}}' pd)"
  p rm pd >/dev/null; rc=$?; echo "rm rc=$rc"
  left "libpod-$cid.scope"; left "libpod-conmon-$cid.scope"
  ts podman cleanup
  [ "$rc" = 0 ] || p rm -af -t 0 >/dev/null 2>&1   # only after a failure: every podman call costs seconds here
  reap "$P/"
  grep -o " $P[^ ]*" /proc/self/mounts | sort -r | while read -r m; do umount -l "$m"; done
  unset CONTAINERS_CONF CONTAINERS_STORAGE_CONF CONTAINERS_REGISTRIES_CONF
fi
} > "$S/out.podman" &
{

if want containerd containerd ctr containerd-shim-runc-v2; then
  ts containerd
  rc=1 C=$S/ctrd
  mkdir -p "$C"/{root,state,runc-root,fifo}
  cat > "$C/config.toml" <<EOF
version = 2
root = "$C/root"
state = "$C/state"
disabled_plugins = ["io.containerd.grpc.v1.cri", "io.containerd.snapshotter.v1.btrfs", "io.containerd.snapshotter.v1.zfs", "io.containerd.snapshotter.v1.aufs", "io.containerd.snapshotter.v1.devmapper"]
[grpc]
  address = "$C/containerd.sock"
[ttrpc]
  address = "$C/containerd.sock.ttrpc"
[debug]
  address = "$C/debug.sock"
[metrics]
  address = ""
EOF
  containerd --config "$C/config.toml" > "$C/containerd.log" 2>&1 &
  CPID=$!
  c() { timeout 300 ctr --address "$C/containerd.sock" --namespace sdeng "$@"; }
  for _ in $(seq 600); do c version >/dev/null 2>&1 && break; kill -0 $CPID 2>/dev/null || break; sleep 0.2; done
  ts containerd up
  c version >/dev/null 2>&1 || { echo "containerd did not start: $(tail -n 1 "$C/containerd.log")"; engines=${engines/containerd/}; }
fi
if want containerd containerd ctr containerd-shim-runc-v2; then
  img=docker.io/library/sdeng:latest
  c images import --snapshotter native "$S/image.tar" >/dev/null 2>"$S/ctrd.err"; echo "ctr import rc=$?"
  # ctr wants the systemd form of cgroupsPath with --runc-systemd-cgroup; a pod's slice as Kubernetes makes it.
  cr() { local id=$1; shift; c run --snapshotter native --runtime io.containerd.runc.v2 --runc-binary "$bin" --runc-root "$C/runc-root" \
    --runc-systemd-cgroup --cgroup "kubepods-besteffort-podsdeng.slice:cri-containerd:$id" --fifo-dir "$C/fifo" "$@"; }
  tpid() { c task ls | awk -v t="$1" '$1 == t { print $2 }'; }
  tstatus() { c task ls | awk -v t="$1" '$1 == t { print $3 }'; }
  ts ctr run
  id=sdeng-$name-r; IDS+=("$id")
  out=$(cr "$id" --rm "$img" "$id" sh -c 'echo hello; cat /proc/self/cgroup; exit 3' 2>>"$S/ctrd.err"); say "ctr run --rm rc=$? out=$(echo $out)"
  ts ctr run -d
  id=sdeng-$name-d; IDS+=("$id")
  cr "$id" -d --memory-limit 67108864 "$img" "$id" sleep 1000 >/dev/null 2>>"$S/ctrd.err"; echo "ctr run -d rc=$? status=$(tstatus "$id")"
  pid=$(tpid "$id")
  unit "cri-containerd-$id.scope"
  cginfo "$pid"
  ts ctr exec
  out=$(c task exec --exec-id x1 "$id" sh -c 'cat /proc/self/cgroup; exit 6'); say "exec rc=$? out=$(echo $out)"
  say "ps: $(c task ps "$id" | tail -n +2 | wc -l) process(es)"
  say "metrics: $(c task metrics "$id" | grep -E '^(memory\.usage_limit|memory\.max|pids\.limit)' | tr -s ' \n' '  ')"
  ts ctr pause
  c task pause "$id"; echo "pause rc=$? status=$(tstatus "$id")"; cginfo "$pid"
  c task resume "$id"; echo "resume rc=$? status=$(tstatus "$id")"; cginfo "$pid"
  ts ctr kill
  c task kill -s 9 "$id"; echo "kill rc=$?"
  for _ in $(seq 150); do [ "$(tstatus "$id")" = STOPPED ] && break; sleep 0.2; done
  echo "status=$(tstatus "$id")"
  c task delete "$id" >/dev/null; echo "task delete rc=$?"
  c containers delete "$id"; rc=$?; echo "container delete rc=$rc"
  left "cri-containerd-$id.scope"
fi
if [ -n "${CPID:-}" ]; then
  ts containerd stop
  if [ "${rc:-1}" != 0 ]; then
    for t in $(c task ls -q 2>/dev/null); do c task delete -f "$t" >/dev/null 2>&1; done
    for t in $(c containers ls -q 2>/dev/null); do c containers delete "$t" >/dev/null 2>&1; done
  fi
  stopd $CPID
  reap "$C/"
  grep -o " $C[^ ]*" /proc/self/mounts | sort -r | while read -r m; do umount -l "$m"; done
fi

if want docker dockerd /usr/bin/docker containerd; then
  ts docker
  rc=1 D=$S/docker
  mkdir -p "$D"/{data,exec,cfg}
  cat > "$D/daemon.json" <<EOF
{
  "data-root": "$D/data",
  "exec-root": "$D/exec",
  "pidfile": "$D/docker.pid",
  "hosts": ["unix://$D/docker.sock"],
  "iptables": false, "ip6tables": false, "ip-forward": false, "ip-masq": false, "bridge": "none",
  "storage-driver": "vfs",
  "exec-opts": ["native.cgroupdriver=systemd"],
  "runtimes": { "sdeng-rt": { "path": "$bin" } },
  "default-runtime": "sdeng-rt"
}
EOF
  dockerd --config-file "$D/daemon.json" > "$D/dockerd.log" 2>&1 &
  DPID=$!
  d() { DOCKER_CONFIG="$D/cfg" timeout 300 /usr/bin/docker -H "unix://$D/docker.sock" "$@"; }
  # The guest's kernel has AppArmor but the host has no apparmor_parser to load docker-default.
  dr() { d run --network none --security-opt apparmor=unconfined "$@"; }
  for _ in $(seq 900); do d version >/dev/null 2>&1 && break; kill -0 $DPID 2>/dev/null || break; sleep 0.2; done
  ts docker up
  d version >/dev/null 2>&1 || { echo "dockerd did not start: $(tail -n 1 "$D/dockerd.log")"; engines=${engines/docker/}; }
fi
if want docker dockerd /usr/bin/docker containerd; then
  say "info: $(d info -f '{{.CgroupDriver}} {{.CgroupVersion}} {{.DefaultRuntime}}' 2>&1)"
  d load -i "$S/image.tar" >/dev/null 2>"$S/docker.err"; echo "docker load rc=$?"
  img=sdeng:latest
  ts docker run
  out=$(dr --rm "$img" sh -c 'echo hello; cat /proc/self/cgroup; exit 7' 2>>"$S/docker.err"); say "docker run --rm rc=$? out=$(echo $out)"
  ts docker run -d
  cid=$(dr -d --name dd --memory 64m --pids-limit 50 "$img" sleep 1000 2>>"$S/docker.err"); echo "docker run -d rc=$?"
  IDS+=("$cid")
  read -r st pid < <(d inspect -f '{{.State.Status}} {{.State.Pid}}' dd)
  say "inspect $st"
  unit "docker-$cid.scope"
  cginfo "$pid"
  ts docker exec
  out=$(d exec dd sh -c 'cat /sys/fs/cgroup/memory.max /sys/fs/cgroup/pids.max /proc/self/cgroup; exit 5'); say "exec rc=$? out=$(echo $out)"
  say "top: $(d top dd -o pid,args | awk 'NR > 1 { sub(/^ *[0-9]+ +/, ""); print }' | tr '\n' ' ')"
  ts docker update
  d update --memory 128m --memory-swap 256m --pids-limit 60 dd >/dev/null; echo "update rc=$?"
  unit "docker-$cid.scope"
  say "after update: $(d exec dd cat /sys/fs/cgroup/memory.max /sys/fs/cgroup/memory.swap.max /sys/fs/cgroup/pids.max | tr '\n' ' ')"
  ts docker pause
  d pause dd >/dev/null; echo "pause rc=$? status=$(d inspect -f '{{.State.Status}}' dd)"; cginfo "$pid"
  d unpause dd >/dev/null; echo "unpause rc=$? status=$(d inspect -f '{{.State.Status}}' dd)"; cginfo "$pid"
  ts docker stop
  d stop -t 1 dd >/dev/null; echo "stop rc=$? $(d inspect -f '{{.State.Status}} {{.State.ExitCode}}' dd)"
  d rm dd >/dev/null; rc=$?; echo "rm rc=$rc"
  left "docker-$cid.scope"
fi
if [ -n "${DPID:-}" ]; then
  ts docker stop daemon
  if [ "${rc:-1}" != 0 ]; then ids=$(d ps -aq 2>/dev/null); [ -z "$ids" ] || d rm -f $ids >/dev/null 2>&1; fi
  stopd $DPID
  reap "$D/"
  grep -o " $D[^ ]*" /proc/self/mounts | sort -r | while read -r m; do umount -l "$m"; done
fi
} > "$S/out.daemons" &
wait
cat "$S/out.podman" "$S/out.daemons"

ts end
# What the run left: the engines' scopes, and our processes.
say "left at end: units=$(systemctl list-units --all --no-legend 'libpod-*' 'cri-containerd-*' 'docker-*' | wc -l) procs=$(pgrep -c -f "$S/" || true)"
echo "errors:" >&2; cat "$S"/*.err >&2 2>/dev/null
rm -rf "$S"
