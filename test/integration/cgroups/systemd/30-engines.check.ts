/**
 * Checks the transcripts of 30-engines.sh (podman, containerd and docker with their systemd
 * cgroup defaults): what runts must show on its own per engine (an engine the guest cannot
 * run is left out only when the part said why, for both runtimes alike), nothing left
 * behind, and equality with runc 1.1.5's transcript.
 */
import assert from 'node:assert/strict';

const ctrScope = '/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-podsdeng.slice/cri-containerd-ID.scope';

/** Lines each engine's part must print for runts (after trimming): the caller's view. */
const expected: Record<string, string[]> = {
  podman: [
    'podman import rc=0', 'podman run --rm rc=7 out=hello 0::/', 'podman run -d rc=0', 'inspect running systemd',
    'unit libpod-ID.scope active Delegate=yes MemoryMax=67108864 Slice=machine.slice TasksMax=50',
    'cgroup=/machine.slice/libpod-ID.scope freeze=0', 'exec rc=5 out=67108864 50 0::/', 'top: COMMAND sleep 1000',
    'update rc=0', 'unit libpod-ID.scope active Delegate=yes MemoryMax=134217728 Slice=machine.slice TasksMax=50',
    'after update: 134217728 134217728', 'pause rc=0 status=paused', 'cgroup=/machine.slice/libpod-ID.scope freeze=1',
    'unpause rc=0 status=running', 'stop rc=0 exited 137', 'rm rc=0',
    'left libpod-ID.scope: units=0 cgroups=0', 'left libpod-conmon-ID.scope: units=0 cgroups=0',
  ],
  containerd: [
    'ctr import rc=0', `ctr run --rm rc=3 out=hello 0::${ctrScope}`, 'ctr run -d rc=0 status=RUNNING',
    `cgroup=${ctrScope} freeze=0`, `exec rc=6 out=0::${ctrScope}`, 'ps: 1 process(es)',
    'pause rc=0 status=PAUSED', `cgroup=${ctrScope} freeze=1`, 'resume rc=0 status=RUNNING',
    'kill rc=0', 'status=STOPPED', 'task delete rc=0', 'container delete rc=0', 'left cri-containerd-ID.scope: units=0 cgroups=0',
  ],
  docker: [
    'info: systemd 2 sdeng-rt', 'docker load rc=0', 'docker run --rm rc=7 out=hello 0::/', 'docker run -d rc=0', 'inspect running',
    'unit docker-ID.scope active Delegate=yes MemoryMax=67108864 Slice=system.slice TasksMax=50',
    'cgroup=/system.slice/docker-ID.scope freeze=0', 'exec rc=5 out=67108864 50 0::/', 'top: sleep 1000',
    'update rc=0', 'unit docker-ID.scope active Delegate=yes MemoryMax=134217728 Slice=system.slice TasksMax=60',
    'after update: 134217728 134217728 60', 'pause rc=0 status=paused', 'cgroup=/system.slice/docker-ID.scope freeze=1',
    'unpause rc=0 status=running', 'stop rc=0 exited 137', 'rm rc=0', 'left docker-ID.scope: units=0 cgroups=0',
  ],
};
/** Lines that hold for containerd but with a value (TasksMax, the metrics) that is the guest's default. */
const prefixes: Record<string, string[]> = {
  containerd: ['unit cri-containerd-ID.scope active Delegate=yes MemoryMax=67108864 Slice=kubepods-besteffort-podsdeng.slice TasksMax=', 'metrics: pids.limit '],
};

/** Fails when runts's transcript lacks an expected line or differs from runc's. */
export function check(runts: string, runc: string, stderr: string): void {
  const trim = (s: string) => s.split('\n').map((l) => l.trimEnd()).join('\n');
  const mine = trim(runts);
  const theirs = trim(runc);
  const lines = mine.split('\n');
  const ctx = `\n--- runts\n${mine}\n--- runc\n${theirs}\n${stderr}`;
  let ran = 0;
  for (const [engine, want] of Object.entries(expected)) {
    const skipped = lines.find((l) => l.startsWith(`skip ${engine}: `));
    if (skipped) {
      assert.ok(theirs.split('\n').includes(skipped), `${engine} was left out for runts but not for runc${ctx}`);
      continue;
    }
    ran++;
    for (const w of want) assert.ok(lines.includes(w), `${engine}: runts transcript lacks ${JSON.stringify(w)}${ctx}`);
    for (const p of prefixes[engine] ?? []) assert.ok(lines.some((l) => l.startsWith(p)), `${engine}: runts transcript lacks a line starting ${JSON.stringify(p)}${ctx}`);
  }
  assert.ok(ran > 0, `no engine ran in the guest${ctx}`);
  assert.ok(lines.includes('left at end: units=0 procs=0'), `something was left at the end${ctx}`);
  assert.equal(mine, theirs, `runts and runc differ${ctx}`);
}
