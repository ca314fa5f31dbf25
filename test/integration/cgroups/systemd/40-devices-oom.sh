#!/bin/bash
# Part of the systemd lane (../systemd-lane.sh): device rules as unit properties, OOM
# kills, a silent bus, checkpoint/restore, with --systemd-cgroup. Prints KEY=value lines
# with the runtime's name replaced by RT by the check (40-devices-oom.check.ts).
# Usage: 40-devices-oom.sh NAME BINARY WORKDIR  (WORKDIR/config.tpl: @CGPATH@ in it)
set -u
name=$1 bin=$2 work=$3 tpl=$3/config.tpl
R="timeout 120 $bin --root /run/sdtest40-$name --systemd-cgroup"
ts() { echo "[$(date +%T)] 40 $name $*" >&2; }
# mk ID CGPATH [JQ-FILTER]: a bundle whose config is the template, edited by jq
mk() { mkdir -p "$work/$name-40$1" && sed "s|@CGPATH@|$2|" "$tpl" | jq "${3:-.}" > "$work/$name-40$1/config.json"; }
status() { $R state "$1" 2>/dev/null | jq -r .status; }
gone() { echo "left: unit=$(systemctl is-active "$1") loaded=$(systemctl list-units --all --no-legend "$1" | wc -l) cgroup=$([ -e "/sys/fs/cgroup$2" ] && echo yes || echo no)"; }
devprops() { systemctl show -p DevicePolicy -p DeviceAllow "$1"; }
# inside ID: what opening devices gives (busybox sh; errors as the shell prints them)
probe() {
  $R exec "$1" sh -c '
    echo x > /dev/null && echo "null: write ok"
    head -c 4 /dev/urandom | wc -c | sed "s/^ */urandom: read /"
    for d in /dev/kmsg /dev/fuse /dev/loop0; do
      [ -e $d ] || { echo "$d: absent"; continue; }
      if (: < $d) 2>/dev/shm/e; then echo "$d: open ok"; else echo "$d: $(sed "s/.*: //" /dev/shm/e)"; fi
    done' </dev/null 2>&1
}

ts A
# A: the default device list (deny all, then runc's defaults).
id=${name}40a unit=sdtest-${name}40a.scope
mk a "machine.slice:sdtest:$id"
$R run -d --bundle "$work/$name-40a" "$id" </dev/null >/dev/null 2>"$work/$name-40err"; echo "A run rc=$?"
devprops "$unit" | sed 's/^/A /'
probe "$id" | sed 's/^/A /'
if [ "$name" = runc ]; then
  # runc 1.3 (the behaviour runts follows where 1.1.5 differs) gives systemd these.
  n=/opt/next/bin/runc idn=${name}40n
  mk n "machine.slice:sdtest:$idn"
  timeout 120 $n --root /run/sdtest40-next --systemd-cgroup run -d --bundle "$work/$name-40n" "$idn" </dev/null >/dev/null 2>>"$work/$name-40err"
  devprops "sdtest-$idn.scope" | sed 's/^/A next /'
  timeout 120 $n --root /run/sdtest40-next --systemd-cgroup delete -f "$idn"
fi
$R delete -f "$id"; echo "A delete rc=$?"; gone "$unit" "/machine.slice/$unit"

ts B
# B: extra nodes (linux.devices) and rules: /dev/fuse allowed through a whole-major rule,
# a block device read-only, /dev/kmsg allowed and then denied again (the last rule wins).
id=${name}40b unit=sdtest-${name}40b.scope
extra='.linux.devices = [{"path":"/dev/kmsg","type":"c","major":1,"minor":11},{"path":"/dev/fuse","type":"c","major":10,"minor":229},{"path":"/dev/loop0","type":"b","major":7,"minor":0}]
  | .linux.resources.devices += [{"allow":true,"type":"c","major":10,"access":"rwm"},{"allow":true,"type":"b","major":7,"minor":0,"access":"r"},{"allow":true,"type":"c","major":1,"minor":11,"access":"rwm"},{"allow":false,"type":"c","major":1,"minor":11,"access":"rwm"}]'
mk b "machine.slice:sdtest:$id" "$extra"
$R run -d --bundle "$work/$name-40b" "$id" </dev/null >/dev/null 2>"$work/$name-40errb"; echo "B run rc=$?"; sed 's/^/# B run: /' "$work/$name-40errb"
devprops "$unit" | sed 's/^/B /'
probe "$id" | sed 's/^/B /'
$R update --memory 100000000 "$id"; echo "B update rc=$?"
devprops "$unit" | sed 's/^/B after update /'
if [ "$name" = runc ]; then
  n=/opt/next/bin/runc idn=${name}40m
  mk m "machine.slice:sdtest:$idn" "$extra"
  timeout 120 $n --root /run/sdtest40-next --systemd-cgroup run -d --bundle "$work/$name-40m" "$idn" </dev/null >/dev/null 2>>"$work/$name-40err"
  devprops "sdtest-$idn.scope" | sed 's/^/B next /'
  timeout 120 $n --root /run/sdtest40-next --systemd-cgroup delete -f "$idn"
