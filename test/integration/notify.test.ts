/**
 * NOTIFY_SOCKET (sd_notify), as runc: the container gets NOTIFY_SOCKET=/run/notify/notify.sock,
 * its READY=1 reaches the caller's socket (a listener playing systemd,
 * notify-listener.py) with MAINPID rewritten to the host pid, `start` and `run -d` return
 * only after READY=1, and without NOTIFY_SOCKET nothing of this exists. The sender in the
 * container is sdnotify.c, built static here (busybox cannot send a unix datagram).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { Runtime } from '../../src/index.js';
import { REPO, RUNTS, SHIM, SKIP_NOT_ROOT, stateOf, until, workspace, type Workspace } from './helpers.js';

const LISTENER = join(REPO, 'test', 'integration', 'notify-listener.py');
const SENDER = join(REPO, 'test', 'integration', 'sdnotify.c');

interface Datagram {
  t: number;
  data: string;
  pid: number;
}

/** A listener on addr; msgs() reads what arrived so far. */
async function listen(ws: Workspace, addr: string): Promise<{ msgs: () => Datagram[]; stop: () => void }> {
  const out = join(ws.dir, `listener-${Date.now()}-${Math.random()}.out`);
  const fd = openSync(out, 'w');
  const child: ChildProcess = spawn('python3', [LISTENER, addr], { stdio: ['ignore', fd, 'inherit'] });
  closeSync(fd);
  const text = () => readFileSync(out, 'utf8');
  await until(() => text().startsWith('listening'), 10_000, 'the listener');
  return {
    msgs: () => text().split('\n').slice(1).filter(Boolean).map((l) => JSON.parse(l) as Datagram),
    stop: () => child.kill('SIGKILL'),
  };
}

/** Relays running for this workspace (their argv names its state root). */
function proxies(ws: Workspace): string[] {
  return readdirSync('/proc').filter((p) => /^\d+$/.test(p)).map((pid) => {
    try {
      return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ');
    } catch {
      return '';
    }
  }).filter((cmd) => cmd.includes(' notify-proxy ') && cmd.includes(ws.root));
}

// The caller is played by python3, the container's sender is built with gcc -static.
const tools = ['python3', 'gcc'].filter((t) => spawnSync(t, ['--version'], { stdio: 'ignore' }).status !== 0);
const SKIP = SKIP_NOT_ROOT || (tools.length ? `needs ${tools.join(' and ')} (the listener and the static sender)` : false);

