#!/bin/bash
# Part of the hybrid systemd lane (../systemd-lane.sh with SDTEST_DIR=systemd-hybrid, in the
# guest of ../systemd-hybrid-vm.sh: v1 controllers + cgroup2 at /sys/fs/cgroup/unified):
# the lifecycle with --systemd-cgroup, printing what a caller sees as KEY=value lines; the
# check (10-lifecycle.check.ts) replaces the runtime's name by RT and compares runts's lines
# with runc's. Lines starting "info:" are runts-only facts, left out of the comparison.
# Usage: 10-lifecycle.sh NAME BINARY WORKDIR  (WORKDIR/config.tpl: @CGPATH@ in it)
set -u
name=$1 bin=$2 work=$3 tpl=$3/config.tpl
C=/sys/fs/cgroup
# State in the guest's own /run: FIFOs do not work on the 9p share.
R="timeout 120 $bin --root /run/sdtest-$name --systemd-cgroup"
ts() { echo "[$(date +%T)] $name $*" >&2; }
mk() { mkdir -p "$work/$name-$1" && sed "s|@CGPATH@|$2|" "$tpl" > "$work/$name-$1/config.json"; }
status() { $R state "$1" 2>/dev/null | tr -d ' \n' | sed -n 's/.*"status":"\([a-z]*\)".*/\1/p'; }
pidof_() { $R state "$1" 2>/dev/null | tr -d ' \n' | sed -n 's/.*"pid":\([0-9]*\).*/\1/p'; }
# The init's cgroup in each hierarchy ("cg HIERARCHY:PATH"). misc is left out: runc 1.1.5
# does not join it (runc 1.3 and runts do); "info:" prints it for runts.
cgroups() { sed 's/^[0-9]*://' "/proc/$1/cgroup" | sort | sed 's/^/cg /' | grep -v '^cg misc:'; }
facts() { # ID UNIT DIR: status, unit, its properties, the init's cgroups and v1 limit files
  local pid
  pid=$(pidof_ "$1")
  echo "status=$(status "$1")"
  echo "unit=$(systemctl is-active "$2")"
  systemctl show -p Slice -p Delegate -p MemoryLimit -p TasksMax -p CPUQuotaPerSecUSec "$2" | sort
  [ -n "$pid" ] || return 0
  cgroups "$pid"
  echo "info: $(grep ':misc:' "/proc/$pid/cgroup" | sed 's/^[0-9]*://')"
  echo "memory.limit_in_bytes=$(cat "$C/memory$3/memory.limit_in_bytes") pids.max=$(cat "$C/pids$3/pids.max") cpu.cfs_quota_us=$(cat "$C/cpu,cpuacct$3/cpu.cfs_quota_us") cpu.cfs_period_us=$(cat "$C/cpu,cpuacct$3/cpu.cfs_period_us")"
  echo "freezer.state=$(cat "$C/freezer$3/freezer.state")"
}
gone() { # UNIT DIR: what is left after delete: the unit, its directory in any hierarchy
  local left
  left=$(ls -d "$C"/*"$2" 2>/dev/null | wc -l)
  echo "left: unit=$(systemctl is-active "$1") loaded=$(systemctl list-units --all --no-legend "$1" | wc -l) dirs=$left"
  # The slice directories runts made in the hierarchies systemd does not manage (runc
  # leaves them; runts removes the parents it made when nothing else uses them).
  echo "info: parents=$(ls -d "$C"/{cpuset,freezer,perf_event,net_cls,net_prio,hugetlb,rdma,misc}"$(dirname "$2")" 2>/dev/null | grep -vc '/$')"
}
waitstop() { for _ in $(seq 100); do [ "$(status "$1")" = stopped ] && return; sleep 0.1; done; }

echo "features $($bin features 2>/dev/null | tr -d ' \n' | grep -o '"systemd":[a-z]*' | head -n1)"

ts A
# A: slice:prefix:name, the whole lifecycle.
id=${name}a unit=sdtest-${name}a.scope dir=/machine.slice/sdtest-${name}a.scope
mk a "machine.slice:sdtest:$id"
$R create --bundle "$work/$name-a" "$id" </dev/null >/dev/null 2>"$work/$name-err"; echo "create rc=$?"
facts "$id" "$unit" "$dir"
# The device rules stay in force when systemd realizes the unit again (daemon-reload).
allowall() { grep -qx 'a \*:\* rwm' "$C/devices$dir/devices.list" && echo yes || echo no; }
echo "devices allow-all=$(allowall)"; systemctl daemon-reload; echo "after daemon-reload: devices allow-all=$(allowall)"
$R start "$id"; echo "start rc=$? status=$(status "$id")"
echo "exec $($R exec "$id" sh -c 'grep -E ":(name=systemd|memory|freezer|cpuset|pids):" /proc/self/cgroup | sed "s/^[0-9]*://" | sort | tr "\n" " "' </dev/null 2>&1) rc=$?"
$R update --memory 134217728 --pids-limit 60 --cpu-quota 25000 "$id"; echo "update rc=$?"
facts "$id" "$unit" "$dir"
$R pause "$id"; echo "pause rc=$?"; facts "$id" "$unit" "$dir" | grep -E '^(status|freezer.state)='
$R resume "$id"; echo "resume rc=$?"; facts "$id" "$unit" "$dir" | grep -E '^(status|freezer.state)='
echo "ps=$($R ps --format json "$id" | tr -d ' \n' | tr ',' '\n' | grep -c '[0-9]')"
echo "events $($R events --stats "$id" | tr -d ' \n' | grep -o '"pids":{[^}]*}' | sed 's/"current":[0-9]*/"current":N/')"
echo "events memory limit $($R events --stats "$id" | tr -d ' \n' | grep -o '"memory":{[^{]*"usage":{[^}]*}' | grep -o '"limit":[0-9]*')"
$R exec -d "$id" sleep 500 </dev/null; echo "exec -d rc=$? ps=$($R ps --format json "$id" | tr -d ' \n' | tr ',' '\n' | grep -c '[0-9]')"
$R kill --all "$id" KILL; echo "kill --all rc=$?"; waitstop "$id"; echo "status=$(status "$id")"
$R delete "$id"; echo "delete rc=$?"; gone "$unit" "$dir"

ts B
# B: no cgroupsPath: the runtime's default (runc-ID.scope / runts-ID.scope in system.slice).
id=${name}b unit=$name-${name}b.scope
mk b ""
$R create --bundle "$work/$name-b" "$id" </dev/null >/dev/null 2>>"$work/$name-err"; echo "create rc=$?"
facts "$id" "$unit" "/system.slice/$unit" | grep -E '^(unit|Slice|cg name=systemd|cg freezer|cg memory)'
$R delete -f "$id"; echo "delete -f rc=$?"; gone "$unit" "/system.slice/$unit"

ts C
# C: a nested slice: sdt-inner.slice lives in sdt.slice, in every hierarchy.
id=${name}c unit=sdtest-${name}c.scope
mk c "sdt-inner.slice:sdtest:$id"
$R run -d --bundle "$work/$name-c" "$id" </dev/null >/dev/null 2>>"$work/$name-err"; echo "run -d rc=$?"
facts "$id" "$unit" "/sdt.slice/sdt-inner.slice/$unit" | grep -E '^(unit|Slice|cg name=systemd|cg freezer|cg memory|cg cpuset)'
$R delete -f "$id"; echo "delete -f rc=$?"; gone "$unit" "/sdt.slice/sdt-inner.slice/$unit"

ts D
# D: a malformed cgroupsPath: an error, nothing left.
id=${name}d
mk d "not-a-slice-path"
$R create --bundle "$work/$name-d" "$id" </dev/null >/dev/null 2>"$work/$name-errd"; echo "bad path rc=$? error=$([ -s "$work/$name-errd" ] && echo yes || echo no)"
echo "list=$($R list -q | wc -l)"

ts F
# F: systemd starts the unit, then a file write fails (no such CPUs): an error, nothing left.
id=${name}f unit=sdtest-${name}f.scope
mk g "machine.slice:sdtest:$id"
sed -i 's/"quota": 50000/"cpus": "0-63", "quota": 50000/' "$work/$name-g/config.json"
$R create --bundle "$work/$name-g" "$id" </dev/null >/dev/null 2>"$work/$name-errg"; echo "bad cpus rc=$? error=$([ -s "$work/$name-errg" ] && echo yes || echo no)"
gone "$unit" "/machine.slice/$unit"
echo "list=$($R list -q | wc -l)"

ts E
[ -n "${SDTEST_QUICK:-}" ] && exit 0
# E: cost of create+start+delete with the systemd driver and with cgroupfs (not compared).
mk e "machine.slice:sdtest:${name}e"
mk f "/sdtest-${name}f"
for drv in systemd cgroupfs; do
  bundle=$work/$name-e flag=--systemd-cgroup
  [ $drv = cgroupfs ] && bundle=$work/$name-f flag=
  t0=$(date +%s%N)
  timeout 120 $bin --root /run/sdtest-$name $flag create --bundle "$bundle" "${name}e" </dev/null >/dev/null 2>>"$work/$name-err"
  t1=$(date +%s%N)
  timeout 120 $bin --root /run/sdtest-$name $flag start "${name}e"
  t2=$(date +%s%N)
  timeout 120 $bin --root /run/sdtest-$name $flag delete -f "${name}e"
  t3=$(date +%s%N)
  echo "TIME $name hybrid $drv: create $(( (t1 - t0) / 1000000 )) ms, start $(( (t2 - t1) / 1000000 )) ms, delete $(( (t3 - t2) / 1000000 )) ms" >&2
done
ts end
echo "errors:" >&2; cat "$work/$name-err" "$work/$name-errd" "$work/$name-errg" >&2
