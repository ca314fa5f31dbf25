#!/usr/bin/env bash
# test/clients/podman.sh RUNTIME: podman 4.3 + conmon drive RUNTIME (runts, or runc as the
# reference) through the scenarios people use. Installs podman/conmon/catatonit from apt when
# missing. Everything podman keeps is private: CONTAINERS_CONF / CONTAINERS_STORAGE_CONF /
# CONTAINERS_REGISTRIES_CONF files, --root/--runroot/--tmpdir in a temp dir, cgroupfs manager,
# file events, no network. The host's podman configuration and storage are never touched.
#
# podman passes --log-format=json only to runtimes named in containers.conf
# runtime_supports_json (by basename); the private containers.conf lists runts there.
# Prints one PASS/FAIL line per scenario and "N passed, N failed". ONLY="a b" runs a subset,
# VERBOSE=1 prints failing logs, KEEP=1 keeps the temp dir, CLIENTS_TRACE=FILE logs runtime argv.
set -uo pipefail
CLIENTS_REPO=$(cd "$(dirname "$0")/../.." && pwd)
. "$CLIENTS_REPO/test/clients/lib.sh"
[ "$(id -u)" = 0 ] || { echo "podman.sh: needs root (SKIPPED)"; echo "0 passed, 0 failed"; exit 0; }

missing=()
for b in podman:podman conmon:conmon catatonit:catatonit; do
  command -v "${b%%:*}" >/dev/null || [ -x "/usr/libexec/podman/${b%%:*}" ] || missing+=("${b#*:}")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "podman.sh: installing ${missing[*]} from apt"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null 2>&1 ||
    { apt-get update -qq >/dev/null 2>&1; DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null 2>&1; } ||
    { echo "podman.sh: cannot install ${missing[*]}"; echo "0 passed, 1 failed"; exit 1; }
fi

WORK=$(mktemp -d /tmp/runts-podman.XXXXXX)
export WORK
setup_runtime "${1:-}"
# CRIU 4 (../shared/tools/install-criu4.sh) when present: bookworm's 3.17 fails on new kernels.
for c in /opt/criu4/bin /work/shared/tools/criu4/bin; do [ -x "$c/criu" ] && export PATH="$c:$PATH" && break; done

mkdir -p "$WORK"/{root,runroot,tmp,net,vol}
# conmon (cgroup v1 OOM path) drops an empty "oom" file in its working directory, which is
# ours: keep it in the scratch dir, not wherever the script was started.
cd "$WORK"
cat > "$WORK/containers.conf" <<EOF
[containers]
default_ulimits = ["nofile=1024:1024", "nproc=4096:4096"]
netns = "none"
log_driver = "k8s-file"

[engine]
cgroup_manager = "cgroupfs"
events_logger = "file"
events_logfile_path = "$WORK/tmp/events.log"
runtime_supports_json = ["crun", "runc", "kata", "runsc", "youki", "krun", "runts"]
runtime_supports_kvm = []
conmon_env_vars = ["PATH=$PATH"]

[network]
network_config_dir = "$WORK/net"
EOF
cat > "$WORK/storage.conf" <<EOF
[storage]
driver = "vfs"
runroot = "$WORK/runroot"
graphroot = "$WORK/root"
EOF
printf 'unqualified-search-registries = []\n' > "$WORK/registries.conf"
export CONTAINERS_CONF="$WORK/containers.conf" CONTAINERS_STORAGE_CONF="$WORK/storage.conf" \
  CONTAINERS_REGISTRIES_CONF="$WORK/registries.conf"

p() {
  podman --root "$WORK/root" --runroot "$WORK/runroot" --tmpdir "$WORK/tmp" --storage-driver vfs \
    --cgroup-manager cgroupfs --events-backend file --runtime "$RUNTIME" "$@"
}
export -f p
IMG=localhost/runts-busybox:latest
export IMG