describe('NOTIFY_SOCKET', { skip: SKIP }, () => {
  let ws: Workspace;
  let rootfs: string;
  const runts = (args: string[], env: Record<string, string> = {}) => {
    // stderr to a file, not a pipe: a detached container inherits it.
    const errFile = join(ws.dir, '.notify-err');
    const fd = openSync(errFile, 'w');
    const t0 = Date.now();
    const r = spawnSync(RUNTS, ['--root', ws.root, ...args], { cwd: ws.bundle, timeout: 30_000, stdio: ['ignore', 'ignore', fd], env: { ...process.env, ...env } });
    const end = Date.now();
    closeSync(fd);
    return { status: r.status, stderr: readFileSync(errFile, 'utf8'), end, ms: end - t0 };
  };
  const spec = (script: string, readonly = false) => {
    const s = ws.spec(['sh', '-c', script]);
    s.root = { path: rootfs, readonly };
    return s;
  };

  before(() => {
    ws = workspace('notify');
    rootfs = ws.privateRootfs();
    const cc = spawnSync('gcc', ['-static', '-O2', '-o', join(rootfs, 'bin', 'sdnotify'), SENDER], { encoding: 'utf8' });
    assert.equal(cc.status, 0, cc.stderr);
  });
  after(() => ws.cleanup());

  it('create + start: READY=1 reaches the caller with the host MAINPID; start returns only after it', async () => {
    const l = await listen(ws, join(ws.dir, 'caller.sock'));
    try {
      const id = ws.id();
      // The process reports its env, waits 1 s, then says READY (its own MAINPID is dropped).
      ws.writeSpec(spec('sdnotify "STATUS=env $NOTIFY_SOCKET"; sleep 1; sdnotify "MAINPID=1\nREADY=1"; sleep 100', true));
      const env = { NOTIFY_SOCKET: join(ws.dir, 'caller.sock') };
      const c = runts(['create', id], env);
      assert.equal(c.status, 0, c.stderr);
      assert.ok(existsSync(join(ws.root, id, 'notify')), 'notify dir in the state dir');
      assert.deepEqual(proxies(ws), [], 'nothing runs between create and start');
      const s = runts(['start', id], env);
      assert.equal(s.status, 0, s.stderr);
      const msgs = l.msgs();
      assert.equal(msgs.length, 2, JSON.stringify(msgs));
      assert.equal(msgs[0]!.data, 'STATUS=env /run/notify/notify.sock\n');
      const pid = stateOf(ws, id).pid;
      assert.equal(msgs[1]!.data, `READY=1\nMAINPID=${pid}\n`);
      assert.ok(s.ms >= 900, `start returned after ${s.ms} ms, before READY`);
      assert.ok(msgs[1]!.t <= s.end, 'READY arrived before start returned');
      assert.equal(stateOf(ws, id).status, 'running');
      const mnt = readFileSync(`/proc/${pid}/mountinfo`, 'utf8').split('\n').find((m) => m.split(' ')[4] === '/run/notify');
      assert.match(mnt ?? 'no /run/notify mount', /^\S+ \S+ \S+ \S+ \/run\/notify ro,nosuid,nodev,noexec/);
      assert.deepEqual(proxies(ws), [], 'the relay exits after READY');
      assert.equal(runts(['delete', '-f', id]).status, 0);
      assert.ok(!existsSync(join(ws.root, id)));
    } finally {
      l.stop();
    }
  });

  it('run -d with an abstract caller socket returns after READY=1', async () => {
    const name = `@runts-notify-${process.pid}`;
    const l = await listen(ws, name);
    try {
      const id = ws.id();
      const sp = spec('sleep 0.5; sdnotify READY=1; sleep 100');
      sp.process!.user = { uid: 1000, gid: 1000 }; // any uid may send
      ws.writeSpec(sp);
      const r = runts(['run', '-d', id], { NOTIFY_SOCKET: name });
      assert.equal(r.status, 0, r.stderr);
      assert.ok(r.ms >= 450, `run -d returned after ${r.ms} ms`);
      const pid = stateOf(ws, id).pid;
      assert.deepEqual(l.msgs().map((m) => m.data), [`READY=1\nMAINPID=${pid}\n`]);
      assert.equal(runts(['delete', '-f', id]).status, 0);
    } finally {
      l.stop();
    }
  });

  it('foreground run: READY=1 with MAINPID and sender = the runts process, which stays', async () => {
    const sock = join(ws.dir, 'caller3.sock');
    const l = await listen(ws, sock);
    try {
      const id = ws.id();
      ws.writeSpec(spec('sdnotify READY=1; sleep 0.5; exit 4'));
      const child = spawn(RUNTS, ['--root', ws.root, 'run', id], { cwd: ws.bundle, stdio: 'ignore', env: { ...process.env, NOTIFY_SOCKET: sock } });
      const code = await new Promise((res) => child.on('exit', res));
      assert.equal(code, 4);
      const msgs = l.msgs();
      assert.deepEqual(msgs.map((m) => m.data), [`READY=1\nMAINPID=${child.pid}\n`]);
      assert.equal(msgs[0]!.pid, child.pid, 'sent with the credentials of the runts process');
      assert.deepEqual(proxies(ws), []);
      assert.ok(!existsSync(join(ws.root, id)), 'run removed the container, notify dir included');
    } finally {
      l.stop();
    }
  });

  it('library on this runtime (Node or Bun): create({ notifySocket }) + start() waits for READY=1', async () => {
    const sock = join(ws.dir, 'caller4.sock');
    const l = await listen(ws, sock);
    try {
      const rt = new Runtime({ root: ws.root, shimPath: SHIM });
      const c = await rt.create(ws.id(), spec('sleep 0.5; sdnotify READY=1; sleep 100'), { bundle: ws.bundle, notifySocket: sock, stdio: ['ignore', 'ignore', 'ignore'] });
      const t0 = Date.now();
      c.start();
      const ms = Date.now() - t0;
      const msgs = l.msgs();
      assert.deepEqual(msgs.map((m) => m.data), [`READY=1\nMAINPID=${c.state().pid}\n`]);
      assert.ok(ms >= 450 && msgs[0]!.t <= Date.now(), `start() returned after ${ms} ms`);
      c.delete({ force: true });
      assert.deepEqual(proxies(ws), []);
    } finally {
      l.stop();
    }
  });

  it('start returns when the process exits without READY=1; no relay left', async () => {
    const l = await listen(ws, join(ws.dir, 'caller2.sock'));
    try {
      const id = ws.id();
      ws.writeSpec(spec('sleep 0.3; exit 3'));
      const env = { NOTIFY_SOCKET: join(ws.dir, 'caller2.sock') };
      assert.equal(runts(['create', id], env).status, 0);
      const s = runts(['start', id], env);
      assert.equal(s.status, 0, s.stderr);
      assert.ok(s.ms < 10_000);
      await until(() => proxies(ws).length === 0, 5000, 'the relay to exit');
      assert.deepEqual(l.msgs(), []);
      assert.equal(runts(['delete', id]).status, 0);
    } finally {
      l.stop();
    }
  });

  it('without NOTIFY_SOCKET: no notify dir, no env, no relay', () => {
    const id = ws.id();
    ws.writeSpec(spec('echo "[$NOTIFY_SOCKET]" > /tmp/env.t; mv /tmp/env.t /tmp/env; sleep 100'));
    const env = { ...process.env };
    delete env['NOTIFY_SOCKET'];
    const r = spawnSync(RUNTS, ['--root', ws.root, 'run', '-d', id], { cwd: ws.bundle, stdio: 'ignore', env });
    assert.equal(r.status, 0);
    assert.ok(!existsSync(join(ws.root, id, 'notify')));
    assert.deepEqual(proxies(ws), []);
    const pid = stateOf(ws, id).pid;
    return until(() => existsSync(`/proc/${pid}/root/tmp/env`), 10_000, 'the process').then(() => {
      assert.equal(readFileSync(`/proc/${pid}/root/tmp/env`, 'utf8'), '[]\n');
      assert.doesNotMatch(readFileSync(`/proc/${pid}/mountinfo`, 'utf8'), / \/run\/notify /);
      assert.equal(runts(['delete', '-f', id]).status, 0);
    });
  });

  it('a relative NOTIFY_SOCKET is refused, nothing left behind', () => {
    const id = ws.id();
    ws.writeSpec(spec('true'));
    const r = runts(['create', id], { NOTIFY_SOCKET: 'relative.sock' });
    assert.equal(r.status, 1);
    assert.match(r.stderr, /notifySocket.*absolute path/);
    assert.ok(!existsSync(join(ws.root, id)));
  });
});
