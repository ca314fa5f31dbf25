/**
 * Runs manager.test.js inside the cgroup2 VM (../shared/tools/cgroup2-vm.sh: Debian's 6.1
 * kernel with every v2 controller, booted under qemu with this machine's userland and the
 * checkout shared), so memory, cpu, io, pids limits, cgroup.freeze, cgroup.kill, eBPF
 * devices and OOM run on pure cgroup v2. About 20 s here (a boot is ~6 s; the guest is
 * emulated, so everything in it is slow). Set RUNTS_SKIP_VM=1 to leave it out.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bpfShim, repoRoot, SKIP_NOT_ROOT } from './helpers.js';
import { rootfs } from '../helpers.js';
import { defaultSpec } from '../../../src/spec/defaults.js';
import { sharesToWeight } from '../../../src/cgroups/convert.js';

const here = dirname(fileURLToPath(import.meta.url));
const repo = repoRoot();
const vm = process.env.CGROUP2_VM ?? resolve(repo, '..', 'shared', 'tools', 'cgroup2-vm.sh');
const hasQemu = spawnSync('sh', ['-c', 'command -v qemu-system-x86_64'], { encoding: 'utf8' }).status === 0;

function why(): string | false {
  if (SKIP_NOT_ROOT) return SKIP_NOT_ROOT;
  if (process.env.RUNTS_SKIP_VM) return 'RUNTS_SKIP_VM is set';
  if (process.arch !== 'x64') return 'the cgroup2 VM runs on x86_64 hosts only';
  if (!existsSync(vm)) return `no cgroup2 VM script at ${vm} (set CGROUP2_VM)`;
  if (!hasQemu) return 'qemu-system-x86_64 is missing (apt-get install qemu-system-x86)';
  return false;
}

test('manager tests on pure cgroup v2 with every controller (cgroup2 VM)', { skip: why(), timeout: 600_000 }, (t) => {
  // The guest sees the host's files read-only except the shared dir: share the checkout,
  // or the dist tree when the tests were built elsewhere.
  const share = here.startsWith(repo + '/') ? repo : resolve(here, '..', '..', '..');
  const shim = bpfShim();
  const env = ['--env', 'RUNTS_EXPECT_LAYOUT=v2', '--env', 'NODE_EXTRA_CA_CERTS='];
  if (shim && shim.startsWith(share + '/')) env.push('--env', `RUNTS_SHIM=${shim}`);
  const t0 = Date.now();
  // Exit 125 is the VM failing to boot (seen once under heavy load: "virtio ports
  // missing"), not a test result: boot it once more and say so.
  const boot = () => spawnSync(vm, ['--share', share, '--timeout', '270', ...env, '--', process.execPath, '--test', '--test-reporter=tap', join(here, 'manager.test.js')], {
    encoding: 'utf8',
    cwd: share,
    env: Object.fromEntries(Object.entries(process.env).filter(([k]) => k !== 'NODE_TEST_CONTEXT')),
    timeout: 290_000,
  });
  let r = boot();
  if (r.status === 125) {
    t.diagnostic(`the cgroup2 VM failed to boot (exit 125: ${(r.stderr ?? '').split('\n').filter(Boolean).slice(-3).join(' | ')}); booting it again`);
    r = boot();
  }
  const lines = (r.stdout ?? '').split('\n').filter((l) => /^# (tests|pass|fail|skipped) |^not ok|# SKIP|create\+apply\+destroy|limits on/.test(l));
  for (const l of lines) t.diagnostic(l.replace(/^#\s*/, ''));
  t.diagnostic(`VM run took ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  assert.equal(r.status, 0, `cgroup2 VM exit ${r.status}\n${r.stdout}\n${r.stderr}`);
});

test('a container on pure cgroup v2 with every controller (cgroup2 VM): born in its cgroup, limits, device filter', { skip: why(), timeout: 600_000 }, (t) => {
  // The guest has a fresh /tmp: the bundle lives in the shared checkout for the run.
  const share = here.startsWith(repo + '/') ? repo : resolve(here, '..', '..', '..');
  const cli = join(repo, 'bin', 'runts');
  if (!cli.startsWith(share + '/') || !existsSync(cli)) return t.skip(`no CLI at ${cli} inside the shared dir ${share}`);
  const dir = mkdtempSync(join(share, '.v2vm-tmp-'));
  try {
    cpSync(rootfs(), join(dir, 'rootfs'), { recursive: true, verbatimSymlinks: true });
    const s = defaultSpec();
    s.root = { path: join(dir, 'rootfs'), readonly: true };
    s.process!.terminal = false;
    s.process!.args = ['sh', '-c', 'grep "^0::" /proc/self/cgroup; cat /sys/fs/cgroup/memory.max /sys/fs/cgroup/pids.max; mknod /mnt/sda b 8 0 && head -c1 /mnt/sda 2>&1 | head -1; echo done'];
    for (const set of ['bounding', 'effective', 'permitted'] as const) s.process!.capabilities![set] = [...(s.process!.capabilities![set] ?? []), 'CAP_MKNOD'];
    s.mounts = [...(s.mounts ?? []), { destination: '/mnt', type: 'tmpfs', source: 'tmpfs', options: ['rw'] }];
    s.linux!.resources = { ...s.linux!.resources, memory: { limit: 64 * 1024 * 1024 }, pids: { limit: 50 } };
    s.linux!.namespaces = [...(s.linux!.namespaces ?? []), { type: 'cgroup' }];
    writeFileSync(join(dir, 'config.json'), JSON.stringify(s));
    // issue 17 on cgroup v2, same boot: busy and frozen cgroups refused (runts and runc),
    // device rules (a bind of /dev/kmsg, a linux.devices node) deny in both, (pids.limit 0 on the host),
    // and `update` never widens devices; cpu.idle then shares.
    const bundle = (name: string, args: string[], edit: (b: typeof s) => void = () => undefined) => {
      const b = structuredClone(s);
      b.process!.args = args;
      edit(b);
      mkdirSync(join(dir, name));
      writeFileSync(join(dir, name, 'config.json'), JSON.stringify(b));
    };
    const kmsg = (b: typeof s) => {
      b.mounts = [...(b.mounts ?? []), { destination: '/dev/kmsg', type: 'bind', source: '/dev/kmsg', options: ['bind'] }];
      b.linux!.devices = [{ path: '/dev/kmsg2', type: 'c', major: 1, minor: 11 }];
    };
    const probe = '(: > /dev/kmsg) 2>/dev/null && echo "kmsg open" || echo "kmsg denied"; (: > /dev/kmsg2) 2>/dev/null && echo "kmsg2 open" || echo "kmsg2 denied"; cat /sys/fs/cgroup/pids.max';
    bundle('b-busy', ['true'], (b) => (b.linux!.cgroupsPath = '/vmbusy'));
    bundle('b-frz', ['true'], (b) => (b.linux!.cgroupsPath = '/vmfrz'));
    bundle('b-dev', ['sh', '-c', probe], kmsg);
    bundle('b-live', ['sleep', '300'], kmsg);
    const runc = '/opt/next/bin/runc';
    const both = `for X in "$R" "$C"; do`;
    const script = [
      // state roots on the guest's own tmpfs: the shared dir (9p) cannot hold a fifo
      `R="${cli} --root /tmp/rts"; C="${runc} --root /tmp/rstate"; D=${dir}`,
      `$R run -b $D vmc; echo "rc=$?"; [ -e /sys/fs/cgroup/vmc ] && echo left || echo gone`,
      `echo "== busy"; mkdir /sys/fs/cgroup/vmbusy; sleep 100 & SP=$!; echo $SP > /sys/fs/cgroup/vmbusy/cgroup.procs`,
      `${both} $X run -b $D/b-busy vb 2>&1 | grep -o "container's cgroup is not empty: 1 process(es) found"; done`,
      `cat /sys/fs/cgroup/vmbusy/cgroup.procs | wc -l; kill $SP; wait $SP 2>/dev/null`,
      `echo "== frozen"; mkdir /sys/fs/cgroup/vmfrz; echo 1 > /sys/fs/cgroup/vmfrz/cgroup.freeze`,
      `${both} timeout 60 $X run -b $D/b-frz vf 2>&1 | grep -o "container's cgroup unexpectedly frozen"; done`,
      `cat /sys/fs/cgroup/vmfrz/cgroup.freeze; echo 0 > /sys/fs/cgroup/vmfrz/cgroup.freeze; rmdir /sys/fs/cgroup/vmfrz /sys/fs/cgroup/vmbusy`,
      `echo "== devices"; $R run -b $D/b-dev vd; echo "rc=$?"; echo "== devices (runc)"; $C run -b $D/b-dev vd 2>&1; echo "rc=$?"`,
      `echo "== update"; $R run -d -b $D/b-live vl </dev/null >/dev/null 2>/tmp/rd.err; echo "run rc=$?"; cat /tmp/rd.err; $R state vl 2>&1 | grep -o '"status": "[a-z]*"'; ls -d /sys/fs/cgroup/vl`,
      `echo '{"devices":[{"allow":true,"access":"rwm"}],"pids":{"limit":-1},"cpu":{"idle":1}}' | $R update -r - vl; echo "rc=$?"`,
      `$R exec vl sh -c '${probe}; cat /sys/fs/cgroup/cpu.idle' 2>&1`,
      `echo '{"cpu":{"idle":0,"shares":512}}' | $R update -r - vl; echo "rc=$?"; $R exec vl cat /sys/fs/cgroup/cpu.idle /sys/fs/cgroup/cpu.weight 2>&1; $R delete -f vl`,
      `ls /sys/fs/cgroup | grep -E "^(vmc|vb|vf|vd|vl|vmbusy|vmfrz)$" || echo "nothing left"`,
    ].join('\n');
    const t0 = Date.now();
    const boot = () => spawnSync(vm, ['--share', share, '--timeout', '270', '--env', 'NODE_EXTRA_CA_CERTS=', '--', 'sh', '-c', script], { encoding: 'utf8', cwd: share, timeout: 290_000 });
    let r = boot();
    if (r.status === 125) {
      t.diagnostic('the cgroup2 VM failed to boot (exit 125); booting it again');
      r = boot();
    }
    t.diagnostic(`VM run took ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    assert.equal(r.status, 0, `cgroup2 VM exit ${r.status}\n${r.stdout}\n${r.stderr}`);
    // A cgroup namespace: the process sees its own cgroup as the root.
    const [first, ...sections] = r.stdout.split(/^== /m);
    assert.equal(first, `0::/\n${64 * 1024 * 1024}\n50\nhead: /mnt/sda: Operation not permitted\ndone\nrc=0\ngone\n`, r.stderr);
    const busy = "container's cgroup is not empty: 1 process(es) found\n";
    assert.equal(sections[0], `busy\n${busy}${busy}1\n`, 'both refuse the busy cgroup; the process stays');
    const frozen = "container's cgroup unexpectedly frozen\n";
    assert.equal(sections[1], `frozen\n${frozen}${frozen}1\n`, 'both refuse the frozen cgroup at once; it stays frozen');
    // (pids.limit 0, which means 1 in runts, is checked on the host: compat-cgroups.test.ts)
    const dev = 'kmsg denied\nkmsg2 denied\n50\nrc=0\n'; // the bundle's pids.limit
    assert.equal(sections[2], `devices\n${dev}`, 'the eBPF filter denies what the config denies');
    // runc for reference (its own device filter); a runc that cannot run here is reported, not compared.
    if (/rc=0\n$/.test(sections[3] ?? '')) assert.equal(sections[3], `devices (runc)\n${dev}`, 'runc agrees');
    else t.diagnostic(`runc in the VM could not run the device bundle: ${sections[3]?.replace(/\n/g, ' | ')}`);
    assert.equal(sections[4], `update\nrun rc=0\n"status": "running"\n/sys/fs/cgroup/vl\nrc=0\nkmsg denied\nkmsg2 denied\nmax\n1\nrc=0\n0\n${sharesToWeight(512)}\nnothing left\n`, 'update left the devices alone; idle then shares');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
