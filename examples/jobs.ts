/**
 * A parallel job runner: N containers at once (at most `parallel` running), each job's
 * output and status collected; a failing job is a result, not a crash. Then fail-fast:
 * one job's failure aborts the others through a shared AbortController, and every
 * container of the batch is gone afterwards (killed, cgroup, state removed).
 *
 *   node dist/examples/jobs.js ROOTFS
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Runtime, RuntsError, spec, type Output } from 'runts';

const rootfs = process.argv[2];
if (!rootfs) throw new Error('usage: jobs.js ROOTFS');
const stateRoot = mkdtempSync(join(tmpdir(), 'runts-jobs-'));
const runtime = new Runtime({ root: stateRoot });

/** Run every script, at most `parallel` at a time; results in input order. */
async function runAll(scripts: string[], parallel: number, signal?: AbortSignal): Promise<Output[]> {
  const results: Output[] = new Array(scripts.length);
  let next = 0;
  const worker = async () => {
    while (next < scripts.length) {
      const i = next++;
      const config = spec({ rootfs, args: ['sh', '-c', scripts[i]!], env: ['PATH=/bin', `JOB=${i}`] });
      config.linux!.resources = { pids: { limit: 32 } };
      results[i] = await runtime.run(`job-${process.pid}-${i}`, config, signal ? { signal } : {}).output();
    }
  };
  await Promise.all(Array.from({ length: Math.min(parallel, scripts.length) }, worker));
  return results;
}

try {
  // 12 jobs, 4 at a time: each squares its number; job 7 fails on purpose.
  const scripts = Array.from({ length: 12 }, (_, i) => (i === 7 ? 'echo broken >&2; exit 3' : `echo $(( JOB * JOB ))`));
  const t0 = Date.now();
  const results = await runAll(scripts, 4);
  results.forEach((r, i) => {
    if (i === 7) assert.deepEqual(r, { code: 3, stdout: '', stderr: 'broken\n', truncated: false });
    else assert.deepEqual(r, { code: 0, stdout: `${i * i}\n`, stderr: '', truncated: false });
  });
  assert.deepEqual(runtime.list(), []);
  console.log(`jobs: 12 jobs, 4 at a time, in ${Date.now() - t0} ms; job 7 failed with status 3 as planned`);

  // Fail-fast: 6 long jobs and one that fails at once; its failure aborts the rest.
  const stop = new AbortController();
  const batch = ['sleep 100', 'sleep 100', 'sleep 100', 'exit 9', 'sleep 100', 'sleep 100', 'sleep 100'];
  const settled = await Promise.allSettled(
    batch.map(async (script, i) => {
      const config = spec({ rootfs, args: ['sh', '-c', script], env: ['PATH=/bin'] });
      const out = await runtime.run(`ff-${process.pid}-${i}`, config, { signal: stop.signal }).output();
      if (out.code !== 0) {
        stop.abort(new Error(`job ${i} failed with status ${out.code}`));
        throw new Error(`job ${i} failed with status ${out.code}`);
      }
      return out;
    }),
  );
  assert.equal(settled.filter((s) => s.status === 'rejected' && /job 3 failed/.test(String(s.reason))).length, 1);
  const aborted = settled.filter((s) => s.status === 'rejected' && s.reason instanceof RuntsError && s.reason.code === 'EABORT');
  assert.equal(aborted.length, 6, 'every other job was aborted');
  assert.deepEqual(runtime.list(), [], 'nothing left behind');
  console.log('jobs: fail-fast: job 3 failed, the other 6 were aborted and removed; ok');
} finally {
  for (const c of runtime.list()) await runtime.load(c.id).dispose();
  rmSync(stateRoot, { recursive: true, force: true });
}