cleanup_scenario() {
  kill_tree_matching "checkpoint --image-path $WORK/"   # a stuck checkpoint/restore (runtime, criu)
  kill_tree_matching "restore --bundle $WORK/"
  timeout -k 2 60 podman --root "$WORK/root" --runroot "$WORK/runroot" --tmpdir "$WORK/tmp" --storage-driver vfs \
    --cgroup-manager cgroupfs --events-backend file --runtime "$RUNTIME" rm -af -t 0 >/dev/null 2>&1 && return 0
  p rm -af -t 0 >/dev/null 2>&1 || p rm -af -t 0 --force >/dev/null 2>&1 || true
}
cleanup_all() {
  cleanup_scenario
  p rmi -af >/dev/null 2>&1 || true
  # conmon, runtime and criu processes of ours that survived (their command lines name $WORK)
  kill_tree_matching "$WORK/"
  # the cgroup parents podman made (only when empty: rmdir refuses others)
  rmdir /sys/fs/cgroup/*/libpod_parent/conmon /sys/fs/cgroup/*/libpod_parent /sys/fs/cgroup/libpod_parent/conmon /sys/fs/cgroup/libpod_parent 2>/dev/null
  grep -o " $WORK[^ ]*" /proc/self/mounts | sort -r | while read -r m; do umount -l "$m" 2>/dev/null; done
  if [ -n "${KEEP:-}" ]; then echo "kept $WORK"; else rm -rf "$WORK"/{root,runroot,tmp,rootfs,oci,rootfs.tar,cr.tar.gz} 2>/dev/null; [ "$FAILED" != 0 ] || rm -rf "$WORK"; fi
}
trap cleanup_all EXIT

make_rootfs_tar "$WORK/rootfs.tar"
if ! p import -q "$WORK/rootfs.tar" "$IMG" > "$WORK/import.log" 2>&1; then
  echo "FAIL import ($(tail -n 1 "$WORK/import.log"))"; echo "0 passed, 1 failed"; exit 1
fi

# Host cgroup file of a running container (cgroup v1 or v2) for controller $2, file $3.
cgfile() {
  local pid rel
  pid=$(p inspect -f '{{.State.Pid}}' "$1")
  if [ -f /sys/fs/cgroup/cgroup.controllers ]; then
    rel=$(sed -n 's/^0:://p' "/proc/$pid/cgroup"); cat "/sys/fs/cgroup$rel/$3"
  else
    rel=$(awk -F: -v c="$2" '{ n = split($2, a, ","); for (i = 1; i <= n; i++) if (a[i] == c) print $3 }' "/proc/$pid/cgroup")
    cat "/sys/fs/cgroup/$2$rel/$3"
  fi
}
export -f cgfile

