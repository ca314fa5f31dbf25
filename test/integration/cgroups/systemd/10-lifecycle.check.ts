/**
 * Checks the transcripts of 10-lifecycle.sh (the scope lifecycle with --systemd-cgroup):
 * what runts must show on its own, nothing left after delete, and equality with runc.
 */
import assert from 'node:assert/strict';

/** Fails when runts's transcript lacks an expected line or differs from runc's. */
export function check(runts: string, runc: string, stderr: string): void {
  const mine = runts.replaceAll('runts', 'RT');
  const theirs = runc.replaceAll('runc', 'RT');
  for (const want of [
    'create rc=0', 'status=created', 'unit=active', 'Delegate=yes', 'Slice=machine.slice', 'MemoryMax=67108864', 'TasksMax=50',
    'cgroup=/machine.slice/sdtest-RTa.scope', 'memory.max=67108864 pids.max=50 cpu.max=50000 100000',
    'exec 0::/machine.slice/sdtest-RTa.scope rc=0', 'MemoryMax=134217728', 'TasksMax=60', 'memory.max=134217728 pids.max=60 cpu.max=50000 100000',
    'update swap rc=0 MemorySwapMax=134217728 memory.swap.max=134217728', 'status=paused', 'freeze=1', 'ps=1', 'events "pids":{"current":N,"limit":60}', 'status=stopped',
    'cgroup=/system.slice/RT-RTb.scope', 'cgroup=/sdt.slice/sdt-inner.slice/sdtest-RTc.scope', 'bad path rc=1 error=yes', 'list=0',
  ]) assert.ok(mine.split('\n').includes(want), `runts transcript lacks ${JSON.stringify(want)}\n${mine}\n${stderr}`);
  assert.equal(mine.split('\n').filter((l) => l.startsWith('left: ')).join('\n'), Array(3).fill('left: unit=inactive loaded=0 cgroup=no').join('\n'), 'nothing left after delete');
  assert.equal(mine, theirs, `runts and runc differ\n--- runts\n${mine}\n--- runc\n${theirs}\n${stderr}`);
}
