/**
 * The library, as a TypeScript user calls it: the README example, stdio as streams and
 * fds, users by name, wait/exit status, processes, signal, state, delete.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Runtime } from '../../src/index.js';
import { RuntsError } from '../../src/errors.js';
import { spawnSync } from 'node:child_process';
import { REPO, SHIM, SKIP_NOT_ROOT, workspace, type Workspace } from './helpers.js';

const BUN = join(REPO, 'node_modules', '.bin', 'bun');

async function text(s: NodeJS.ReadableStream | null): Promise<string> {
  let out = '';
  for await (const c of s!) out += c;
  return out;
}

describe('library', { skip: SKIP_NOT_ROOT }, () => {
  let ws: Workspace;
  let rt: Runtime;
  before(() => {
    ws = workspace('lib');
    rt = new Runtime({ root: ws.root, shimPath: SHIM });
  });
  after(() => ws.cleanup());

  it('runs a process as a named user with piped stdio and returns its status', async () => {
    const id = ws.id();
    const { container, process: proc } = await rt.run(id, ws.spec(['true']), {
      bundle: ws.bundle,
      process: { args: ['sh', '-c', 'id; pwd; cat; exit 3'], user: 'daemon', cwd: '/tmp', env: ['PATH=/bin'] },
    });
    proc.stdin!.end('from stdin\n');
    const [out, status] = await Promise.all([text(proc.stdout), proc.wait()]);
    assert.equal(out, 'uid=1(daemon) gid=1(daemon) groups=29(audio)\n/tmp\nfrom stdin\n');
    assert.deepEqual(status, { code: 3 });
    assert.equal(container.status(), 'stopped');
    container.delete();
    assert.throws(() => rt.load(id), (e: unknown) => e instanceof RuntsError && e.code === 'ENOTFOUND' && /does not exist/.test(e.message));
  });

  it('wait() resolves only after piped stdout has ended, on Node and Bun (small output and more than a pipe buffer)', () => {
    const fixture = join(REPO, 'dist', 'test', 'integration', 'fixtures', 'output-at-wait.js');
    for (const [engine, bytes] of [['node', 0], ['node', 0], ['node', 300000], [BUN, 0], [BUN, 300000]] as const) {
      const r = spawnSync(engine, [fixture, ws.root, ws.bundle, ws.id(), String(bytes)], { encoding: 'utf8', env: { ...process.env, NODE_EXTRA_CA_CERTS: '' } });
      assert.equal(r.status, 0, r.stderr);
      assert.deepEqual(JSON.parse(r.stdout), { status: { code: 0 }, length: bytes + 4, end: true }, `${engine} with ${bytes} bytes`);
    }
  });

  it('takes "uid:gid" users and fds as stdio', async () => {
    const id = ws.id();
    const file = join(ws.dir, 'out.txt');
    const fd = openSync(file, 'w');
    const { container, process: proc } = await rt.run(id, ws.spec(['true']), {
      bundle: ws.bundle,
      stdio: ['ignore', fd, fd],
      process: { args: ['id'], user: '1000:29' },
    });
    closeSync(fd);
    assert.deepEqual(await proc.wait(), { code: 0 });
    assert.equal(readFileSync(file, 'utf8'), 'uid=1000(user) gid=29(audio)\n');
    container.delete();
  });

  it('lists processes, signals, reports state and force-deletes', async () => {
    const id = ws.id();
    const { container, process: proc } = await rt.run(id, ws.spec(['sh', '-c', 'sleep 100 & sleep 100']), { bundle: ws.bundle, stdio: ['ignore', 'ignore', 'ignore'] });
    const st = container.state();
    assert.equal(st.status, 'running');
    assert.equal(st.pid, proc.pid);
    assert.equal(st.id, id);
    const pids = container.processes();
    assert.ok(pids.includes(proc.pid));
    assert.ok(pids.length >= 2, `expected the init and its children, got ${pids}`);
    assert.ok(rt.list().some((c) => c.id === id && c.status === 'running'));
    container.kill('SIGKILL');
    assert.deepEqual(await proc.wait(), { code: 137, signal: 'SIGKILL' });
    container.delete({ force: true });
    assert.ok(!rt.list().some((c) => c.id === id));
  });

  it('create + start through the library', async () => {
    const id = ws.id();
    const c = await rt.create(id, ws.spec(['sleep', '100']), { bundle: ws.bundle, stdio: ['ignore', 'ignore', 'ignore'] });
    assert.equal(c.status(), 'created');
    c.start();
    assert.equal(c.status(), 'running');
    c.delete({ force: true });
  });

  it('throws EINVALID with every problem for a bad spec', async () => {
    const spec = ws.spec(['sh']);
    spec.process!.cwd = 'rel';
    spec.process!.oomScoreAdj = 5000;
    await assert.rejects(rt.create(ws.id(), spec, { bundle: ws.bundle }), (e: unknown) => {
      assert.ok(e instanceof RuntsError);
      assert.equal(e.code, 'EINVALID');
      assert.deepEqual(e.problems!.map((p) => p.path).sort(), ['process.cwd', 'process.oomScoreAdj']);
      return true;
    });
  });
});
