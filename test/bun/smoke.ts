/**
 * The library on Bun: run a container to completion with piped stdio (run by
 * scripts/test.sh with bun; exits non-zero on any failure).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Runtime } from '../../src/index.js';
import { defaultSpec } from '../../src/spec/defaults.js';
import { SHIM, rootfs } from '../integration/helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'runts-bun-'));
const rt = new Runtime({ root: join(dir, 'state'), shimPath: SHIM });
const spec = defaultSpec({ args: ['sh', '-c', 'echo hello from $(hostname); exit 5'] });
spec.root = { path: rootfs(), readonly: true };
spec.hostname = 'bunbox';
spec.process!.terminal = false;
try {
  const { container, process: proc } = await rt.run(`bun-${process.pid}`, spec, { bundle: dir, stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  for await (const c of proc.stdout!) out += c;
  assert.deepEqual(await proc.wait(), { code: 5 });
  assert.equal(out, 'hello from bunbox\n');
  container.delete();
  // wait() resolves only once piped output has ended: a 'data' listener has it all.
  const big = defaultSpec({ args: ['sh', '-c', 'head -c 300000 /dev/zero | tr "\\0" a; echo end'] });
  big.root = spec.root;
  big.process!.terminal = false;
  const r = await rt.run(`bun-${process.pid}-big`, big, { bundle: dir, stdio: ['pipe', 'pipe', 'inherit'] });
  let bigOut = '';
  r.process.stdout!.on('data', (d) => (bigOut += d));
  assert.deepEqual(await r.process.wait(), { code: 0 });
  assert.deepEqual([bigOut.length, bigOut.endsWith('aend\n')], [300004, true]);
  r.container.delete();
  // output(), AbortSignal.timeout and await using, as on Node (library-scoped.test.ts).
  const small = defaultSpec({ args: ['sh', '-c', 'cat; echo err >&2; exit 2'] });
  small.root = spec.root;
  small.process!.terminal = false;
  assert.deepEqual(await rt.run(`bun-${process.pid}-out`, small, { bundle: dir }).output({ input: 'in\n' }), { code: 2, stdout: 'in\n', stderr: 'err\n', truncated: false });
  const sleeper = { ...small, process: { ...small.process!, args: ['sleep', '100'] } };
  await assert.rejects(rt.run(`bun-${process.pid}-abort`, sleeper, { bundle: dir, signal: AbortSignal.timeout(200) }).output(), (e: Error & { code?: string }) => e.code === 'EABORT');
  let scopedPid = 0;
  await assert.rejects(async () => {
    await using s = await rt.run(`bun-${process.pid}-using`, sleeper, { bundle: dir, stdio: ['ignore', 'ignore', 'ignore'] });
    scopedPid = s.process.pid;
    throw new Error('leave the scope');
  }, /leave the scope/);
  assert.throws(() => process.kill(scopedPid, 0));
  assert.deepEqual(rt.list(), []);
  console.log(`ok - library on bun ${process.versions['bun']}: run, stdout, exit status, delete, complete output at wait(), output(), abort, await using`);
} finally {
  for (const c of rt.list()) rt.load(c.id).delete({ force: true });
  rmSync(dir, { recursive: true, force: true });
}