fi
$R delete -f "$id"; echo "B delete rc=$?"; gone "$unit" "/machine.slice/$unit"

ts C
# C: OOM: a 32 MiB limit and a process that grows without end (tail of /dev/zero keeps
# its one endless line); the init (sh) outlives it unless systemd stops the unit.
id=${name}40c unit=sdtest-${name}40c.scope cg=/sys/fs/cgroup/machine.slice/sdtest-${name}40c.scope
mk c "machine.slice:sdtest:$id" '.process.args = ["sh","-c","sleep 2; tail /dev/zero; echo tail-done; sleep 1000"] | .linux.resources.memory = {"limit":33554432}'
$R create --bundle "$work/$name-40c" "$id" </dev/null >/dev/null 2>>"$work/$name-40err"; echo "C create rc=$?"
$R events "$id" > "$work/$name-40events" 2>&1 &
ev=$!
sleep 1
$R start "$id"; echo "C start rc=$?"
for _ in $(seq 240); do [ "$(sed -n 's/^oom_kill //p' "$cg/memory.events" 2>/dev/null)" -ge 1 ] 2>/dev/null && break; [ -e "$cg" ] || break; sleep 0.5; done
sleep 3
echo "C oom_kill>=1: $([ "$(sed -n 's/^oom_kill //p' "$cg/memory.events" 2>/dev/null || echo 0)" -ge 1 ] 2>/dev/null && echo yes || echo no-or-gone)"
echo "# C memory.events: $(tr '\n' ' ' < "$cg/memory.events" 2>/dev/null)"
echo "C status=$(status "$id")"
systemctl show -p ActiveState -p Result "$unit" | sed 's/^/C /'
kill "$ev" 2>/dev/null; wait "$ev" 2>/dev/null
echo "C events: $(jq -r .type < "$work/$name-40events" 2>/dev/null | sort | uniq -c | tr -s ' ' | tr '\n' ',')" >&2
echo "C oom event=$(grep -c '"type":"oom"' "$work/$name-40events")" | sed 's/=[1-9][0-9]*$/=yes/;s/=0$/=no/'
$R delete -f "$id"; echo "C delete rc=$?"; gone "$unit" "/machine.slice/$unit"
echo "C failed units=$(systemctl list-units --failed --no-legend "sdtest-$name*" | wc -l)"

ts C2
# C2: the init itself is the one OOM-killed: the container stops; systemd may mark the
# scope failed (Result=oom-kill); delete leaves nothing (stop, reset-failed).
id=${name}40f unit=sdtest-${name}40f.scope cg=/sys/fs/cgroup/machine.slice/sdtest-${name}40f.scope
mk f "machine.slice:sdtest:$id" '.process.args = ["sh","-c","sleep 2; exec tail /dev/zero"] | .linux.resources.memory = {"limit":33554432}'
$R run -d --bundle "$work/$name-40f" "$id" </dev/null >/dev/null 2>>"$work/$name-40err"; echo "C2 run rc=$?"
for _ in $(seq 240); do [ "$(status "$id")" = stopped ] && break; sleep 0.5; done
sleep 2
echo "C2 status=$(status "$id")"
systemctl show -p ActiveState -p Result "$unit" | sed 's/^/C2 /'
echo "# C2 memory.events: $(tr '\n' ' ' < "$cg/memory.events" 2>/dev/null)"
$R delete "$id"; echo "C2 delete rc=$?"; gone "$unit" "/machine.slice/$unit"
echo "C2 failed units=$(systemctl list-units --failed --no-legend "sdtest-$name*" | wc -l)"

ts D
# D: a system bus that accepts and never answers: an error, no hang, nothing left (runts
# only: runc 1.1.5 waits for the bus without a timeout).
if [ "$name" = runts ]; then
id=${name}40d unit=sdtest-${name}40d.scope
sock=/run/sdtest40-$name-silent.sock
python3 -c 'import socket,sys,time
s=socket.socket(socket.AF_UNIX); s.bind(sys.argv[1]); s.listen(8); c=[]
while True: c.append(s.accept()[0])' "$sock" &
srv=$!
for _ in $(seq 100); do [ -S "$sock" ] && break; sleep 0.2; done
mk d "machine.slice:sdtest:$id"
t0=$(date +%s)
DBUS_SYSTEM_BUS_ADDRESS=unix:path=$sock RUNTS_DBUS_TIMEOUT_MS=3000 timeout 60 $bin --root /run/sdtest40-$name --systemd-cgroup create --bundle "$work/$name-40d" "$id" </dev/null >/dev/null 2>"$work/$name-40errd"
rc=$?
echo "D silent bus create rc=$rc took=$(($(date +%s) - t0))s" >&2
echo "D silent bus rc=$rc"
echo "D error: $(head -c 300 "$work/$name-40errd")"
echo "D list=$($R list -q | grep -c "$id") state-dir=$([ -e "/run/sdtest40-$name/$id" ] && echo yes || echo no)"
gone "$unit" "/machine.slice/$unit" | sed 's/^/D /'
kill "$srv"; wait "$srv" 2>/dev/null; rm -f "$sock"
fi

