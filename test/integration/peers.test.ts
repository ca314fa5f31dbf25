/**
 * Peers that die or hang: runts never hangs on its shim. A shim killed with SIGKILL is
 * reported as such (create and a running container's monitor), a shim that never
 * answers hits the frame timeout with a clear message, and a failed create leaves
 * nothing. The shim's own side (its parent dies: PDEATHSIG and EOF) is covered by
 * crash.test.ts, which SIGKILLs runts at every step and checks the shim exits.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { RuntsError } from '../../src/errors.js';
import { emptyPlan } from '../../src/plan/types.js';
import { Msg } from '../../src/process/protocol.js';
import { ShimSession } from '../../src/process/shim.js';
import { Runtime } from '../../src/runtime.js';
import { SHIM, SKIP_NOT_ROOT, cgroupsNamed, workspace, type Workspace } from './helpers.js';

describe('dead and hanging peers', { skip: SKIP_NOT_ROOT }, () => {
  let ws: Workspace;
  before(() => {
    ws = workspace('peers');
  });
  after(() => ws.cleanup());

  function fakeShim(name: string, body: string): string {
    const p = join(ws.dir, name);
    writeFileSync(p, `#!/bin/sh\n${body}\n`);
    chmodSync(p, 0o755);
    return p;
  }

  it('a shim that dies by SIGKILL during create is reported as killed, and nothing is left', async () => {
    const rt = new Runtime({ root: ws.root, shimPath: fakeShim('killed', 'kill -9 $$') });
    const id = ws.id();
    const spec = ws.spec(['true']);
    const t0 = Date.now();
    await assert.rejects(rt.create(id, spec, { bundle: ws.bundle, stdio: ['ignore', 'ignore', 'ignore'] }), (e: unknown) => {
      assert.ok(e instanceof RuntsError, String(e));
      assert.equal(e.code, 'ESHIM');
      assert.match(e.message, /init shim was killed by SIGKILL while waiting for the init pid/);
      return true;
    });
    assert.ok(Date.now() - t0 < 10_000, 'reported at once, not after a timeout');
    assert.ok(!existsSync(join(ws.root, id)), 'state dir left');
    assert.deepEqual(cgroupsNamed(id), [], 'cgroup left');
  });

  it('a shim that exits with a status and no frame is reported with that status', async () => {
    const rt = new Runtime({ root: ws.root, shimPath: fakeShim('exits', 'exit 7') });
    const id = ws.id();
    await assert.rejects(rt.create(id, ws.spec(['true']), { bundle: ws.bundle, stdio: ['ignore', 'ignore', 'ignore'] }), /init shim exited with status 7 while waiting for the init pid/);
    assert.ok(!existsSync(join(ws.root, id)));
  });

  it('a shim that never answers hits the frame timeout with a clear message', async () => {
    const s = ShimSession.start(emptyPlan(), { shimPath: fakeShim('hangs', 'exec sleep 1000'), stdio: ['ignore', 'ignore', 'ignore'], timeoutMs: 300 });
    try {
      await assert.rejects(s.expect(Msg.PID, 'the init pid'), (e: unknown) => {
        assert.ok(e instanceof RuntsError);
        assert.equal(e.code, 'ETIMEOUT');
        assert.match(e.message, /^init shim \(pid \d+\): no answer after 300 ms$/);
        return true;
      });
    } finally {
      s.kill();
    }
    const ex = await s.wait();
    assert.equal(ex.signal, 'SIGKILL');
  });

  it('a running container whose monitor shim is SIGKILLed: wait() reports it, the container stays manageable', async () => {
    const rt = new Runtime({ root: ws.root, shimPath: SHIM });
    const id = ws.id();
    const { container, process: proc } = await rt.run(id, ws.spec(['sleep', '1000']), { bundle: ws.bundle, stdio: ['ignore', 'ignore', 'ignore'] });
    try {
      const stat = readFileSync(`/proc/${proc.pid}/stat`, 'utf8');
      const monitor = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      assert.ok(monitor > 1 && monitor !== process.pid, `monitor pid ${monitor}`);
      process.kill(monitor, 'SIGKILL');
      await assert.rejects(proc.wait(), /init shim was killed by SIGKILL while waiting for the exit status/);
      assert.ok(['running', 'stopped'].includes(container.status()));
    } finally {
      container.delete({ force: true });
    }
    assert.ok(!existsSync(join(ws.root, id)));
    assert.deepEqual(cgroupsNamed(id), []);
    assert.deepEqual(readdirSync(ws.root).filter((n) => n === id), []);
  });
});
