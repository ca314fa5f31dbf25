/**
 * Terminals: `run -t` / `exec -t` driven from a real pseudo-terminal (pty-driver.py: the
 * test is the terminal emulator, it resizes the window mid-run), and --console-socket
 * with a receiver written as conmon and containerd-shim are (console-receiver.py:
 * recvmsg + SCM_RIGHTS), which then uses the master it got.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { REPO, RUNTS, SKIP_NOT_ROOT, until, workspace, type Workspace } from './helpers.js';

const DRIVER = join(REPO, 'test', 'integration', 'pty-driver.py');
const RECEIVER = join(REPO, 'test', 'integration', 'console-receiver.py');
const HAS_PYTHON = spawnSync('python3', ['-c', 'import socket; socket.recv_fds'], { stdio: 'ignore' }).status === 0;
const SKIP = SKIP_NOT_ROOT || (HAS_PYTHON ? false : 'python3 >= 3.9 drives the pty and receives the console fd');

/** Inside the container: report the terminal, then wait for the resize and report again. */
const PROBE = 'tty; test -t 0 && test -t 1 && echo ISATTY; stty size; echo RESIZE-ME; read x; stty size; exit 7';

function drive(ws: Workspace, args: string[]): { code: number | null; out: string } {
  const r = spawnSync('python3', [DRIVER, '24', '80', '40', '120', RUNTS, '--root', ws.root, ...args], {
    cwd: ws.bundle, encoding: 'utf8', timeout: 40_000,
  });
  return { code: r.status, out: (r.stdout ?? '').replace(/\r/g, '') + (r.stderr ?? '') };
}

function checkProbe(out: string): void {
  const lines = out.split('\n').map((l) => l.trim());
  assert.ok(lines.some((l) => /^\/dev\/pts\/\d+$/.test(l)), `a pts inside:\n${out}`);
  assert.ok(lines.includes('ISATTY'), out);
  assert.ok(lines.includes('24 80'), `consoleSize from the caller's terminal:\n${out}`);
  assert.ok(lines.includes('40 120'), `resize reached the container:\n${out}`);
}

describe('terminals', { skip: SKIP }, () => {
  let ws: Workspace;
  let id: string;
  before(() => {
    ws = workspace('tty');
    id = ws.id();
    ws.writeSpec(ws.spec(['sleep', '1000']));
    assert.equal(ws.runts(['run', '-d', id]).status, 0);
  });
  after(() => ws.cleanup());

  it('run -t relays a pty: a tty inside, the caller\'s size, resizes, exit status, terminal restored', () => {
    const rid = ws.id();
    ws.writeSpec(ws.spec(['sh', '-c', `${PROBE}`], (s) => (s.process!.terminal = true)));
    // stty -g after runts exits shows the caller's terminal is back in cooked mode
    const r = spawnSync('python3', [DRIVER, '24', '80', '40', '120', 'sh', '-c',
      `stty -g > ${ws.dir}/before; ${RUNTS} --root ${ws.root} run ${rid}; rc=$?; stty -g > ${ws.dir}/after; exit $rc`,
    ], { cwd: ws.bundle, encoding: 'utf8', timeout: 40_000 });
    const out = (r.stdout ?? '').replace(/\r/g, '');
    checkProbe(out);
    assert.equal(r.status, 7, out);
    const cat = (f: string) => spawnSync('cat', [join(ws.dir, f)], { encoding: 'utf8' }).stdout;
    assert.equal(cat('after'), cat('before'), 'the caller\'s terminal settings are restored');
  });

  it('exec -t relays a pty the same way', () => {
    const r = drive(ws, ['exec', '-t', id, 'sh', '-c', PROBE]);
    checkProbe(r.out);
    assert.equal(r.code, 7, r.out);
  });

  it('exec -t --console-socket sends a working master to the receiver', async () => {
    const sock = join(ws.dir, 'console.sock');
    const rec = spawn('python3', [RECEIVER, sock, 'echo typed-$((6*7))\nexit\n'], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    rec.stdout.on('data', (d) => (out += d));
    const done = new Promise((res) => rec.on('close', res));
    await until(() => out.includes('listening'), 5000, 'receiver');
    const r = ws.runts(['exec', '-t', '-d', '--console-socket', sock, id, 'sh']);
    assert.equal(r.status, 0, r.stderr);
    await done;
    assert.match(out, /^name=\/dev\/pts\/\d+$/m);
    assert.match(out, /^isatty=True$/m);
    assert.match(out.replace(/\r/g, ''), /^typed-42$/m, out);
  });

  it('create --console-socket with process.terminal: the init\'s pty goes to the socket', async () => {
    const cid = ws.id();
    ws.writeSpec(ws.spec(['sh', '-c', 'tty; read x; echo "init read $x"'], (s) => (s.process!.terminal = true)));
    const sock = join(ws.dir, 'console2.sock');
    const rec = spawn('python3', [RECEIVER, sock, 'hello\n'], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    rec.stdout.on('data', (d) => (out += d));
    const done = new Promise((res) => rec.on('close', res));
    await until(() => out.includes('listening'), 5000, 'receiver');
    const c = ws.runts(['create', '--console-socket', sock, cid]);
    assert.equal(c.status, 0, c.stderr);
    assert.equal(ws.runts(['start', cid]).status, 0);
    await done;
    assert.match(out, /^isatty=True$/m);
    assert.match(out.replace(/\r/g, ''), /^init read hello$/m, out);
    ws.runts(['delete', '-f', cid]);
  });
});
