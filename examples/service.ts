/**
 * A long-running service: busybox httpd in a container with a memory limit. Exec into
 * it (a client in its network namespace), watch resource usage and OOM kills as async
 * iterators, then stop it gracefully (SIGTERM, its trap runs, status 0) and delete it.
 *
 *   node dist/examples/service.js ROOTFS
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Runtime, spec, type Stats } from 'runts';

const rootfs = process.argv[2];
if (!rootfs) throw new Error('usage: service.js ROOTFS');
const stateRoot = mkdtempSync(join(tmpdir(), 'runts-service-'));
const runtime = new Runtime({ root: stateRoot });
const MiB = 1024 * 1024;

try {
  const config = spec({
    rootfs,
    hostname: 'web',
    env: ['PATH=/bin'],
    // The init is a shell that serves /etc over HTTP and stops cleanly on SIGTERM.
    args: ['sh', '-c', "trap 'echo stopping; kill $pid; exit 0' TERM; echo serving; httpd -f -p 8080 -h /etc & pid=$!; wait"],
    resources: { memory: { limit: 48 * MiB }, pids: { limit: 64 } },
  });
  {
    await using svc = await runtime.run(`web-${process.pid}`, config, { stdio: ['ignore', 'pipe', 'inherit'] });
    const { container, process: init } = svc;
    let log = '';
    init.stdout!.on('data', (d) => (log += d));
    while (!log.includes('serving')) await new Promise((r) => setTimeout(r, 20));

    // exec: a client inside the container's namespaces talks to the service.
    let page = '';
    for (let i = 0; i < 50 && !page; i++) {
      const got = await (await container.exec({ args: ['wget', '-qO-', 'http://127.0.0.1:8080/group'] })).output();
      page = got.code === 0 ? got.stdout : (await new Promise((r) => setTimeout(r, 50)), '');
    }
    assert.match(page, /^root:x:0:/);

    // Stats as an async iterator: three samples, 100 ms apart.
    const samples: Stats[] = [];
    for await (const s of container.statsEvents({ intervalMs: 100 })) if (samples.push(s) === 3) break;
    assert.ok(samples.every((s) => s.memory.usage.usage > 0 && s.memory.usage.limit === 48 * MiB && s.pids.current >= 2));

    // OOM events as an async iterator: a memory hog exec'd into the service is OOM-killed,
    // the service survives.
    const watching = new AbortController();
    const oom = (async () => {
      for await (const e of container.oomEvents(watching.signal)) return e;
      return undefined;
    })();
    const hog = await (await container.exec({ args: ['sh', '-c', 'x=$(head -c 200000000 /dev/zero | tr "\\0" a)'] })).wait();
    assert.deepEqual(hog, { code: 137, signal: 'SIGKILL' });
    const timer = setTimeout(() => watching.abort(), 5000);
    assert.deepEqual(await oom, { type: 'oom' });
    clearTimeout(timer);
    watching.abort();
    assert.equal(container.status(), 'running');

    // Graceful stop: SIGTERM runs the trap; the init exits 0.
    container.kill('SIGTERM');
    assert.deepEqual(await init.wait(), { code: 0 });
    assert.equal(log, 'serving\nstopping\n');
    assert.equal(container.status(), 'stopped');
    console.log(`service: served ${page.split('\n')[0]}..., ${samples.length} stats samples (memory ${(samples[2]!.memory.usage.usage / MiB).toFixed(1)} MiB), 1 OOM kill seen, stopped with status 0; ok`);
  } // leaving the scope deletes the container (await using)
  assert.deepEqual(runtime.list(), []);
} finally {
  for (const c of runtime.list()) await runtime.load(c.id).dispose();
  rmSync(stateRoot, { recursive: true, force: true });
}