s_run_exit() {
  out=$(p run --rm "$IMG" sh -c 'echo hello; exit 0'); want_eq "$out" hello output
  rc=0; p run --rm "$IMG" sh -c 'exit 7' || rc=$?; want_eq "$rc" 7 "exit code"
}
s_detach() {
  p run -d --name det "$IMG" sleep 1000
  want_eq "$(p inspect -f '{{.State.Status}}' det)" running status
  p ps --format '{{.Names}} {{.Status}}' | grep -q '^det Up'
}
s_exec() {
  p run -d --name ex "$IMG" sleep 1000
  want_eq "$(p exec ex echo in)" in output
  want_eq "$(p exec ex cat /proc/1/cmdline | tr '\0' ' ')" "sleep 1000 " "pid 1 of the container"
  rc=0; p exec ex sh -c 'exit 5' || rc=$?; want_eq "$rc" 5 "exec exit code"
  want_eq "$(p exec -u 1000 -w /tmp -e FOO=bar ex sh -c 'echo $(id -u) $PWD $FOO')" "1000 /tmp bar" "exec user/cwd/env"
}
s_exec_tty() {
  p run -d --name ext "$IMG" sleep 1000
  out=$(p exec -t ext sh -c 'tty; [ -t 0 ] && echo stdin-tty' | tr -d '\r')
  want_match "$out" '^/dev/pts/[0-9]+' "tty"
  out=$(script -qefc "podman --root $WORK/root --runroot $WORK/runroot --tmpdir $WORK/tmp --storage-driver vfs --cgroup-manager cgroupfs --events-backend file --runtime $RUNTIME exec -it ext sh -c 'tty; exit 3'" /dev/null < /dev/null | tr -d '\r') || rc=$?
  want_match "$out" '/dev/pts/[0-9]+' "exec -it tty"
}
s_run_it() {
  rc=0
  out=$(script -qefc "podman --root $WORK/root --runroot $WORK/runroot --tmpdir $WORK/tmp --storage-driver vfs --cgroup-manager cgroupfs --events-backend file --runtime $RUNTIME run -it --rm $IMG sh -c 'tty; stty size; exit 4'" /dev/null < /dev/null | tr -d '\r') || rc=$?
  want_match "$out" '/dev/console|/dev/pts/[0-9]+' "run -it tty"
  want_eq "$rc" 4 "exit code through script"
}
s_stop() {
  p run -d --name st "$IMG" sh -c 'trap "exit 9" TERM; while :; do sleep 0.1; done'
  p stop -t 5 st
  want_eq "$(p inspect -f '{{.State.Status}} {{.State.ExitCode}}' st)" "exited 9" "status after stop"
  p run -d --name st2 "$IMG" sleep 1000
  p stop -t 1 st2   # pid 1 ignores SIGTERM: podman escalates to SIGKILL
  want_eq "$(p inspect -f '{{.State.Status}} {{.State.ExitCode}}' st2)" "exited 137" "status after stop timeout"
}
s_kill() {
  p run -d --name k "$IMG" sh -c 'trap "echo got-usr1" USR1; while :; do sleep 0.1; done'
  p kill -s USR1 k
  wait_for 50 sh -c "podman --root $WORK/root --runroot $WORK/runroot --tmpdir $WORK/tmp --storage-driver vfs logs k | grep -q got-usr1"
  p kill -s 9 k
  wait_for 50 sh -c "[ \"\$(podman --root $WORK/root --runroot $WORK/runroot --tmpdir $WORK/tmp --storage-driver vfs inspect -f '{{.State.Status}}' k)\" = exited ]"
  want_eq "$(p inspect -f '{{.State.ExitCode}}' k)" 137 "exit code after kill -9"
}
s_pause() {
  p run -d --name pa "$IMG" sleep 1000
  p pause pa; want_eq "$(p inspect -f '{{.State.Status}}' pa)" paused status
  p unpause pa; want_eq "$(p inspect -f '{{.State.Status}}' pa)" running status
  p exec pa true
}
s_stats() {
  p run -d --name sta "$IMG" sleep 1000
  out=$(p stats --no-stream --format '{{.Name}} {{.MemUsage}} {{.PIDs}}' sta)
  want_match "$out" '^sta [0-9.]+[kMG]?B / [0-9.]+[kMGT]?B 1$' stats
}
s_top() {
  p run -d --name tp "$IMG" sleep 1000
  out=$(p top tp pid args); want_match "$out" 'sleep 1000' top
}
s_limits() {
  p run -d --name lim --memory 64m --cpus 0.5 --pids-limit 50 "$IMG" sleep 1000
  want_eq "$(cgfile lim memory memory.limit_in_bytes 2>/dev/null || cgfile lim memory memory.max)" 67108864 "memory limit"
  want_eq "$(cgfile lim cpu cpu.cfs_quota_us 2>/dev/null || cgfile lim cpu cpu.max | cut -d' ' -f1)" 50000 "cpu quota"
  want_eq "$(cgfile lim pids pids.max)" 50 "pids limit"
}
s_update() {
  p run -d --name up --memory 64m "$IMG" sleep 1000
  p update --memory 128m --cpus 1 up
  want_eq "$(cgfile up memory memory.limit_in_bytes 2>/dev/null || cgfile up memory memory.max)" 134217728 "memory limit after update"
  want_eq "$(cgfile up cpu cpu.cfs_quota_us 2>/dev/null || cgfile up cpu cpu.max | cut -d' ' -f1)" 100000 "cpu quota after update"
}
s_oom() {
  rc=0; p run --name oom --memory 32m --memory-swap 32m "$IMG" sh -c 'a=xxxxxxxxxxxxxxxx; while :; do a=$a$a; done' || rc=$?
  want_eq "$rc" 137 "exit code"
  want_eq "$(p inspect -f '{{.State.OOMKilled}}' oom)" true OOMKilled
}
s_user() {
  want_eq "$(p run --rm --user 1000:1000 "$IMG" id -u)" 1000 uid
  want_eq "$(p run --rm --user daemon "$IMG" sh -c 'echo $(id -un) $(id -g)')" "daemon 1" "named user"
}
s_caps() {
  out=$(p run --rm --cap-drop all --cap-add NET_ADMIN "$IMG" grep CapEff /proc/self/status)
  want_match "$out" 'CapEff:[[:space:]]+0000000000001000' "CapEff"
  want_fail p run --rm --cap-drop chown "$IMG" chown 1 /tmp
}
s_read_only() {
  want_fail p run --rm --read-only "$IMG" touch /etc/x
  p run --rm --read-only "$IMG" touch /tmp/x   # podman mounts a tmpfs on /tmp
  # --tmpfs copies the image's directory into the tmpfs (tmpcopyup) unless told notmpcopyup
  want_eq "$(p run --rm --read-only --tmpfs /home "$IMG" sh -c 'ls /home; touch /home/x')" user "/home copied up"
  want_eq "$(p run --rm --read-only --tmpfs /home:notmpcopyup "$IMG" ls /home)" "" "/home without copy-up"
}
s_seccomp() {
  cat > "$WORK/seccomp.json" <<'J'
{"defaultAction":"SCMP_ACT_ALLOW","architectures":["SCMP_ARCH_X86_64"],
 "syscalls":[{"names":["mkdir","mkdirat"],"action":"SCMP_ACT_ERRNO","errnoRet":1}]}
J
  out=$(p run --rm --security-opt seccomp="$WORK/seccomp.json" "$IMG" sh -c 'mkdir /tmp/d 2>&1; echo rc=$?')
  want_match "$out" 'Operation not permitted' "mkdir under the profile"
  p run --rm "$IMG" mkdir /tmp/d
}
s_volume() {
  echo from-host > "$WORK/vol/in"
  p run --rm -v "$WORK/vol:/data" "$IMG" sh -c 'cat /data/in; echo from-container > /data/out'
  want_eq "$(cat "$WORK/vol/out")" from-container "file written through the volume"
  want_fail p run --rm -v "$WORK/vol:/data:ro" "$IMG" touch /data/x
}
s_join_ns() {
  p run -d --name nsa --uts private --hostname alpha "$IMG" sleep 1000
  out=$(p run --rm --pid container:nsa --ipc container:nsa --uts container:nsa "$IMG" sh -c 'hostname; ps -o args')
  want_match "$out" '^alpha' "hostname of the joined uts"
  want_match "$out" 'sleep 1000' "processes of the joined pid namespace"
}
s_init() {
  out=$(p run --rm --init "$IMG" sh -c 'cat /proc/1/cmdline | tr "\0" " "')
  want_match "$out" 'catatonit|init' "pid 1"
}
s_restart() {
  p run -d --name rs "$IMG" sleep 1000
  pid1=$(p inspect -f '{{.State.Pid}}' rs)
  p restart -t 1 rs
  pid2=$(p inspect -f '{{.State.Pid}}' rs)
  want_eq "$(p inspect -f '{{.State.Status}}' rs)" running status
  [ "$pid1" != "$pid2" ] || { echo "same pid after restart"; exit 1; }
  p run -d --name rs2 --restart on-failure:2 "$IMG" sh -c 'sleep 0.2; exit 1'
  wait_for 150 sh -c "[ \"\$(podman --root $WORK/root --runroot $WORK/runroot --tmpdir $WORK/tmp --storage-driver vfs inspect -f '{{.RestartCount}}' rs2)\" = 2 ]"
}
s_checkpoint() {
  criu check >/dev/null 2>&1 || { echo "criu check fails on this kernel"; exit 1; }
  p run -d --name cr "$IMG" sh -c 'i=0; while :; do i=$((i+1)); echo $i > /tmp/count.new; mv /tmp/count.new /tmp/count; sleep 0.1; done'
  sleep 0.5
  p container checkpoint cr
  want_eq "$(p inspect -f '{{.State.Status}}' cr)" exited "status after checkpoint"
  p container restore cr
  want_eq "$(p inspect -f '{{.State.Status}}' cr)" running "status after restore"
  a=$(p exec cr cat /tmp/count); sleep 0.5; b=$(p exec cr cat /tmp/count)
  [ "$a" -gt 3 ] && [ "$b" -gt "$a" ] || { echo "counter did not carry on: $a then $b"; exit 1; }
}
s_checkpoint_export() {
  criu check >/dev/null 2>&1 || { echo "criu check fails on this kernel"; exit 1; }
  p run -d --name cr "$IMG" sh -c 'i=0; while :; do i=$((i+1)); echo $i > /tmp/count.new; mv /tmp/count.new /tmp/count; sleep 0.1; done'
  sleep 0.5
  p container checkpoint -e "$WORK/cr.tar.gz" cr
  p rm -f cr
  p container restore -i "$WORK/cr.tar.gz" --name cr2
  want_eq "$(p inspect -f '{{.State.Status}}' cr2)" running "status after restore from archive"
  a=$(p exec cr2 cat /tmp/count); sleep 0.5; b=$(p exec cr2 cat /tmp/count)
  [ "$a" -gt 3 ] && [ "$b" -gt "$a" ] || { echo "counter did not carry on: $a then $b"; exit 1; }
  p exec cr2 grep -q ' /etc/hosts ' /proc/self/mountinfo || { echo "/etc/hosts is not a bind mount"; exit 1; }
}

for s in run_exit detach exec exec_tty run_it stop kill pause stats top limits update oom user caps \
         read_only seccomp volume join_ns init restart checkpoint checkpoint_export; do
  export -f "s_$s"
  scenario "podman-${s//_/-}" "s_$s"
done
finish
[ "$FAILED" = 0 ]
