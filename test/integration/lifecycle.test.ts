/**
 * The OCI lifecycle through the CLI: create -> created, start -> running, exit ->
 * stopped, kill, delete, delete --force, duplicate ids, concurrency, and that a failure
 * at create leaves nothing behind.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { RUNTS, SKIP_NOT_ROOT, mountsUnder, stateOf, until, workspace, type Workspace } from './helpers.js';

describe('lifecycle (CLI)', { skip: SKIP_NOT_ROOT }, () => {
  let ws: Workspace;
  before(() => {
    ws = workspace('life');
  });
  after(() => ws.cleanup());

  it('create -> created, start -> running, exit -> stopped, delete', async () => {
    const id = ws.id();
    ws.writeSpec(ws.spec(['sh', '-c', 'read x < /dev/null; sleep 1.5']));
    const pidFile = join(ws.dir, `${id}.pid`);
    const c = ws.runts(['create', '--bundle', ws.bundle, '--pid-file', pidFile, id]);
    assert.equal(c.status, 0, c.stderr);
    const st = stateOf(ws, id);
    assert.equal(st.status, 'created');
    assert.equal(Number(readFileSync(pidFile, 'utf8')), st.pid);
    assert.ok(existsSync(join(ws.root, id, 'exec.fifo')));
    const full = JSON.parse(ws.runts(['state', id]).stdout);
    for (const k of ['ociVersion', 'id', 'pid', 'status', 'bundle', 'rootfs', 'created', 'owner']) assert.ok(k in full, k);
    assert.equal(full.bundle, ws.bundle);

    assert.equal(ws.runts(['start', id]).status, 0);
    assert.equal(stateOf(ws, id).status, 'running');
    assert.ok(!existsSync(join(ws.root, id, 'exec.fifo')));
    const again = ws.runts(['start', id]);
    assert.equal(again.status, 1);
    assert.match(again.stderr, /cannot start an already running container/);

    await until(() => stateOf(ws, id).status === 'stopped', 10_000, 'stopped');
    assert.equal(stateOf(ws, id).pid, 0);
    assert.equal(ws.runts(['delete', id]).status, 0);
    const gone = ws.runts(['state', id]);
    assert.equal(gone.status, 1);
    assert.match(gone.stderr, /does not exist/);
  });

  it('lists containers as a table, json and ids', () => {
    const id = ws.id();
    ws.writeSpec(ws.spec(['sleep', '10']));
    assert.equal(ws.runts(['create', id]).status, 0);
    const table = ws.runts(['list']).stdout;
    assert.match(table, /^ID\s+PID\s+STATUS\s+BUNDLE\s+CREATED\s+OWNER$/m);
    assert.match(table, new RegExp(`^${id}\\s+\\d+\\s+created\\s`, 'm'));
    const json = JSON.parse(ws.runts(['list', '--format', 'json']).stdout) as Array<{ id: string; status: string }>;
    assert.equal(json.find((c) => c.id === id)?.status, 'created');
    assert.ok(ws.runts(['list', '-q']).stdout.split('\n').includes(id));
    assert.equal(ws.runts(['delete', '--force', id]).status, 0);
  });

  it('kill with names and numbers; kill of a stopped container fails as runc does', async () => {
    const id = ws.id();
    ws.writeSpec(ws.spec(['sh', '-c', 'trap "exit 0" USR1; while true; do sleep 0.05; done']));
    assert.equal(ws.runts(['run', '-d', id]).status, 0);
    assert.equal(stateOf(ws, id).status, 'running');
    assert.equal(ws.runts(['kill', id, 'USR1']).status, 0);
    await until(() => stateOf(ws, id).status === 'stopped', 5000, 'stopped after USR1');
    const k = ws.runts(['kill', id, '9']);
    assert.equal(k.status, 1);
    assert.match(k.stderr, /container not running/);
    const bad = ws.runts(['kill', id, 'SIGNOPE']);
    assert.equal(bad.status, 1);
    assert.match(bad.stderr, /signal/i);
    assert.equal(ws.runts(['delete', id]).status, 0);
  });

  it('kill --all and SIGKILL as a number', async () => {
    const id = ws.id();
    ws.writeSpec(ws.spec(['sleep', '100']));
    assert.equal(ws.runts(['run', '-d', id]).status, 0);
    assert.equal(ws.runts(['kill', '--all', id, '9']).status, 0);
    await until(() => stateOf(ws, id).status === 'stopped', 5000, 'stopped');
    assert.equal(ws.runts(['delete', id]).status, 0);
  });

  it('delete refuses a running container and --force kills it', () => {
    const id = ws.id();
    ws.writeSpec(ws.spec(['sleep', '100']));
    assert.equal(ws.runts(['run', '-d', id]).status, 0);
    const pid = stateOf(ws, id).pid;
    const d = ws.runts(['delete', id]);
    assert.equal(d.status, 1);
    assert.match(d.stderr, /not stopped/);
    assert.equal(ws.runts(['delete', '--force', id]).status, 0);
    assert.ok(!existsSync(join(ws.root, id)));
    // Dead: gone, or a zombie until its parent (tini, the subreaper here) reaps it, which
    // under load can come after delete returned (runc's delete does not wait for it either).
    let stat = '';
    try {
      stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    } catch {
      /* reaped */
    }
    assert.ok(stat === '' || stat.split(') ')[1]!.startsWith('Z'), `init ${pid} still alive: ${stat}`);
    assert.equal(ws.runts(['delete', '--force', id]).status, 0, 'a missing container with --force is fine');
  });

  it('delete --force of a paused container', () => {
    const id = ws.id();
    ws.writeSpec(ws.spec(['sleep', '100']));
    assert.equal(ws.runts(['run', '-d', id]).status, 0);
    assert.equal(ws.runts(['pause', id]).status, 0);
    assert.equal(stateOf(ws, id).status, 'paused');
    const d = ws.runts(['delete', '--force', id]);
    assert.equal(d.status, 0, d.stderr);
    assert.ok(!existsSync(join(ws.root, id)));
  });

  it('refuses a duplicate id and leaves the first one alone', () => {
    const id = ws.id();
    ws.writeSpec(ws.spec(['sleep', '100']));
    assert.equal(ws.runts(['create', id]).status, 0);
    const dup = ws.runts(['create', id]);
    assert.equal(dup.status, 1);
    assert.match(dup.stderr, /already exists/);
    assert.equal(stateOf(ws, id).status, 'created');
    assert.equal(ws.runts(['delete', '--force', id]).status, 0);
  });

  it('a zombie init is stopped, never running', async () => {
    // The parent of a `create`d init is whoever reaps orphans; stop the foreground run's
    // monitor (the init's parent) so the exited init stays a zombie.
    const id = ws.id();
    ws.writeSpec(ws.spec(['sh', '-c', 'sleep 1']));
    const child = spawn(RUNTS, ['--root', ws.root, 'run', '--keep', id], { cwd: ws.bundle, stdio: 'ignore' });
    await until(() => existsSync(join(ws.root, id, 'state.json')) && stateOf(ws, id).status === 'running', 15_000, 'running');
    const pid = stateOf(ws, id).pid;
    const monitor = Number(readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ')[1]);
    process.kill(monitor, 'SIGSTOP');
    try {
      await until(() => readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.startsWith('Z'), 15_000, 'zombie');
      assert.equal(stateOf(ws, id).status, 'stopped');
      assert.equal(stateOf(ws, id).pid, 0);
    } finally {
      process.kill(monitor, 'SIGCONT');
    }
    await new Promise((r) => child.on('close', r));
    assert.equal(ws.runts(['delete', id]).status, 0);
  });

  it('creates and deletes 20 containers concurrently with nothing left', async () => {
    ws.writeSpec(ws.spec(['sleep', '100']));
    const ids = Array.from({ length: 20 }, () => ws.id('conc'));
    const run = (args: string[]) =>
      new Promise<number | null>((res) => spawn(RUNTS, ['--root', ws.root, ...args], { cwd: ws.bundle, stdio: 'ignore' }).on('close', res));
    const created = await Promise.all(ids.map((id) => run(['create', id])));
    assert.deepEqual(created, ids.map(() => 0));
    const list = JSON.parse(ws.runts(['list', '--format', 'json']).stdout) as Array<{ id: string; status: string }>;
    for (const id of ids) assert.equal(list.find((c) => c.id === id)?.status, 'created');
    const deleted = await Promise.all(ids.map((id) => run(['delete', '--force', id])));
    assert.deepEqual(deleted, ids.map(() => 0));
    for (const id of ids) assert.ok(!existsSync(join(ws.root, id)), id);
    assert.deepEqual(mountsUnder(ws.dir), []);
    for (const ctrl of ['memory', 'pids', 'cpu']) {
      const dir = `/sys/fs/cgroup/${ctrl}`;
      if (existsSync(dir)) assert.deepEqual(readdirSync(dir).filter((d) => d.startsWith('conc-')), [], `${ctrl} cgroups left`);
    }
  });
});
