#!/usr/bin/env bash
# `make bench-systemd`: what the systemd cgroup driver costs the CLI. Boots the systemd
# guest once (../shared/tools/cgroup2-vm.sh --systemd: PID 1 is systemd, pure cgroup v2,
# TCG emulation) and runs create+start+wait+delete of a /bin/true busybox bundle with
# runts and Debian's runc 1.1.5 (what the engines here run), each with --systemd-cgroup
# (a transient scope over D-Bus: StartTransientUnit + its job, StopUnit on delete) and with
# cgroupfs, all four interleaved round-robin by bench/timeit.c (-r RUNS, default 10).
# Writes bench/results/systemd.{json,md} and prints the table. The guest is emulated and
# shares the machine's cores: compare the ratios, not the milliseconds with `make bench`.
#   bash bench/systemd.sh [RUNS]          (inside the guest: bench/systemd.sh --guest DIR RUNS)
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD
runc=/usr/sbin/runc

if [ "${1:-}" = --guest ]; then
  dir=$2 runs=$3
  # The bundle on the guest's tmpfs, not the 9p share; state in the guest's own /run.
  cp -a "$dir/bundle" /tmp/bundle
  cases=/tmp/systemd.cases
  : > "$cases"
  for rt in runc runts; do
    bin=$runc; [ $rt = runts ] && bin=$repo/bin/runts
    for drv in systemd cgroupfs; do
      flag=(--root "/run/bench-$rt-$drv"); [ $drv = systemd ] && flag+=(--systemd-cgroup)
      pre=$(printf '%s\t' "$bin" "${flag[@]}")
      id=b$rt${drv:0:2}{i}   # systemd: the unit RT-ID.scope in system.slice; cgroupfs: the runtime's default cgroup
      printf '@ %s %s\n%screate\t--bundle\t/tmp/bundle\t%s\n%sstart\t%s\n!wait\n%sdelete\t%s\n' \
        "$rt" "$drv" "$pre" "$id" "$pre" "$id" "$pre" "$id" >> "$cases"
    done
  done
  "$repo/bench/build/timeit" -r "$runs" -w 1 -g 0 "$cases" > "$dir/out.json"
  [ ! -s "$cases.err" ] || { echo "bench-systemd: stderr of the steps:" >&2; sort "$cases.err" | uniq -c | sort -rn | head -5 >&2; }
  # Nothing may be left: no unit, no cgroup.
  echo "units=$(systemctl list-units --all --no-legend 'runc-*' 'runts-*' | wc -l) cgroups=$(find /sys/fs/cgroup -type d -name '*brun[ct]*' | wc -l)" > "$dir/left"
  exit 0
fi

runs=${1:-10}
export NODE_EXTRA_CA_CERTS=
vm=${CGROUP2_VM:-$repo/../shared/tools/cgroup2-vm.sh}
[ -x "$vm" ] || { echo "bench-systemd: no systemd guest script at $vm (set CGROUP2_VM)" >&2; exit 1; }
[ -x "$runc" ] || { echo "bench-systemd: $runc missing (apt-get install runc)" >&2; exit 1; }
mkdir -p bench/build bench/results
[ bench/build/timeit -nt bench/timeit.c ] || ${CC:-gcc} -O2 -Wall -Wextra -Werror -o bench/build/timeit bench/timeit.c
dir=$(mktemp -d "$repo/.bench-systemd.XXXXXX")
trap 'rm -rf "$dir"' EXIT
bash scripts/make-bundle.sh "$dir/bundle" /bin/true >/dev/null
node -e 'const f = process.argv[1], s = JSON.parse(require("fs").readFileSync(f, "utf8"));
  s.ociVersion = "1.0.2"; s.root = { path: "rootfs", readonly: true }; s.linux.cgroupsPath = "";
  require("fs").writeFileSync(f, JSON.stringify(s, null, 1));' "$dir/bundle/config.json"
load0=$(cut -d' ' -f1-3 /proc/loadavg)
t0=$(date +%s)
"$vm" --systemd --share "$repo" --timeout $((600 + runs * 120)) --env NODE_EXTRA_CA_CERTS= -- bash "$repo/bench/systemd.sh" --guest "$dir" "$runs"
secs=$(( $(date +%s) - t0 ))
node - "$dir/out.json" "$secs" "$load0 / $(cut -d' ' -f1-3 /proc/loadavg)" "$(cat "$dir/left")" "$("$runc" --version | head -1)" "$(bin/runts --version | head -1)" <<'JS'
const fs = require('fs');
const [file, secs, load, left, runcV, runtsV] = process.argv.slice(2);
const r = JSON.parse(fs.readFileSync(file, 'utf8'));
const med = (a) => { const s = [...a].sort((x, y) => x - y), m = s.length >> 1; return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2; };
const m = {}; let fail = 0;
for (const [k, c] of Object.entries(r.cases)) { m[k] = med(c.ms); fail += c.failures; }
const f = (x) => x.toFixed(0), q = (x) => x.toFixed(2);
const rows = [
  ['--systemd-cgroup (D-Bus: transient scope)', m['runc systemd'], m['runts systemd']],
  ['cgroupfs', m['runc cgroupfs'], m['runts cgroupfs']],
  ['systemd driver minus cgroupfs', m['runc systemd'] - m['runc cgroupfs'], m['runts systemd'] - m['runts cgroupfs']],
];
const out = [
  '# create+start+wait+delete with the systemd cgroup driver (`make bench-systemd`)', '',
  `Measured ${new Date().toISOString().slice(0, 10)} in the emulated systemd guest (cgroup2-vm.sh --systemd: TCG, 2 vCPUs,`,
  `systemd 252, pure cgroup v2); ${runtsV}, ${runcV}. Medians of ${r.runs} interleaved runs (bench/timeit.c,`,
  `1 warm-up, no gap) of a busybox /bin/true bundle, empty cgroupsPath (systemd: system.slice/RT-ID.scope).`,
  `Failed samples: ${fail}. Left after the run: ${left}. Host load (1/5/15 min) before ${load} after; ${secs} s with the boot.`,
  'Everything runs under TCG, where compiled Go (runc) and the QuickJS interpreter (runts) slow down',
  'differently and the host\'s other work shows: read the driver columns (systemd against cgroupfs) more than runts/runc.', '',
  '| create+start+wait+delete (ms) | runc 1.1.5 | runts | runts/runc |', '|---|---:|---:|---:|',
  ...rows.map(([n, a, b]) => `| ${n} | ${f(a)} | ${f(b)} | ${a > 0 && b > 0 ? q(b / a) : '-'} |`),
  `| systemd driver / cgroupfs | ${q(m['runc systemd'] / m['runc cgroupfs'])} | ${q(m['runts systemd'] / m['runts cgroupfs'])} | |`, '',
];
fs.writeFileSync('bench/results/systemd.md', out.join('\n'));
fs.writeFileSync('bench/results/systemd.json', JSON.stringify({ date: new Date().toISOString(), secs: +secs, load, left, runc: runcV, runts: runtsV, ...r }, null, 1) + '\n');
process.stdout.write(out.join('\n'));
if (fail) process.exitCode = 1;
JS
