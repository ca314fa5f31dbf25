#!/bin/bash
# Part of the systemd lane (../systemd-lane.sh): the lifecycle with --systemd-cgroup,
# printing what a caller sees as KEY=value lines in which the runtime's name (in ids and
# unit names) is replaced by RT by the caller, so that runts's lines can be compared with
# runc's (10-lifecycle.check.ts).
# Usage: 10-lifecycle.sh NAME BINARY WORKDIR  (WORKDIR/config.tpl: @CGPATH@ in it)
set -u
name=$1 bin=$2 work=$3 tpl=$3/config.tpl
# State in the guest's own /run: FIFOs do not work on the 9p share.
R="timeout 120 $bin --root /run/sdtest-$name --systemd-cgroup"
RN="timeout 120 $bin --root /run/sdtest-$name" # without the flag: the container's state says systemd
ts() { echo "[$(date +%T)] $name $*" >&2; }
mk() { mkdir -p "$work/$name-$1" && sed "s|@CGPATH@|$2|" "$tpl" > "$work/$name-$1/config.json"; }
status() { $R state "$1" 2>/dev/null | tr -d ' \n' | sed -n 's/.*"status":"\([a-z]*\)".*/\1/p'; }
pidof_() { $R state "$1" 2>/dev/null | tr -d ' \n' | sed -n 's/.*"pid":\([0-9]*\).*/\1/p'; }
facts() { # ID UNIT: status, unit, its properties, the init's cgroup and limit files
  local st pid cg
  st=$($R state "$1" 2>/dev/null | tr -d ' \n')
  pid=$(echo "$st" | sed -n 's/.*"pid":\([0-9]*\).*/\1/p')
  echo "status=$(echo "$st" | sed -n 's/.*"status":"\([a-z]*\)".*/\1/p')"
  echo "unit=$(systemctl is-active "$2")"
  systemctl show -p Slice -p Delegate -p MemoryMax -p TasksMax -p CPUQuotaPerSecUSec "$2" | sort
  cg=$(sed -n 's/^0:://p' "/proc/$pid/cgroup" 2>/dev/null)
  echo "cgroup=$cg"
  [ -n "$cg" ] || return 0
  echo "memory.max=$(cat "/sys/fs/cgroup$cg/memory.max") pids.max=$(cat "/sys/fs/cgroup$cg/pids.max") cpu.max=$(cat "/sys/fs/cgroup$cg/cpu.max")"
  echo "freeze=$(cat "/sys/fs/cgroup$cg/cgroup.freeze")"
}
gone() { # UNIT DIR: what is left after delete
  echo "left: unit=$(systemctl is-active "$1") loaded=$(systemctl list-units --all --no-legend "$1" | wc -l) cgroup=$([ -e "/sys/fs/cgroup$2" ] && echo yes || echo no)"
}
waitstop() { for _ in $(seq 100); do [ "$(status "$1")" = stopped ] && return; sleep 0.1; done; }

# A: slice:prefix:name, the whole lifecycle.
ts A
id=${name}a unit=sdtest-${name}a.scope
mk a "machine.slice:sdtest:$id"
$R create --bundle "$work/$name-a" "$id" </dev/null >/dev/null 2>"$work/$name-err"; echo "create rc=$?" 
facts "$id" "$unit"
$R start "$id"; echo "start rc=$? status=$(status "$id")"
echo "exec $($R exec "$id" cat /proc/self/cgroup </dev/null 2>&1) rc=$?"
$R update --memory 134217728 --pids-limit 60 "$id"; echo "update rc=$?"
facts "$id" "$unit"
$R update --memory 134217728 --memory-swap 268435456 "$id"; echo "update swap rc=$? $(systemctl show -p MemorySwapMax "$unit") memory.swap.max=$(cat "/sys/fs/cgroup/machine.slice/$unit/memory.swap.max")"
$R pause "$id"; echo "pause rc=$?"; facts "$id" "$unit" | grep -E '^(status|freeze)='
$R resume "$id"; echo "resume rc=$?"; facts "$id" "$unit" | grep -E '^(status|freeze)='
echo "ps=$($R ps --format json "$id" | tr -d ' \n' | tr ',' '\n' | grep -c '[0-9]')"
echo "events $($R events --stats "$id" | tr -d ' \n' | grep -o '"pids":{[^}]*}' | sed 's/"current":[0-9]*/"current":N/')"
$R kill --all "$id" KILL; echo "kill rc=$?"; waitstop "$id"; echo "status=$(status "$id")"
$R delete "$id"; echo "delete rc=$?"; gone "$unit" "/machine.slice/$unit"

ts B
# B: no cgroupsPath: the runtime's default (runc-ID.scope / runts-ID.scope in system.slice);
# deleted without --systemd-cgroup (the state records the driver: the unit still goes).
id=${name}b unit=$name-${name}b.scope
mk b ""
$R create --bundle "$work/$name-b" "$id" </dev/null >/dev/null 2>>"$work/$name-err"; echo "create rc=$?"
facts "$id" "$unit" | grep -E '^(unit|Slice|cgroup)='
$RN delete -f "$id"; echo "delete -f rc=$?"; gone "$unit" "/system.slice/$unit"

ts C
# C: a nested slice: sdt-inner.slice lives in sdt.slice.
id=${name}c unit=sdtest-${name}c.scope
mk c "sdt-inner.slice:sdtest:$id"
$R run -d --bundle "$work/$name-c" "$id" </dev/null >/dev/null 2>>"$work/$name-err"; echo "run -d rc=$?"
facts "$id" "$unit" | grep -E '^(unit|Slice|cgroup)='
$R delete -f "$id"; echo "delete -f rc=$?"; gone "$unit" "/sdt.slice/sdt-inner.slice/$unit"

ts D
# D: a malformed cgroupsPath: an error, nothing left.
id=${name}d
mk d "not-a-slice-path"
$R create --bundle "$work/$name-d" "$id" </dev/null >/dev/null 2>"$work/$name-errd"; echo "bad path rc=$? error=$([ -s "$work/$name-errd" ] && echo yes || echo no)"
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
  echo "TIME $name $drv: create $(( (t1 - t0) / 1000000 )) ms, start $(( (t2 - t1) / 1000000 )) ms, delete $(( (t3 - t2) / 1000000 )) ms" >&2
done
ts end
echo "errors:" >&2; cat "$work/$name-err" "$work/$name-errd" >&2