ts E
# E: checkpoint a container made with the systemd driver, restore it into a new scope.
criu=/opt/criu4/bin/criu
if [ ! -x $criu ]; then echo "E criu: absent"; else
  # The guest boots with few modules; CRIU's kernel probe (kerndat) wants the socket diag
  # modules, nf_tables (it runs nft; its libcrc32c needs crc32c loaded first, as the
  # kernel's own module requests find no kmod index here) and tun/veth.
  for m in crc32c_generic nf_tables unix_diag inet_diag tcp_diag udp_diag netlink_diag af_packet_diag tun veth; do busybox modprobe $m 2>/dev/null || echo "# modprobe $m failed"; done
  $criu check -v4 -o "$work/$name-40criu.log" >"$work/$name-40criu" 2>&1; echo "E criu check rc=$?"
  echo "E criu check: $(tail -n 1 "$work/$name-40criu" | head -c 200)"
  grep -v '^(' "$work/$name-40criu" | head -n 5 | sed 's/^/# criu check: /'
  grep -E 'Error|Warn|fail' "$work/$name-40criu.log" 2>/dev/null | head -n 12 | sed 's/^/# criu log: /'
  tail -n 6 "$work/$name-40criu.log" 2>/dev/null | sed 's/^/# criu log tail: /' 
  id=${name}40e unit=sdtest-${name}40e.scope
  # The guest's network namespace (CRIU 4.1 cannot dump a fresh one on the guest's 6.1
  # kernel: "-22 reported by netlink"); stdio not on the 9p share (CRIU cannot look its mount up).
  mk e "machine.slice:sdtest:$id" '.process.args = ["sh","-c","i=0; while sleep 1; do i=$((i+1)); echo $i > /dev/shm/count; done"] | .linux.namespaces |= map(select(.type != "network"))'
  mkdir -p "/run/sdtest40-$name-img"
  $R run -d --bundle "$work/$name-40e" "$id" </dev/null >/dev/null 2>/dev/null; echo "E run rc=$?"
  sleep 4
  c1=$($R exec "$id" cat /dev/shm/count 2>/dev/null); echo "# counter before checkpoint: $c1"
  PATH=/opt/criu4/bin:$PATH $R checkpoint --image-path "/run/sdtest40-$name-img" "$id" </dev/null >"$work/$name-40ckpt" 2>&1; rc=$?
  echo "E checkpoint rc=$rc"; [ $rc = 0 ] || { head -n 4 "$work/$name-40ckpt" | sed 's/^/# checkpoint: /'; grep -h -B4 -E "Error" "/run/sdtest40-$name-img/dump.log" 2>/dev/null | head -n 16 | sed 's/^/# dump.log: /'; }
  echo "E after checkpoint: status=$(status "$id") $(gone "$unit" "/machine.slice/$unit")"
  if [ "$(status "$id")" = "" ]; then
    PATH=/opt/criu4/bin:$PATH $R restore -d --image-path "/run/sdtest40-$name-img" --bundle "$work/$name-40e" "$id" </dev/null >/dev/null 2>"$work/$name-40rst"; rc=$?
    echo "E restore rc=$rc"; [ $rc = 0 ] || head -n 4 "$work/$name-40rst" | sed 's/^/# restore: /'
    [ $rc = 0 ] || { grep -h -i -E 'error|fail' "/run/sdtest40-$name-img/restore.log" 2>/dev/null | tail -n 8 | sed 's/^/# restore.log: /'; }
    echo "E restored: status=$(status "$id") unit=$(systemctl is-active "$unit")"
    sleep 2
    c2=$($R exec "$id" cat /dev/shm/count 2>/dev/null); echo "# counter after restore: $c2"
    echo "E counter kept going: $([ "${c1:-0}" -ge 2 ] && [ "${c2:-0}" -ge "$c1" ] && echo yes || echo no)"
    systemctl show -p MemoryMax -p DevicePolicy -p TasksMax "$unit" | sed 's/^/E restored /'
    pid=$($R state "$id" 2>/dev/null | jq -r .pid)
    echo "E cgroup=$(sed -n 's/^0:://p' "/proc/$pid/cgroup" 2>/dev/null)"
  else
    echo "E restore: not tried (no checkpoint)"
  fi
  $R delete -f "$id"; echo "E delete rc=$?"; gone "$unit" "/machine.slice/$unit" | sed 's/^/E /'
  rm -rf "/run/sdtest40-$name-img"
fi
ts end
echo "errors:" >&2; cat "$work/$name-40err" >&2
