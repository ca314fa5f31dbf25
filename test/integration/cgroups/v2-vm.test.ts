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
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bpfShim, repoRoot, SKIP_NOT_ROOT } from './helpers.js';

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
