/**
 * A bus that never answers: the D-Bus client gives up after its timeout with an error
 * naming D-Bus, the socket and what it waited for, on the library's transport (Node's
 * worker thread) and on the command line's (the C host module's non-blocking fd). The bus
 * is a real unix socket served by a child process that accepts and then stays silent (or
 * answers the SASL exchange only, so that a method call is what goes unanswered).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { once } from 'node:events';
import { DBus } from '../../../src/cgroups/systemd/dbus.js';
import { RuntsError } from '../../../src/errors.js';

const REPO = resolve(import.meta.dirname, '../../../..');
const CLI = join(REPO, 'bin', 'runts');

// mode "silent": accept, read, never write; "auth": answer AUTH with OK, then silence.
const SERVER = `
const net = require('node:net');
const [path, mode] = process.argv.slice(1);
net.createServer((s) => {
  s.on('data', (d) => { if (mode === 'auth' && d.includes('AUTH')) s.write('OK 0123456789abcdef0123456789abcdef\\r\\n'); });
  s.on('error', () => {});
}).listen(path, () => console.log('ready'));
`;

let dir = '';
const servers: ChildProcess[] = [];
const sockets: Record<string, string> = {};

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'runts-dbus-silent-'));
  for (const mode of ['silent', 'auth']) {
    const path = join(dir, `${mode}.sock`);
    const child = spawn(process.execPath, ['-e', SERVER, path, mode], { stdio: ['ignore', 'pipe', 'inherit'] });
    servers.push(child);
    await once(child.stdout!, 'data');
    sockets[mode] = path;
  }
});

after(() => {
  for (const s of servers) s.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

function timesOut(fn: () => unknown, pattern: RegExp, budgetMs: number): number {
  const t0 = performance.now();
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof RuntsError, `a RuntsError, got ${String(e)}`);
    assert.equal(e.code, 'ETIMEOUT');
    assert.match(e.message, pattern);
    return true;
  });
  const took = performance.now() - t0;
  assert.ok(took < budgetMs, `gave up after ${took.toFixed(0)} ms (budget ${budgetMs} ms)`);
  return took;
}

test('library (Node worker transport): no answer to AUTH, then no reply to a method', (t) => {
  const took = timesOut(() => DBus.connect(`unix:path=${sockets.silent}`, 300), /D-Bus \(.*silent\.sock\): no answer to AUTH EXTERNAL within 300 ms/, 15000);
  assert.ok(took >= 290, `waited the whole timeout (${took.toFixed(0)} ms)`);
  timesOut(() => DBus.connect(`unix:path=${sockets.auth}`, 300), /no reply to org\.freedesktop\.DBus\.Hello within 300 ms/, 15000);
  t.diagnostic(`gave up after ${took.toFixed(0)} ms`);
});

test('command line (C host module): a delete whose systemd unit is on a silent bus fails, does not hang', { skip: existsSync(CLI) ? false : `no ${CLI} (make build)` }, () => {
  // A stopped container whose state names a systemd unit on the silent bus: delete stops
  // the unit over D-Bus (state.json as create writes it for the systemd driver).
  for (const [mode, want] of [
    ['silent', /stop systemd unit runts-t1\.scope: D-Bus \(.*silent\.sock\): no answer to AUTH EXTERNAL within 400 ms/],
    ['auth', /stop systemd unit runts-t1\.scope: D-Bus \(.*auth\.sock\): no reply to org\.freedesktop\.DBus\.Hello within 400 ms/],
  ] as const) {
    const root = join(dir, `root-${mode}`);
    mkdirSync(join(root, 't1'), { recursive: true });
    const state = {
      version: 1, id: 't1', pid: 0, pidStart: 0, bundle: dir, rootfs: join(dir, 'rootfs'), created: new Date().toISOString(), owner: '',
      spec: { ociVersion: '1.0.2', root: { path: 'rootfs' }, process: { args: ['true'], cwd: '/' } },
      cgroup: { layout: 'v2', paths: { '': join(dir, 'no-such-cgroup') }, systemd: { unit: 'runts-t1.scope', slice: 'system.slice', bus: `unix:path=${sockets[mode]}` } },
    };
    writeFileSync(join(root, 't1', 'state.json'), JSON.stringify(state));
    const t0 = performance.now();
    const r = spawnSync(CLI, ['--root', root, 'delete', 't1'], { encoding: 'utf8', timeout: 20_000, env: { ...process.env, RUNTS_DBUS_TIMEOUT_MS: '400' } });
    const took = performance.now() - t0;
    assert.equal(r.signal, null, `the CLI hung (killed after ${took.toFixed(0)} ms)`);
    assert.equal(r.status, 1, r.stderr);
    assert.match(r.stderr, want);
    assert.ok(took < 10_000, `took ${took.toFixed(0)} ms`);
    assert.deepEqual(readdirSync(join(root, 't1')).filter((f) => f !== 'state.json' && !f.startsWith('.')), [], 'nothing new in the state dir');
  }
});
