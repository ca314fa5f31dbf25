/**
 * kill, list and the parked init as runc handles them (issue 17), each bundle through runts
 * and the reference runc: `kill --all` (and SIGKILL without a pid namespace of its own)
 * reaches every process of the cgroup, also once the init has exited; a created
 * container's init dies of SIGTERM sent through its pidfd; `list` with a missing --root.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { RUNTS, SKIP_NOT_ROOT, until, type Workspace } from './helpers.js';
import { both, pairIds, runc, SKIP_NO_RUNC, type Runtime, withWs } from './runc-side.js';
import type { Spec } from '../../src/spec/types.js';

const skip = SKIP_NOT_ROOT || SKIP_NO_RUNC;


const hostPid = (s: Spec) => (s.linux!.namespaces = s.linux!.namespaces!.filter((n) => n.type !== 'pid'));

/** Pids in the container's cgroup (pids hierarchy on v1/hybrid, the unified dir on v2). */
function cgroupPids(id: string): number[] {
  for (const f of [`/sys/fs/cgroup/pids/${id}/cgroup.procs`, `/sys/fs/cgroup/${id}/cgroup.procs`]) {
    if (existsSync(f)) return readFileSync(f, 'utf8').split('\n').filter(Boolean).map(Number);
  }
  return [];
}

const cli = (ws: Workspace, rt: Runtime, args: string[]) => (rt === 'runts' ? ws.runts(args) : runc(ws, args));

test('kill once the init has exited (host pid namespace): SIGKILL reaches the rest in both; --all any signal in runts', { skip }, withWs('kill-left', async (ws) => {
  // The init exits at once; its two children live on in the cgroup (no pid namespace
  // takes them down with it), so the container is "stopped" with processes left.
  ws.writeSpec(ws.spec(['sh', '-c', 'sleep 601 & sleep 602 & exit 0'], hostPid));
  const cases: Array<[string[], number, boolean]> = [
    // [kill args, exit status, processes gone]
    [['TERM'], 1, false], // the init is gone: "container not running", as runc
    [['KILL'], 0, true], // runc 1.2+: SIGKILL without a pid namespace kills the whole cgroup
    [['--all', 'KILL'], 0, true],
  ];
  for (const [args, status, gone] of cases) {
    const ids = pairIds(ws);
    const up = both(ws, (rt) => ['run', '-d', ids[rt]]);
    assert.deepEqual([up.runts.status, up.runc.status], [0, 0], up.runts.stderr + up.runc.stderr);
    for (const rt of ['runts', 'runc'] as const) {
      await until(() => cgroupPids(ids[rt]).length === 2 && JSON.parse(cli(ws, rt, ['state', ids[rt]]).stdout).status === 'stopped', 5000, `${rt}: init gone, 2 left`);
      const k = cli(ws, rt, ['kill', ...args.slice(0, -1), ids[rt], args.at(-1)!]);
      assert.equal(k.status, status, `${rt} kill ${args.join(' ')}: ${k.stderr}`);
      if (status) assert.match(k.stderr, /container not running/);
      if (gone) await until(() => cgroupPids(ids[rt]).length === 0, 5000, `${rt}: kill ${args.join(' ')} reached everyone`);
      else assert.equal(cgroupPids(ids[rt]).length, 2, `${rt}: kill ${args.join(' ')} left them`);
      assert.equal(cli(ws, rt, ['delete', '--force', ids[rt]]).status, 0);
    }
  }
  // --all with another signal: runts reaches every process (as runc 1.1 did); runc 1.3
  // answers 0 and signals nobody (its --all is a no-op now). runts is the one that works.
  const ids = pairIds(ws);
  both(ws, (rt) => ['run', '-d', ids[rt]]);
  for (const rt of ['runts', 'runc'] as const) await until(() => cgroupPids(ids[rt]).length === 2, 5000, `${rt}: 2 left`);
  const k = both(ws, (rt) => ['kill', '--all', ids[rt], 'TERM']);
  assert.deepEqual([k.runts.status, k.runc.status], [0, 0], k.runts.stderr + k.runc.stderr);
  await until(() => cgroupPids(ids.runts).length === 0, 5000, 'runts: kill --all TERM reached everyone');
  assert.equal(cgroupPids(ids.runc).length, 2, 'runc 1.3: kill --all TERM signals nobody once the init is gone');
}));

