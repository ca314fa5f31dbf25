#!/bin/bash
# Part of the systemd lane (../systemd-lane.sh): rootless --systemd-cgroup. An ordinary
# user (made here: the guest's overlay is thrown away) gets its own systemd instance
# (user@UID.service, started by hand: logind is masked in this guest) and runs the
# lifecycle with the runtime as that user; the runtime talks to the user's instance on
# $XDG_RUNTIME_DIR/bus. Prints what a caller sees as KEY=value lines, the runtime's name
# replaced by RT by the check (20-rootless.check.ts).
# Usage: 20-rootless.sh NAME BINARY WORKDIR  (WORKDIR/config.tpl: @CGPATH@ in it)
set -u
name=$1 bin=$2 work=$3 tpl=$3/config.tpl
user=sdtest uid=1500
run=/run/user/$uid
mgr=/sys/fs/cgroup/user.slice/user-$uid.slice/user@$uid.service
dir=/tmp/sdtest-rootless
ts() { echo "[$(date +%T)] $name $*" >&2; }
# As the user, with the environment a login session would give (no DBUS_SESSION_BUS_ADDRESS:
# the runtime finds $XDG_RUNTIME_DIR/bus).
as_user() { setpriv --reuid=$uid --regid=$uid --init-groups env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/home/$user USER=$user XDG_RUNTIME_DIR=$run "$@"; }

ts setup
if ! id -u $user >/dev/null 2>&1; then
  useradd -m -u $uid -s /bin/bash $user
  # No logind, no libpam-systemd (/etc/pam.d/systemd-user): no PAM session, and the
  # XDG_RUNTIME_DIR that pam_systemd would have set comes from the unit.
  mkdir -p /etc/systemd/system/user@.service.d
  printf '[Service]\nPAMName=\nEnvironment=XDG_RUNTIME_DIR=/run/user/%%i\n' > /etc/systemd/system/user@.service.d/sdtest.conf
  systemctl daemon-reload
  timeout 300 systemctl start user@$uid.service || { echo "setup: user@$uid.service failed"; systemctl status user@$uid.service >&2; journalctl -b --no-pager -n 40 >&2; }
  for _ in $(seq 600); do [ -S $run/bus ] && break; sleep 0.2; done
  mkdir -p $dir && cp -a "$work/rootfs" $dir/rootfs && chown -R $user: $dir
  echo "[user] $(systemctl is-active user@$uid.service) controllers: $(cat $mgr/cgroup.controllers)" >&2
