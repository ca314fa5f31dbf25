/**
 * Crash safety: runts SIGKILLed at every named step of create, start, delete and exec
 * (RUNTS_TEST_CRASH_AT, see src/sys/crash.ts) leaves a state that `state`, `list` and
 * `delete` handle: the status reported is the one the facts support, the shim notices
 * its dead parent and exits, and after `delete --force` no process, cgroup, mount,
 * state dir or fifo is left.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { requireCriu } from '../../src/criu/binary.js';
import { CRASH_POINTS, type CrashPoint } from '../../src/sys/crash.js';
import { RUNTS, SKIP_NOT_ROOT, cgroupsNamed, initsUnder, mountsUnder, rootfs, until, workspace, type Workspace } from './helpers.js';

/** What each crash leaves, as `state` must report it ('missing' = does not exist). */
const EXPECT: Record<CrashPoint, 'missing' | 'stopped' | 'created' | 'running'> = {
  'create:after-reserve': 'missing',
  'create:after-state': 'stopped',
  'create:after-cgroup': 'stopped',
  'create:after-spawn': 'stopped',
  'create:after-pid': 'stopped',
  'create:after-ready': 'stopped',
  'create:after-final-state': 'created',
  'start:after-lock': 'created',
  'start:after-release': 'running',
  'delete:after-lock': 'running',
  'delete:after-kill': 'stopped',
  'delete:after-cgroup': 'stopped',
  'exec:after-spawn': 'running',
  'exec:after-pid': 'running',
  'exec:after-ready': 'running',
  'checkpoint:after-lock': 'running',
  'checkpoint:before-dump': 'running',
  // CRIU loses its peer while the container is frozen: it must abort and thaw it.
  'checkpoint:in-dump': 'running',
  // The dump is done and CRIU killed the processes; runts died before removing the container.
  'checkpoint:after-dump': 'stopped',
};

/** A CRIU that passes `criu check` (as checkpoint.test.ts finds it), or why not. */
function usableCriu(): { path?: string; skip: string | false } {
  if (SKIP_NOT_ROOT) return { skip: SKIP_NOT_ROOT };
  let why = '';
  for (const path of ['/opt/criu4/bin/criu', undefined]) {
    if (path && !existsSync(path)) continue;
    try {
      return { path: requireCriu(path ? { path } : {}).path, skip: false };
    } catch (e) {
      why = (e as Error).message;
    }
  }
  return { skip: `no usable CRIU: ${why}` };
}
const CRIU = usableCriu();

describe('crash safety: SIGKILL at each step', { skip: SKIP_NOT_ROOT }, () => {
  let ws: Workspace;
  before(() => {
    ws = workspace('crash');
    ws.writeSpec(ws.spec(['sleep', '1000']));
  });
  after(() => ws.cleanup());

  function cli(args: string[], crashAt?: string) {
    const out = join(ws.dir, '.crash-out');
    const fds = [openSync(out, 'w'), openSync(`${out}.err`, 'w')];
    try {
      const env = { ...process.env, ...(crashAt ? { RUNTS_TEST_CRASH_AT: crashAt } : {}) };
      const r = spawnSync(RUNTS, ['--root', ws.root, ...args], { cwd: ws.bundle, env, timeout: 60_000, stdio: ['ignore', fds[0]!, fds[1]!] });
      return { status: r.status, signal: r.signal, stdout: readFileSync(out, 'utf8'), stderr: readFileSync(`${out}.err`, 'utf8') };
    } finally {
      for (const fd of fds) closeSync(fd);
    }
  }

  function cgroupProcs(id: string): number[] {
    const st = JSON.parse(readFileSync(join(ws.root, id, 'state.json'), 'utf8')) as { cgroup: { paths: Record<string, string> } | null };
    for (const dir of Object.values(st.cgroup?.paths ?? {})) {
      try {
        return readFileSync(join(dir, 'cgroup.procs'), 'utf8').split('\n').filter(Boolean).map(Number);
      } catch {
        /* not created (yet), or another controller */
      }
    }
    return [];
  }

  const comm = (pid: number) => {
    try {
      return readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
    } catch {
      return '';
    }
  };

  for (const point of CRASH_POINTS) {
    const checkpoint = point.startsWith('checkpoint:');
    const skip = checkpoint && CRIU.skip ? `${CRIU.skip}` : false;
    it(point, { skip }, async () => {
      const id = ws.id(point.replace(':', '-'));
      const [verb] = point.split(':');
      if (verb !== 'create') assert.equal(cli(['create', id]).status, 0);
      if (verb === 'delete' || verb === 'exec' || checkpoint) assert.equal(cli(['start', id]).status, 0);

      const image = join(ws.dir, `image-${id}`);
      const args = verb === 'exec' ? ['exec', '-d', id, 'sleep', '1000']
        : verb === 'delete' ? ['delete', '--force', id]
        : checkpoint ? ['--criu', CRIU.path as string, 'checkpoint', '--image-path', image, id]
        : [verb!, id];
      const r = cli(args, point);
      assert.equal(r.signal, 'SIGKILL', `runts ${args.join(' ')} should have died at ${point}: status ${r.status}, ${r.stderr}`);

      // The shim notices its dead parent and exits: nothing but the parked or running
      // container processes stays in the cgroup.
      if (existsSync(join(ws.root, id, 'state.json'))) {
        await until(() => cgroupProcs(id).every((p) => comm(p) !== 'runts-init'), 10_000, `shim of ${id} to exit after its parent died`);
      }

      const want = EXPECT[point];
      const st = cli(['state', id]);
      if (want === 'missing') {
        assert.equal(st.status, 1);
        assert.match(st.stderr, /does not exist/);
      } else {
        assert.equal(st.status, 0, st.stderr);
        assert.equal(JSON.parse(st.stdout).status, want, `state after ${point}`);
      }
      const list = JSON.parse(cli(['list', '--format', 'json']).stdout || '[]') as Array<{ id: string; status: string }>;
      assert.equal(list.find((c) => c.id === id)?.status, want === 'missing' ? undefined : want, `list after ${point}`);

      // The lock a crashed holder left is broken, and the container stays usable.
      if (point === 'start:after-lock') {
        assert.equal(cli(['start', id]).status, 0);
        assert.equal(JSON.parse(cli(['state', id]).stdout).status, 'running');
      }

      const d = cli(['delete', '--force', id]);
      assert.equal(d.status, 0, d.stderr);
      assert.ok(!existsSync(join(ws.root, id)), 'state dir (and its fifo) left');
      assert.match(cli(['state', id]).stderr, /does not exist/);
      assert.deepEqual(cgroupsNamed(id), [], 'cgroups left');
      assert.deepEqual(mountsUnder(ws.dir), [], 'mounts left');
      await until(() => initsUnder(rootfs()).length === 0, 5000, 'container processes to be gone');
    });
  }
});