test('kill --all of a running container without its own pid namespace kills every process, as runc', { skip }, withWs('kill-hostpid', async (ws) => {
  ws.writeSpec(ws.spec(['sh', '-c', 'sleep 601 & sleep 602 & exec sleep 603'], hostPid));
  const ids = pairIds(ws);
  const up = both(ws, (rt) => ['run', '-d', ids[rt]]);
  assert.deepEqual([up.runts.status, up.runc.status], [0, 0], up.runts.stderr + up.runc.stderr);
  for (const rt of ['runts', 'runc'] as const) await until(() => cgroupPids(ids[rt]).length === 3, 5000, `${rt}: 3 processes`);
  const k = both(ws, (rt) => ['kill', '--all', ids[rt], 'KILL']);
  assert.deepEqual([k.runts.status, k.runc.status], [0, 0], k.runts.stderr + k.runc.stderr);
  for (const rt of ['runts', 'runc'] as const) {
    await until(() => cgroupPids(ids[rt]).length === 0, 5000, `${rt}: all killed`);
    await until(() => JSON.parse(cli(ws, rt, ['state', ids[rt]]).stdout).status === 'stopped', 5000, `${rt}: stopped`);
  }
  // --all on the stopped, empty container is not an error (runc 1.2+); without it, it is.
  const again = both(ws, (rt) => ['kill', '--all', ids[rt], 'KILL']);
  assert.deepEqual([again.runts.status, again.runc.status], [0, 0], again.runts.stderr + again.runc.stderr);
}));

test('a created container\'s init dies of SIGTERM sent through its pidfd, as runc\'s (pid namespace and host pid namespace)', { skip }, withWs('parked-term', async (ws) => {
  for (const own of [true, false]) {
    ws.writeSpec(ws.spec(['sleep', '600'], own ? undefined : hostPid));
    const ids = pairIds(ws);
    const c = both(ws, (rt) => ['create', ids[rt]]);
    assert.deepEqual([c.runts.status, c.runc.status], [0, 0], c.runts.stderr + c.runc.stderr);
    for (const rt of ['runts', 'runc'] as const) {
      const st = JSON.parse(cli(ws, rt, ['state', ids[rt]]).stdout) as { pid: number; status: string };
      assert.equal(st.status, 'created');
      const py = spawnSync('python3', ['-c', `import os, signal; signal.pidfd_send_signal(os.pidfd_open(${st.pid}), signal.SIGTERM)`], { encoding: 'utf8' });
      assert.equal(py.status, 0, py.stderr);
      await until(() => JSON.parse(cli(ws, rt, ['state', ids[rt]]).stdout).status === 'stopped', 5000, `${rt} (${own ? 'own' : 'host'} pid ns): parked init died of SIGTERM`);
      // `start` of the dead container fails in both.
      const s = cli(ws, rt, ['start', ids[rt]]);
      assert.equal(s.status, 1, `${rt}: ${s.stderr}`);
      assert.equal(cli(ws, rt, ['delete', ids[rt]]).status, 0);
    }
  }
}));

test('list: a --root that does not exist fails as runc; the missing default root is an empty list', { skip }, withWs('list-root', (ws) => {
  const missing = join(ws.dir, 'no-such-root');
  for (const args of [['list'], ['list', '-q'], ['list', '--format', 'json']]) {
    const r = spawnSync(RUNTS, ['--root', missing, ...args], { encoding: 'utf8' });
    const c = runc(ws, args, { root: missing });
    assert.deepEqual([r.status, r.stdout], [c.status, c.stdout], `${args.join(' ')}: ${r.stderr} / ${c.stderr}`);
    assert.equal(r.status, 1);
    assert.equal(r.stderr, `runts: open ${missing}: no such file or directory\n`);
    assert.match(c.stderr, new RegExp(`open ${missing}: no such file or directory`));
  }
  assert.equal(existsSync(missing), false, 'list made no directory');
  // The default root (/run/runts) in a private mount namespace with an empty /run, so the
  // host's is never looked at or touched.
  const script = `mount -t tmpfs tmpfs /run && ${RUNTS} list && ${RUNTS} list -q && ${RUNTS} list --format json && ls -A /run`;
  const r = spawnSync('unshare', ['-m', '--propagation', 'private', 'sh', '-c', script], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout, 'ID   PID   STATUS   BUNDLE   CREATED   OWNER\n[]\n', 'empty table, nothing for -q, [] for json; /run left empty');
}));
