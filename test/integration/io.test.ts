/**
 * Process I/O a caller relies on: signals to a foreground `run` reach the container,
 * detached stdio passes straight through, --preserve-fds and LISTEN_FDS hand over fds
 * (and nothing else leaks), --pidfd-socket gives a working pidfd of the init or exec'd
 * process.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO, RUNTS, SKIP_NOT_ROOT, stateOf, until, workspace, type Workspace } from './helpers.js';

const RECEIVER = join(REPO, 'test', 'integration', 'console-receiver.py');

describe('process I/O', { skip: SKIP_NOT_ROOT }, () => {
  let ws: Workspace;
  before(() => {
    ws = workspace('io');
  });
  after(() => ws.cleanup());

  it('forwards signals to a foreground run; exits with the container status; nothing left', async () => {
    const id = ws.id();
    ws.writeSpec(ws.spec(['sh', '-c', 'trap "echo got-usr1" USR1; trap "echo got-hup" HUP; trap "echo got-term; exit 9" TERM; echo ready; while :; do sleep 0.05; done']));
    const child = spawn(RUNTS, ['--root', ws.root, 'run', '-no-subreaper', id], { cwd: ws.bundle, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    const code = new Promise((res) => child.on('close', res));
    await until(() => out.includes('ready'), 10_000, 'ready');
    const init = stateOf(ws, id).pid;
    child.kill('SIGUSR1');
    await until(() => out.includes('got-usr1'), 5000, 'USR1 in the container');
    child.kill('SIGHUP');
    await until(() => out.includes('got-hup'), 5000, 'HUP in the container');
    child.kill('SIGTERM');
    assert.equal(await code, 9);
    assert.match(out, /got-term/);
    assert.equal(spawnSync('test', ['-e', `/proc/${init}`]).status, 1, 'the init is gone (reaped, no zombie)');
    assert.equal(ws.runts(['state', id]).status, 1, 'run deleted the container');
  });

  it('passes detached stdio straight through (pipes stay pipes)', async () => {
    const id = ws.id();
    ws.writeSpec(ws.spec(['sh', '-c', 'ls -l /proc/self/fd/1 | grep -o "pipe:"; echo hello-from-detached']));
    const child = spawn(RUNTS, ['--root', ws.root, 'run', '-d', id], { cwd: ws.bundle, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    await new Promise((res) => child.stdout.on('end', res)); // EOF: runts and the container both closed it
    assert.equal(out, 'pipe:\nhello-from-detached\n');
    ws.runts(['delete', '-f', id]);
  });

  it('passes --preserve-fds and LISTEN_FDS (before them), and no other fd', () => {
    const id = ws.id();
    ws.writeSpec(ws.spec(['sh', '-c', 'echo "$LISTEN_FDS $LISTEN_PID"; cat <&3; cat <&4; ls /proc/self/fd | tr "\\n" " "']));
    const a = join(ws.dir, 'listen.txt');
    const b = join(ws.dir, 'preserved.txt');
    writeFileSync(a, 'listen fd\n');
    writeFileSync(b, 'preserved fd\n');
    const out = join(ws.dir, 'fds.out');
    const fd = openSync(out, 'w');
    try {
      // LISTEN_PID must be runts's own pid: exec keeps the shell's
      const r = spawnSync('sh', ['-c', `LISTEN_PID=$$ LISTEN_FDS=1 exec ${RUNTS} --root ${ws.root} run --preserve-fds 1 ${id} 3<${a} 4<${b} 5</dev/null`], {
        cwd: ws.bundle, stdio: ['ignore', fd, 'inherit'],
      });
      assert.equal(r.status, 0);
    } finally {
      closeSync(fd);
    }
    const lines = readFileSync(out, 'utf8').split('\n');
    assert.equal(lines[0], '1 1');
    assert.equal(lines[1], 'listen fd');
    assert.equal(lines[2], 'preserved fd');
    assert.equal(lines[3], '0 1 2 3 4 5 ', 'fd 5 is ls\'s own directory; the caller\'s fd 5 did not leak');
  });

  it('ignores LISTEN_FDS meant for another process', () => {
    const id = ws.id();
    ws.writeSpec(ws.spec(['sh', '-c', 'echo "[$LISTEN_FDS]"']));
    const r = spawnSync('sh', ['-c', `LISTEN_PID=1 LISTEN_FDS=1 exec ${RUNTS} --root ${ws.root} run ${id} 3</dev/null`], { cwd: ws.bundle, encoding: 'utf8' });
    assert.equal(r.stdout, '[]\n');
  });

  async function receiver(sock: string) {
    const rec = spawn('python3', [RECEIVER, sock, 'kill'], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    rec.stdout.on('data', (d) => (out += d));
    const done = new Promise((res) => rec.on('close', res));
    await until(() => out.includes('listening'), 5000, 'receiver');
    return { done, out: () => out };
  }

  it('sends a pidfd of the init to --pidfd-socket (run -d), which can kill it', async () => {
    const id = ws.id();
    ws.writeSpec(ws.spec(['sleep', '100']));
    const sock = join(ws.dir, 'pidfd.sock');
    const rec = await receiver(sock);
    const r = ws.runts(['run', '-d', '--pidfd-socket', sock, id]);
    assert.equal(r.status, 0, r.stderr);
    const pid = stateOf(ws, id).pid;
    await rec.done;
    assert.match(rec.out(), new RegExp(`^pid=${pid}$`, 'm'));
    assert.match(rec.out(), /^killed$/m);
    await until(() => stateOf(ws, id).status === 'stopped', 5000, 'stopped');
    ws.runts(['delete', id]);
  });

  it('sends a pidfd of the exec\'d process to exec --pidfd-socket', async () => {
    const id = ws.id();
    ws.writeSpec(ws.spec(['sleep', '100']));
    assert.equal(ws.runts(['run', '-d', id]).status, 0);
    const sock = join(ws.dir, 'pidfd2.sock');
    const rec = await receiver(sock);
    const pidFile = join(ws.dir, 'exec.pid');
    const t0 = Date.now();
    const r = ws.runts(['exec', '--pidfd-socket', sock, '--pid-file', pidFile, id, 'sleep', '100']);
    assert.equal(r.status, 137, 'killed through the pidfd');
    assert.ok(Date.now() - t0 < 10_000);
    await rec.done;
    assert.match(rec.out(), new RegExp(`^pid=${readFileSync(pidFile, 'utf8')}$`, 'm'));
    assert.equal(stateOf(ws, id).status, 'running', 'the init is untouched');
    ws.runts(['delete', '-f', id]);
  });
});
