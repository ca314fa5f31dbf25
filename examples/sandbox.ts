/**
 * A code sandbox: run untrusted shell code as `nobody` in a throw-away container with a
 * read-only rootfs, no network (a network namespace with only `lo`), no capabilities,
 * Docker's default seccomp profile, memory/pids/CPU-time limits, a wall-clock timeout,
 * and its output captured (cut at 64 KiB). Each run leaves nothing behind.
 *
 *   node dist/examples/sandbox.js ROOTFS      (ROOTFS: a busybox root filesystem)
 *
 * It asserts what it shows, so CI (scripts/examples.sh) catches a regression.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { release, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Runtime, RuntsError, seccompFromProfile, spec, type Output, type SeccompProfile } from 'runts';

const rootfs = process.argv[2];
if (!rootfs) throw new Error('usage: sandbox.js ROOTFS');
const stateRoot = mkdtempSync(join(tmpdir(), 'runts-sandbox-'));
const runtime = new Runtime({ root: stateRoot });
const profile = JSON.parse(readFileSync('/usr/share/containers/seccomp.json', 'utf8')) as SeccompProfile;
const MiB = 1024 * 1024;
let seq = 0;

/** Run `code` with `sh -c` in a fresh sandbox; resolves with its output and status. */
function sandbox(code: string, timeoutMs = 10_000): Promise<Output> {
  const config = spec({
    rootfs,
    readonly: true,
    args: ['sh', '-c', code],
    env: ['PATH=/bin'],
    cwd: '/tmp',
    user: { uid: 65534, gid: 65534 },
    capabilities: [],
    noNewPrivileges: true,
    namespaces: ['pid', 'network', 'ipc', 'uts', 'mount', 'cgroup'],
    mounts: [{ destination: '/tmp', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'nodev', 'size=1m'] }],
    rlimits: [
      { type: 'RLIMIT_CPU', soft: 1, hard: 2 }, // CPU seconds: SIGXCPU at 1, SIGKILL at 2
      { type: 'RLIMIT_NOFILE', soft: 64, hard: 64 },
    ],
    resources: {
      memory: { limit: 32 * MiB },
      pids: { limit: 16 },
      cpu: { quota: 50_000, period: 100_000 }, // half a core
    },
  });
  config.linux!.seccomp = seccompFromProfile(profile, { capabilities: [], arch: process.arch, kernel: release() });
  return runtime.run(`sandbox-${process.pid}-${++seq}`, config, { signal: AbortSignal.timeout(timeoutMs) }).output({ maxBytes: 64 * 1024 });
}

try {
  // Plain output and status, as nobody.
  assert.deepEqual(await sandbox('echo hello; id -u; exit 3'), { code: 3, stdout: 'hello\n65534\n', stderr: '', truncated: false });

  // No network: the only interface is the loopback of its own namespace.
  const net = await sandbox('tail -n +3 /proc/net/dev | cut -d: -f1 | tr -d " "');
  assert.equal(net.stdout, 'lo\n');

  // Read-only rootfs; /tmp is a small private tmpfs.
  const ro = await sandbox('touch /bin/x || echo refused; echo ok > /tmp/f && cat /tmp/f');
  assert.match(ro.stderr, /Read-only file system/);
  assert.equal(ro.stdout, 'refused\nok\n');

  // The seccomp profile is loaded: filter mode (2), one filter.
  const sc = await sandbox('grep -E "^Seccomp(_filters)?:" /proc/self/status');
  assert.match(sc.stdout, /^Seccomp:\s+2\nSeccomp_filters:\s+1\n$/);

  // pids limit: a fork storm gets "can't fork" instead of taking the host down.
  const pids = await sandbox('for i in $(seq 40); do sleep 2 & done; echo started');
  assert.match(pids.stderr, /can't fork/);

  // Memory limit: a hog is OOM-killed (SIGKILL).
  const mem = await sandbox('x=$(head -c 200000000 /dev/zero | tr "\\0" a); echo survived');
  assert.deepEqual([mem.code, mem.signal, mem.stdout], [137, 'SIGKILL', '']);

  // CPU-time limit: a busy loop dies of SIGXCPU after one CPU second (128 + 24).
  const cpu = await sandbox('sh -c "while :; do :; done"; echo $?');
  assert.equal(cpu.stdout, '152\n');

  // Output cap: 1 MB of output is cut at 64 KiB and flagged.
  const big = await sandbox('head -c 1000000 /dev/zero | tr "\\0" x');
  assert.deepEqual([big.stdout.length, big.truncated, big.code], [64 * 1024, true, 0]);

  // Wall-clock timeout: the run is killed and removed, the call rejects with EABORT.
  await assert.rejects(sandbox('sleep 100', 500), (e: unknown) => e instanceof RuntsError && e.code === 'EABORT' && /timed out/.test(e.message));

  assert.deepEqual(runtime.list(), []); // every sandbox is gone
  console.log(`sandbox: ok (${seq} sandboxes: output, no network, read-only, seccomp, pids, memory, CPU time, output cap, timeout)`);
} finally {
  for (const c of runtime.list()) await runtime.load(c.id).dispose();
  rmSync(stateRoot, { recursive: true, force: true });
}
