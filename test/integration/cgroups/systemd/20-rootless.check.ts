/**
 * Checks the transcripts of 20-rootless.sh (rootless --systemd-cgroup with the user's
 * systemd instance): what runts must show on its own, nothing left after delete or a
 * refused create, and equality with runc 1.1.5 except where runts does better on purpose:
 * - an exec'd process: runts has the user's instance move it into the container's unit
 *   (AttachProcessesToUnit); runc 1.1.5 tries cgroup.procs, which the kernel refuses (the
 *   caller's cgroup is outside the user's subtree), and, rootless, runs it where the caller
 *   is. So runts's `ps` also lists the exec'd process.
 * - E (uid 0 of a user namespace) is compared with runc 1.3.6: 1.1.5 fails that config
 *   before cgroups (its mount-sources step cannot setns to the host mount namespace).
 * F is rootless podman 4.3 (its default systemd cgroup manager) with each as --runtime.
 * - features: runc 1.1.5 always says systemdUser true; runts only when the instance answers.
 */
import assert from 'node:assert/strict';

const USER_SLICE = '/user.slice/user-1500.slice/user@1500.service/user.slice';
const DIFFERENT = /^(exec cgroup=|ps=|features no bus: )/;

/** Fails when runts's transcript lacks an expected line or differs from runc's. */
export function check(runts: string, runc: string, stderr: string): void {
  const mine = runts.replaceAll('runts', 'RT');
  const theirs = runc.replaceAll('runc', 'RT');
  const lines = mine.split('\n');
  for (const want of [
    'setup: instance=active bus=yes delegated=cpu memory pids',
    'create rc=0', 'status=created', 'unit=active', 'Delegate=yes', 'Slice=user.slice', 'MemoryMax=67108864', 'TasksMax=50', 'CPUQuotaPerSecUSec=500ms',
    `cgroup=${USER_SLICE}/sdtest-RTa.scope`, 'owner=sdtest memory.max=67108864 pids.max=50 cpu.max=50000 100000',
    'start rc=0 status=running', 'exec -d rc=0', `exec cgroup=${USER_SLICE}/sdtest-RTa.scope`, 'exec output=hello rc=0',
    'update rc=0', 'MemoryMax=134217728', 'TasksMax=60', 'owner=sdtest memory.max=134217728 pids.max=60 cpu.max=50000 100000',
    'pause rc=0', 'status=paused', 'freeze=1', 'resume rc=0', 'freeze=0', 'ps=2', 'events "pids":{"current":N,"limit":60}', 'kill rc=0', 'status=stopped', 'delete rc=0',
    'run -d rc=0', `cgroup=${USER_SLICE}/RT-RTb.scope`, 'delete -f rc=0',
    'undelegated rc=1 error=yes',
    'userns run -d rc=0', `userns unit=active cgroup=${USER_SLICE}/sdtest-RTe.scope`, 'userns delete -f rc=0', 'userns list=0',
    'podman import rc=0', 'podman run -d rc=0', `podman cgroup=${USER_SLICE}/libpod-ID.scope`, 'podman unit=active memory.max=67108864 pids.max=50',
    'podman exec=hi rc=0', 'podman rm rc=0', 'podman left: unit=inactive cgroup=no',
    'features systemdUser=true', 'features no bus: systemdUser=false', 'list=0',
  ]) assert.ok(lines.includes(want), `runts transcript lacks ${JSON.stringify(want)}\n${mine}\n${stderr}`);
  assert.equal(lines.filter((l) => l.startsWith('left: ')).join('\n'), Array(4).fill('left: unit=inactive loaded=0 cgroup=no state=0').join('\n'), 'nothing left after delete or a refused create');
  assert.match(stderr, /linux\.resources\.cpu\.cpus: the cpuset controller is not delegated to the user's systemd instance/, 'the refusal names the field and the reason');
  const same = (t: string) => t.split('\n').filter((l) => !DIFFERENT.test(l)).join('\n');
  assert.equal(same(mine), same(theirs), `runts and runc differ\n--- runts\n${mine}\n--- runc\n${theirs}\n${stderr}`);
}
