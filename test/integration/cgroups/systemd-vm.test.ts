/**
 * The systemd cgroup driver in a guest whose PID 1 is systemd (cgroup2-vm.sh --systemd):
 * one boot for the whole lane. systemd-guest.sh runs the lifecycle with --systemd-cgroup
 * for runts and then for runc 1.1.5 (/usr/sbin/runc, what the engines here run) and prints
 * what a caller sees (unit active, its slice and properties, the cgroup path, limit files,
 * pause/resume, ps, events, kill --all, leftovers after delete, a malformed cgroupsPath);
 * the two transcripts must be equal. Slow: the guest is emulated (several minutes).
 * Set RUNTS_SKIP_VM=1 to leave it out.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { repoRoot, SKIP_NOT_ROOT } from './helpers.js';
import { rootfs } from '../helpers.js';
import { defaultSpec } from '../../../src/spec/defaults.js';

const repo = repoRoot();
const vm = process.env.CGROUP2_VM ?? resolve(repo, '..', 'shared', 'tools', 'cgroup2-vm.sh');
const runc = '/usr/sbin/runc';
const guest = join(repo, 'test', 'integration', 'cgroups', 'systemd-guest.sh');
const cli = process.env.RUNTS_TEST_CLI ? resolve(process.env.RUNTS_TEST_CLI) : join(repo, 'bin', 'runts');
const has = (cmd: string) => spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;

function why(): string | false {
  if (SKIP_NOT_ROOT) return SKIP_NOT_ROOT;
  if (process.env.RUNTS_SKIP_VM) return 'RUNTS_SKIP_VM is set';
  if (process.arch !== 'x64') return 'the cgroup2 VM runs on x86_64 hosts only';
  if (!existsSync(vm)) return `no cgroup2 VM script at ${vm} (set CGROUP2_VM)`;
  if (!readFileSync(vm, 'utf8').includes('--systemd')) return `${vm} has no --systemd mode`;
  if (!has('qemu-system-x86_64')) return 'qemu-system-x86_64 is missing (apt-get install qemu-system-x86)';
  if (!existsSync('/lib/systemd/systemd')) return 'no /lib/systemd/systemd on this host to boot the guest with';
  if (!existsSync(runc)) return `no runc at ${runc} to compare with`;
  if (!existsSync(cli) || !cli.startsWith(repo + '/')) return `no CLI at ${cli} inside the checkout ${repo} (the guest shares the checkout)`;
  return false;
}

test('systemd cgroup driver: the lifecycle with --systemd-cgroup, runts vs runc 1.1.5 (systemd guest)', { skip: why(), timeout: 1_800_000 }, (t) => {
  const dir = mkdtempSync(join(repo, '.sdvm-tmp-'));
  try {
    cpSync(rootfs(), join(dir, 'rootfs'), { recursive: true, verbatimSymlinks: true });
    const s = defaultSpec();
    s.root = { path: join(dir, 'rootfs'), readonly: true };
    s.process!.terminal = false;
    s.process!.args = ['sleep', '1000'];
    s.linux!.cgroupsPath = '@CGPATH@';
    s.linux!.resources = { ...s.linux!.resources, memory: { limit: 64 << 20 }, pids: { limit: 50 }, cpu: { quota: 50000, period: 100000 } };
    writeFileSync(join(dir, 'config.tpl'), JSON.stringify(s, null, 1));
    const script = `${guest} runts ${cli} ${dir}/config.tpl ${dir}; echo '=== runc'; ${guest} runc ${runc} ${dir}/config.tpl ${dir}`;
    const t0 = Date.now();
    const boot = () => spawnSync(vm, ['--systemd', '--share', repo, '--timeout', '1700', '--env', 'NODE_EXTRA_CA_CERTS=', '--', 'bash', '-c', script], { encoding: 'utf8', cwd: repo, timeout: 1_750_000 });
    let r = boot();
    if (r.status === 125) {
      t.diagnostic(`the VM failed to boot (exit 125: ${(r.stderr ?? '').split('\n').filter(Boolean).slice(-2).join(' | ')}); booting it again`);
      r = boot();
    }
    t.diagnostic(`VM run took ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    for (const l of (r.stderr ?? '').split('\n').filter((x) => x.startsWith('TIME '))) t.diagnostic(l);
    assert.equal(r.status, 0, `VM exit ${r.status}\n${r.stdout}\n${r.stderr}`);
    const halves = r.stdout.split('=== runc\n');
    const mine = (halves[0] ?? '').replaceAll('runts', 'RT');
    const theirs = (halves[1] ?? '').replaceAll('runc', 'RT');
    // What runts must show on its own, whatever runc does.
    for (const want of [
      'create rc=0', 'status=created', 'unit=active', 'Delegate=yes', 'Slice=machine.slice', 'MemoryMax=67108864', 'TasksMax=50',
      'cgroup=/machine.slice/sdtest-RTa.scope', 'memory.max=67108864 pids.max=50 cpu.max=50000 100000',
      'exec 0::/machine.slice/sdtest-RTa.scope rc=0', 'MemoryMax=134217728', 'TasksMax=60', 'memory.max=134217728 pids.max=60 cpu.max=50000 100000',
      'update swap rc=0 MemorySwapMax=134217728 memory.swap.max=134217728', 'status=paused', 'freeze=1', 'ps=1', 'events "pids":{"current":N,"limit":60}', 'status=stopped',
      'cgroup=/system.slice/RT-RTb.scope', 'cgroup=/sdt.slice/sdt-inner.slice/sdtest-RTc.scope', 'bad path rc=1 error=yes', 'list=0',
    ]) assert.ok(mine.split('\n').includes(want), `runts transcript lacks ${JSON.stringify(want)}\n${mine}\n${r.stderr}`);
    assert.equal(mine.split('\n').filter((l) => l.startsWith('left: ')).join('\n'), Array(3).fill('left: unit=inactive loaded=0 cgroup=no').join('\n'), 'nothing left after delete');
    assert.equal(mine, theirs, `runts and runc differ\n--- runts\n${mine}\n--- runc\n${theirs}\n${r.stderr}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
