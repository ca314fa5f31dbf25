/**
 * Checks the transcripts of systemd-hybrid/10-lifecycle.sh (the scope lifecycle with
 * --systemd-cgroup on a hybrid systemd host): what runts must show on its own, nothing
 * left after delete, and equality with runc 1.1.5 (its "info:" lines aside).
 */
import assert from 'node:assert/strict';

const S = '/machine.slice/sdtest-RTa.scope';

/** Fails when runts's transcript lacks an expected line or differs from runc's. */
export function check(runts: string, runc: string, stderr: string): void {
  const mine = runts.replaceAll('runts', 'RT');
  const theirs = runc.replaceAll('runc', 'RT');
  const lines = mine.split('\n');
  for (const want of [
    'create rc=0', 'status=created', 'unit=active', 'Delegate=yes', 'Slice=machine.slice', 'MemoryLimit=67108864', 'TasksMax=50', 'CPUQuotaPerSecUSec=500ms',
    // systemd's hierarchies (name=systemd, cpu,cpuacct, memory, pids, blkio, devices, unified) and runts's own
    ...['name=systemd', 'cpu,cpuacct', 'memory', 'pids', 'blkio', 'devices', 'cpuset', 'freezer', 'perf_event', 'net_cls,net_prio', 'hugetlb', 'rdma', ''].map((h) => `cg ${h}:${S}`),
    `info: misc:${S}`,
    'memory.limit_in_bytes=67108864 pids.max=50 cpu.cfs_quota_us=50000 cpu.cfs_period_us=100000', 'freezer.state=THAWED',
    'devices allow-all=no', 'after daemon-reload: devices allow-all=no', 'start rc=0 status=running', `exec cpuset:${S} freezer:${S} memory:${S} name=systemd:${S} pids:${S}  rc=0`,
    'update rc=0', 'MemoryLimit=134217728', 'TasksMax=60', 'CPUQuotaPerSecUSec=250ms',
    'memory.limit_in_bytes=134217728 pids.max=60 cpu.cfs_quota_us=25000 cpu.cfs_period_us=100000',
    'pause rc=0', 'status=paused', 'freezer.state=FROZEN', 'resume rc=0', 'ps=1', 'events "pids":{"current":N,"limit":60}',
    'events memory limit "limit":134217728', 'exec -d rc=0 ps=2', 'kill --all rc=0', 'status=stopped', 'delete rc=0',
    'cg name=systemd:/system.slice/RT-RTb.scope', 'cg freezer:/system.slice/RT-RTb.scope',
    'cg cpuset:/sdt.slice/sdt-inner.slice/sdtest-RTc.scope', 'cg memory:/sdt.slice/sdt-inner.slice/sdtest-RTc.scope',
    'bad path rc=1 error=yes', 'list=0', 'bad cpus rc=1 error=yes', 'features "systemd":true',
  ]) assert.ok(lines.includes(want), `runts transcript lacks ${JSON.stringify(want)}\n--- runts\n${mine}\n--- runc\n${theirs}\n${stderr}`);
  assert.equal(lines.filter((l) => l.startsWith('left: ')).join('\n'), Array(4).fill('left: unit=inactive loaded=0 dirs=0').join('\n'), 'nothing left after delete');
  assert.equal(lines.filter((l) => l.startsWith('info: parents=')).join('\n'), Array(4).fill('info: parents=0').join('\n'), 'runts removes the slice directories it made');
  const compared = (t: string) => t.split('\n').filter((l) => !l.startsWith('info:')).join('\n');
  assert.equal(compared(mine), compared(theirs), `runts and runc differ\n--- runts\n${mine}\n--- runc\n${theirs}\n${stderr}`);
}