fi
echo "setup: instance=$(systemctl is-active user@$uid.service) bus=$([ -S $run/bus ] && echo yes || echo no) delegated=$(cat $mgr/cgroup.controllers 2>/dev/null)"
cp "$bin" $dir/$name-bin && chmod 755 $dir/$name-bin
R="as_user timeout 180 $dir/$name-bin --root $run/sdtest-$name --systemd-cgroup"
mk() { # BUNDLE CGPATH [JQ-FILTER]: a rootless config (runc spec --rootless's changes) from the template
  mkdir -p "$dir/$name-$1"
  jq --argjson uid $uid --arg root "$dir/rootfs" --arg cg "$2" '
    .root.path = $root | .linux.cgroupsPath = $cg
    | .linux.namespaces = ([.linux.namespaces[] | select(.type != "network" and .type != "user")] + [{"type": "user"}])
    | .linux.uidMappings = [{"containerID": 0, "hostID": $uid, "size": 1}]
    | .linux.gidMappings = [{"containerID": 0, "hostID": $uid, "size": 1}]
    | .mounts = [.mounts[] | select(.type != "cgroup" and .type != "cgroup2")
        | if .destination == "/sys" then {"destination": "/sys", "type": "none", "source": "/sys", "options": ["rbind", "nosuid", "noexec", "nodev", "ro"]}
          else .options = [(.options // [])[] | select((startswith("uid=") or startswith("gid=")) | not)] end]
    | '"${3:-.}" "$tpl" > "$dir/$name-$1/config.json"
  chown -R $user: "$dir/$name-$1"
}
status() { $R state "$1" 2>/dev/null | tr -d ' \n' | sed -n 's/.*"status":"\([a-z]*\)".*/\1/p'; }
user_unit() { as_user systemctl --user "$@"; }
facts() { # ID UNIT: status, the unit in the user's instance, the init's cgroup, its owner and limit files
  local st pid cg
  st=$($R state "$1" 2>/dev/null | tr -d ' \n')
  pid=$(echo "$st" | sed -n 's/.*"pid":\([0-9]*\).*/\1/p')
  echo "status=$(echo "$st" | sed -n 's/.*"status":"\([a-z]*\)".*/\1/p')"
  echo "unit=$(user_unit is-active "$2")"
  user_unit show -p Slice -p Delegate -p MemoryMax -p TasksMax -p CPUQuotaPerSecUSec "$2" | sort
  cg=$(sed -n 's/^0:://p' "/proc/$pid/cgroup" 2>/dev/null)
  echo "cgroup=$cg"
  [ -n "$cg" ] || return 0
  echo "owner=$(stat -c %U "/sys/fs/cgroup$cg") memory.max=$(cat "/sys/fs/cgroup$cg/memory.max") pids.max=$(cat "/sys/fs/cgroup$cg/pids.max") cpu.max=$(cat "/sys/fs/cgroup$cg/cpu.max")"
  echo "freeze=$(cat "/sys/fs/cgroup$cg/cgroup.freeze")"
}
gone() { # UNIT DIR ID: what is left after delete
  echo "left: unit=$(user_unit is-active "$1") loaded=$(user_unit list-units --all --no-legend "$1" | wc -l) cgroup=$([ -e "$2" ] && echo yes || echo no) state=$($R list -q | grep -cx "$3")"
}
waitstop() { for _ in $(seq 100); do [ "$(status "$1")" = stopped ] && return; sleep 0.2; done; }

ts A
# A: user.slice:prefix:name, the whole lifecycle as the user.
id=${name}a unit=sdtest-${name}a.scope
mk a "user.slice:sdtest:$id"
$R create --bundle "$dir/$name-a" "$id" </dev/null >/dev/null 2>"$work/$name-rl-err"; echo "create rc=$?"
facts "$id" "$unit"
$R start "$id"; echo "start rc=$? status=$(status "$id")"
$R exec -d --pid-file "$dir/$name-exec.pid" "$id" sleep 300 </dev/null 2>>"$work/$name-rl-err"; echo "exec -d rc=$?"
epid=$(cat "$dir/$name-exec.pid" 2>/dev/null)
echo "exec cgroup=$(sed -n 's/^0:://p' "/proc/$epid/cgroup" 2>/dev/null)" # runc: where the caller is, when it cannot join (see check)
echo "exec output=$($R exec "$id" echo hello </dev/null 2>&1) rc=$?"
$R update --memory 134217728 --pids-limit 60 "$id"; echo "update rc=$?"
facts "$id" "$unit" | grep -E '^(MemoryMax|TasksMax|owner)='
$R pause "$id"; echo "pause rc=$?"; facts "$id" "$unit" | grep -E '^(status|freeze)='
$R resume "$id"; echo "resume rc=$?"; facts "$id" "$unit" | grep -E '^(status|freeze)='
echo "ps=$($R ps --format json "$id" | tr -d ' \n' | tr ',' '\n' | grep -c '[0-9]')"
echo "events $($R events --stats "$id" | tr -d ' \n' | grep -o '"pids":{[^}]*}' | sed 's/"current":[0-9]*/"current":N/')"
$R kill --all "$id" KILL; echo "kill rc=$?"; waitstop "$id"; echo "status=$(status "$id")"
$R delete "$id"; echo "delete rc=$?"; gone "$unit" "$mgr/user.slice/$unit" "$id"

ts B
# B: no cgroupsPath: the runtime's default, RT-ID.scope in the instance's user.slice.
id=${name}b unit=$name-${name}b.scope
mk b ""
$R run -d --bundle "$dir/$name-b" "$id" </dev/null >/dev/null 2>>"$work/$name-rl-err"; echo "run -d rc=$?"
facts "$id" "$unit" | grep -E '^(status|unit|Slice|cgroup)='
$R delete -f "$id"; echo "delete -f rc=$?"; gone "$unit" "$mgr/user.slice/$unit" "$id"

ts C
# C: a limit of a controller the user does not have (cpuset: user@.service delegates
# cpu memory pids): an error, and nothing left (no unit, no cgroup, no state).
id=${name}c unit=sdtest-${name}c.scope
mk c "user.slice:sdtest:$id" '.linux.resources.cpu.cpus = "0"'
$R create --bundle "$dir/$name-c" "$id" </dev/null >/dev/null 2>"$work/$name-rl-errc"; echo "undelegated rc=$? error=$([ -s "$work/$name-rl-errc" ] && echo yes || echo no)"
gone "$unit" "$mgr/user.slice/$unit" "$id"

ts E
# E: as rootless engines run a runtime (podman, rootlesskit): uid 0 of a user namespace
# whose 0 is the user, --rootless auto; the user's instance is still the one to ask (runc:
# OwnerUID from busctl --user; runts: uid_map, and SASL EXTERNAL without an identity).
# runc 1.1.5 fails this config before cgroups come in ("nsexec-0: failed to setns to host
# mntns", its mount-sources step), so runc's side of E is runc 1.3.6.
id=${name}e unit=sdtest-${name}e.scope ebin=$dir/$name-bin
if [ "$name" = runc ] && [ -x /opt/next/bin/runc ]; then cp /opt/next/bin/runc $dir/runc-1.3 && chmod 755 $dir/runc-1.3 && ebin=$dir/runc-1.3; fi
mk e "user.slice:sdtest:$id" '.linux.uidMappings[0].hostID = 0 | .linux.gidMappings[0].hostID = 0'
RNS="as_user timeout 180 unshare --user --map-root-user $ebin --root $run/sdtest-$name-ns --systemd-cgroup"
$RNS run -d --bundle "$dir/$name-e" "$id" </dev/null >/dev/null 2>>"$work/$name-rl-err"; echo "userns run -d rc=$?"
pid=$($RNS state "$id" 2>/dev/null | tr -d ' \n' | sed -n 's/.*"pid":\([0-9]*\).*/\1/p')
echo "userns unit=$(user_unit is-active "$unit") cgroup=$(sed -n 's/^0:://p' "/proc/$pid/cgroup" 2>/dev/null)"
$RNS delete -f "$id"; echo "userns delete -f rc=$?"; gone "$unit" "$mgr/user.slice/$unit" "$id"; echo "userns list=$($RNS list -q | wc -l)"

ts F
# F: rootless podman with its default cgroup manager (systemd) as the user, the runtime
# under test as its --runtime (conmon runs it as uid 0 of podman's user namespace, so
# this is E's case); no network, a local image from the test rootfs, vfs storage.
pw=$dir/$name-podman
mkdir -p "$pw/root" "$pw/tmp"
printf '[containers]\nnetns = "none"\nlog_driver = "k8s-file"\n[engine]\ncgroup_manager = "systemd"\nevents_logger = "file"\nevents_logfile_path = "%s/tmp/events.log"\n' "$pw" > "$pw/containers.conf"
printf '[storage]\ndriver = "vfs"\nrunroot = "%s"\ngraphroot = "%s/root"\n' "$run/$name-prun" "$pw" > "$pw/storage.conf"
printf 'unqualified-search-registries = []\n' > "$pw/registries.conf"
[ -f $dir/rootfs.tar ] || tar -C $dir/rootfs -cf $dir/rootfs.tar .
chown -R $user: "$pw" $dir/rootfs.tar
prt=$dir/$name-bin; [ "$name" = runc ] && prt=$bin
P="as_user env CONTAINERS_CONF=$pw/containers.conf CONTAINERS_STORAGE_CONF=$pw/storage.conf CONTAINERS_REGISTRIES_CONF=$pw/registries.conf timeout 300 podman --runtime $prt"
$P import -q $dir/rootfs.tar localhost/sdtest:latest >/dev/null 2>>"$work/$name-rl-err"; echo "podman import rc=$?"
cid=$($P run -d --name ${name}p --memory 64m --pids-limit 50 localhost/sdtest:latest sleep 300 2>>"$work/$name-rl-err"); echo "podman run -d rc=$?"
ppid=$($P inspect -f '{{.State.Pid}}' ${name}p 2>/dev/null)
pcg=$(sed -n 's/^0:://p' "/proc/$ppid/cgroup" 2>/dev/null)
echo "podman cgroup=${pcg//$cid/ID}"
[ -n "$pcg" ] && echo "podman unit=$(user_unit is-active "libpod-$cid.scope") memory.max=$(cat "/sys/fs/cgroup$pcg/memory.max") pids.max=$(cat "/sys/fs/cgroup$pcg/pids.max")"
echo "podman exec=$($P exec ${name}p echo hi 2>&1) rc=$?"
$P rm -f -t 0 ${name}p >/dev/null 2>>"$work/$name-rl-err"; echo "podman rm rc=$?"
echo "podman left: unit=$(user_unit is-active "libpod-$cid.scope") cgroup=$([ -n "$pcg" ] && [ -e "/sys/fs/cgroup$pcg" ] && echo yes || echo no)"

ts D
# D: features: systemdUser with the user's instance, and without a user bus.
echo "features systemdUser=$(as_user $dir/$name-bin features | jq .linux.cgroup.systemdUser)"
echo "features no bus: systemdUser=$(setpriv --reuid=$uid --regid=$uid --init-groups env -i PATH=/usr/bin:/bin $dir/$name-bin features | jq .linux.cgroup.systemdUser)"
echo "list=$($R list -q | wc -l)"
ts end
echo "errors ($name, rootless):" >&2; cat "$work/$name-rl-err" "$work/$name-rl-errc" >&2
