// Library-mode figures: one long-running process (Node or Bun) running containers
// through the runts API, as an engine embedding runts would.
//
//   node bench/library.mjs BUNDLE [RUNS]    or    bun bench/library.mjs BUNDLE [RUNS]
//
// BUNDLE/config.json runs /bin/true. Prints one JSON object: per-container times of
// Runtime.run -> wait -> delete (cold: a 50 ms gap before each; back-to-back: none),
// seconds per batch of 50 parallel runs, and the latency of state(), list() and
// kill(SIGWINCH) on a created container, in microseconds.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Runtime } from '../dist/src/index.js';

const [bundle, runsArg] = process.argv.slice(2);
if (!bundle) throw new Error('usage: library.mjs BUNDLE [RUNS]');
const runs = Number(runsArg ?? 20);
const here = fileURLToPath(new URL('.', import.meta.url));
const spec = JSON.parse(readFileSync(join(bundle, 'config.json'), 'utf8'));
const root = mkdtempSync('/tmp/runts-bench-lib.');
const rt = new Runtime({ root, shimPath: join(here, '..', 'native', 'build', 'runts-init') });
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const now = () => performance.now();
let seq = 0;

/** Run one container to completion and delete it; returns milliseconds. */
async function once() {
  const id = `lib-${process.pid}-${seq++}`;
  const t0 = now();
  const { container, process: proc } = await rt.run(id, spec, { bundle, stdio: ['ignore', 'ignore', 'ignore'] });
  const st = await proc.wait();
  container.delete();
  if (st.code !== 0) throw new Error(`container ${id} exited with ${st.code}`);
  return now() - t0;
}

async function series(gap) {
  const out = [];
  for (let i = 0; i < runs; i++) {
    if (gap) await sleep(gap);
    out.push(await once());
  }
  return out;
}

async function parallel(n, batches) {
  const out = [];
  for (let b = 0; b < batches; b++) {
    await sleep(50);
    const t0 = now();
    await Promise.all(Array.from({ length: n }, () => once()));
    out.push((now() - t0) / 1000);
  }
  return out;
}

function latency(fn, n = 200) {
  const out = [];
  for (let i = 0; i < n; i++) {
    const t0 = process.hrtime.bigint();
    fn();
    out.push(Number(process.hrtime.bigint() - t0) / 1000);
  }
  return out;
}

try {
  for (let i = 0; i < 3; i++) await once(); // warm up: module load and the first JIT tiers
  const result = {
    runtime: typeof Bun !== 'undefined' ? `bun ${Bun.version}` : `node ${process.version}`,
    run_cold_ms: await series(50),
    run_b2b_ms: await series(0),
    parallel50_s: await parallel(50, Math.max(3, Math.round(runs / 5))),
  };
  const parked = { ...spec, process: { ...spec.process, args: ['sleep', '1000000'] } };
  const c = await rt.create(`lib-${process.pid}-parked`, parked, { bundle, stdio: ['ignore', 'ignore', 'ignore'] });
  try {
    latency(() => c.state(), 20);
    result.state_us = latency(() => c.state());
    result.list_us = latency(() => rt.list());
    result.kill_us = latency(() => c.kill('SIGWINCH'));
  } finally {
    c.delete({ force: true });
  }
  process.stdout.write(JSON.stringify(result) + '\n');
} finally {
  rmSync(root, { recursive: true, force: true });
}
