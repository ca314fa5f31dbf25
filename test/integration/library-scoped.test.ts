/**
 * The library's cancellation, scoped cleanup and output capture, as a user writes them:
 * AbortSignal (and AbortSignal.timeout) on run, exec and wait; `await using` on what run
 * and create return; run(...).output() with a byte limit. Each checks from outside that
 * nothing is left: no state, no cgroup, no process.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Runtime } from '../../src/index.js';
import { RuntsError } from '../../src/errors.js';
import { cgroupsNamed, SHIM, SKIP_NOT_ROOT, workspace, type Workspace } from './helpers.js';

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};
const isAbort = (re: RegExp) => (e: unknown) => e instanceof RuntsError && e.code === 'EABORT' && re.test(e.message);

describe('library: abort, await using, output()', { skip: SKIP_NOT_ROOT }, () => {
  let ws: Workspace;
  let rt: Runtime;
  before(() => {
    ws = workspace('scoped');
    rt = new Runtime({ root: ws.root, shimPath: SHIM });
  });
  after(() => ws.cleanup());

  const gone = (id: string) => {
    assert.ok(!rt.list().some((c) => c.id === id), `${id} still listed`);
    assert.deepEqual(cgroupsNamed(id), []);
  };

  it('AbortSignal.timeout on run: SIGKILL, container removed, EABORT "timed out"', async () => {
    const id = ws.id();
    const t0 = Date.now();
    let pid = 0; // on a loaded machine the time may run out while run() itself is at work: it rejects then
    const started = rt.run(id, ws.spec(['sleep', '100']), { bundle: ws.bundle, stdio: ['ignore', 'ignore', 'ignore'], signal: AbortSignal.timeout(300) });
    await assert.rejects(started.then((r) => ((pid = r.process.pid), r.process.wait())), (e: unknown) => {
      assert.ok(isAbort(/^run of container .*: timed out$/)(e), String(e));
      assert.equal(((e as Error).cause as Error).name, 'TimeoutError');
      return true;
    });
    assert.ok(Date.now() - t0 < 10_000, "the timeout ended it, not the sleep");
    if (pid) assert.ok(!alive(pid));
    gone(id);
  });

  it('an abort cleans up even when nobody waits; an aborted signal creates nothing', async () => {
    const id = ws.id();
    const ac = new AbortController();
    const { process: proc } = await rt.run(id, ws.spec(['sleep', '100']), { bundle: ws.bundle, stdio: ['ignore', 'ignore', 'ignore'], signal: ac.signal });
    ac.abort();
    for (let i = 0; i < 500 && rt.list().some((c) => c.id === id); i++) await new Promise((r) => setTimeout(r, 20));
    assert.ok(!alive(proc.pid));
    gone(id);
    const id2 = ws.id();
    await assert.rejects(rt.run(id2, ws.spec(['true']), { bundle: ws.bundle, signal: ac.signal }), isAbort(/aborted$/));
    gone(id2);
  });

  it('an abort after the process ended (unwaited) changes nothing: wait() gives its status', async () => {
    const id = ws.id();
    const ac = new AbortController();
    const { container, process: proc } = await rt.run(id, ws.spec(['sh', '-c', 'exit 5']), { bundle: ws.bundle, stdio: ['ignore', 'ignore', 'ignore'], signal: ac.signal });
    for (let i = 0; i < 250 && container.status() !== 'stopped'; i++) await new Promise((r) => setTimeout(r, 20));
    await new Promise((r) => setTimeout(r, 100)); // the exit frame has arrived
    ac.abort();
    assert.deepEqual(await proc.wait(), { code: 5 });
    assert.equal(container.status(), 'stopped'); // not removed: the abort came after the end
    container.delete();
    gone(id);
  });

  it('killSignal picks the signal sent on abort', async () => {
    const id = ws.id();
    const ac = new AbortController();
    const script = 'trap "echo got-term; exit 3" TERM; echo ready; while :; do sleep 0.05; done';
    const { process: proc } = await rt.run(id, ws.spec(['sh', '-c', script]), { bundle: ws.bundle, stdio: ['ignore', 'pipe', 'ignore'], signal: ac.signal, killSignal: 'SIGTERM' });
    let out = '';
    proc.stdout!.on('data', (d) => {
      out += d;
      if (out === 'ready\n') ac.abort();
    });
    await assert.rejects(proc.wait(), isAbort(/aborted$/));
    assert.equal(out, 'ready\ngot-term\n');
    gone(id);
  });

  it('abort on exec kills the exec process only; wait({ signal }) kills without removing the container', async () => {
    const id = ws.id();
    const { container, process: init } = await rt.run(id, ws.spec(['sleep', '100']), { bundle: ws.bundle, stdio: ['ignore', 'ignore', 'ignore'] });
    let pid = 0;
    const ex = container.exec({ args: ['sleep', '100'] }, { stdio: ['ignore', 'ignore', 'ignore'], signal: AbortSignal.timeout(300) });
    await assert.rejects(ex.then((p) => ((pid = p.pid), p.wait())), isAbort(/^exec in container .*: timed out$/));
    if (pid) assert.ok(!alive(pid));
    assert.ok(!container.processes().includes(pid));
    assert.equal(container.status(), 'running');
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 100);
    await assert.rejects(init.wait({ signal: ac.signal }), isAbort(/aborted$/));
    assert.equal(container.status(), 'stopped');
    assert.deepEqual(await init.wait(), { code: 137, signal: 'SIGKILL' }); // the status stays readable
    container.delete();
    gone(id);
  });

  it('await using force-deletes the container when the scope is left by a throw', async () => {
    const id = ws.id();
    const id2 = ws.id();
    let pids: number[] = [];
    await assert.rejects(async () => {
      await using r = await rt.run(id, ws.spec(['sleep', '100']), { bundle: ws.bundle, stdio: ['ignore', 'ignore', 'ignore'] });
      await using c = await rt.create(id2, ws.spec(['sleep', '100']), { bundle: ws.bundle, stdio: ['ignore', 'ignore', 'ignore'] });
      pids = [r.process.pid, c.state().pid];
      assert.equal(r.container.status(), 'running');
      throw new Error('boom');
    }, /boom/);
    assert.ok(pids.every((p) => p > 0 && !alive(p)));
    gone(id);
    gone(id2);
  });

  it('dispose() is explicit and idempotent; exec processes dispose too', async () => {
    const id = ws.id();
    const r = await rt.run(id, ws.spec(['sleep', '100']), { bundle: ws.bundle, stdio: ['ignore', 'ignore', 'ignore'] });
    {
      await using ex = await r.container.exec({ args: ['sleep', '100'] }, { stdio: ['ignore', 'ignore', 'ignore'] });
      assert.ok(alive(ex.pid));
      pidOf = ex.pid;
    }
    assert.ok(!alive(pidOf));
    assert.equal(r.container.status(), 'running');
    await r.dispose();
    await r.dispose();
    await r.container.dispose();
    gone(id);
  });
  let pidOf = 0;

  it('output(): stdout, stderr, status; input; a byte limit with truncated; run(...).output() leaves nothing', async () => {
    const id = ws.id();
    const res = await rt.run(id, ws.spec(['sh', '-c', 'echo out; cat; echo err >&2; exit 4']), { bundle: ws.bundle }).output({ input: 'in\n' });
    assert.deepEqual(res, { code: 4, stdout: 'out\nin\n', stderr: 'err\n', truncated: false });
    gone(id);
    const id2 = ws.id();
    const big = await rt.run(id2, ws.spec(['sh', '-c', 'head -c 300000 /dev/zero | tr "\\0" a; echo e >&2']), { bundle: ws.bundle }).output({ maxBytes: 1000 });
    assert.deepEqual(big, { code: 0, stdout: 'a'.repeat(1000), stderr: 'e\n', truncated: true });
    gone(id2);
    const id3 = ws.id();
    await assert.rejects(rt.run(id3, ws.spec(['sleep', '100']), { bundle: ws.bundle, signal: AbortSignal.timeout(200) }).output(), isAbort(/timed out$/));
    gone(id3);
    const id4 = ws.id();
    await assert.rejects(rt.run(id4, ws.spec(['true']), { bundle: ws.bundle, killSignal: 'SIGNOPE' as NodeJS.Signals }), (e: unknown) => e instanceof RuntsError && e.code === 'EINVALID' && /^killSignal: /.test(e.message));
    gone(id4);
    await assert.rejects(rt.run(ws.id(), ws.spec(['true']), { bundle: ws.bundle }).output({ maxBytes: -1 }), (e: unknown) => e instanceof RuntsError && e.code === 'EINVALID' && /maxBytes/.test(e.message));
  });
});
