/**
 * Configs and flags runc accepts, run through runts and runc (1.3; Debian's 1.1.5 where
 * it agrees) on the same bundle, comparing what a caller sees (exit status, stdout
 * bytes, whether there was an error): JSON null members (Go semantics) in config.json
 * and exec's process.json, namespace `"path": ""`, a relative mount destination,
 * capability names runc tolerates, huge CPU/node numbers and fd counts, and `update`
 * with runc's flag spellings and value syntax (cgroup values read back from inside).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Spec } from '../../src/spec/types.js';
import { cgroupsNamed, initsUnder, mountsUnder, rootfs, SKIP_NOT_ROOT, workspace, type Workspace } from './helpers.js';
import { cleanupRuntimes, cli, missingRuntimes, RUNC, RUNTS_RT, references, visible, type Runtime } from './runc-compat.js';

const SKIP = SKIP_NOT_ROOT || missingRuntimes();

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

describe('configs and flags runc accepts', { skip: SKIP }, () => {
  let ws: Workspace;
  before(() => {
    ws = workspace('compat-cfg');
  });
  after(() => {
    cleanupRuntimes(ws);
    ws.cleanup();
  });

  /** Write the config as JSON text (so nulls stay nulls), run it with each runtime, return what each showed. */
  function runAll(config: Json, rts: Runtime[] = [RUNTS_RT, ...references()], args: string[] = []) {
    writeFileSync(join(ws.bundle, 'config.json'), JSON.stringify(config));
    return rts.map((rt) => {
      const id = ws.id(rt.name.replace(/\./g, ''));
      const seen = cli(ws, rt, ['run', ...args, id]);
      cli(ws, rt, ['delete', '--force', id]);
      return { rt: rt.name, id, seen };
    });
  }

  /** Every runtime showed the caller the same thing as runts. */
  function same(results: ReturnType<typeof runAll>, expectStdout?: string): void {
    const [ours, ...refs] = results;
    if (expectStdout !== undefined) assert.equal(ours!.seen.stdout, expectStdout, `runts: ${ours!.seen.stderr}`);
    for (const r of refs) {
      assert.deepEqual(visible(ours!.seen), visible(r.seen), `runts vs ${r.rt}\nrunts stderr: ${ours!.seen.stderr}\n${r.rt} stderr: ${r.seen.stderr}`);
    }
  }

  function noLeftovers(id: string): void {
    assert.deepEqual(mountsUnder(ws.dir), [], 'mounts left');
    assert.deepEqual(cgroupsNamed(id), [], 'cgroups left');
    assert.deepEqual(initsUnder(ws.dir, rootfs()), [], 'processes left');
  }

  const spec = (args: string[], edit?: (s: Json) => void): Json => ws.spec(args, edit as (s: Spec) => void) as unknown as Json;

  it('null members are absent (Go semantics): seccomp args, timeOffsets, mappings, hooks, rlimits ...', () => {
    const cfg = spec(['sh', '-c', 'echo ok; grep -c . /proc/self/uid_map'], (s) => {
      s.linux.seccomp = {
        defaultAction: 'SCMP_ACT_ALLOW', architectures: null, flags: null,
        syscalls: [{ names: ['kexec_load'], action: 'SCMP_ACT_ERRNO', args: null, errnoRet: null }],
      };
      s.linux.timeOffsets = null;
      s.linux.uidMappings = null;
      s.linux.gidMappings = null;
      s.linux.sysctl = null;
      s.linux.resources.devices = [{ allow: false, access: 'rwm', major: null, minor: null }];
      s.linux.resources.memory = null;
      s.process.rlimits = null;
      s.process.user.additionalGids = null;
      s.process.consoleSize = null;
      s.hooks = { prestart: null, poststop: null };
      s.annotations = null;
      s.mounts.push({ destination: '/tmp', type: 'tmpfs', source: 'tmpfs', options: null });
    });
    same(runAll(cfg), 'ok\n1\n');
  });

  it('exec --process with null members works as with runc', () => {
    writeFileSync(join(ws.bundle, 'config.json'), JSON.stringify(spec(['sleep', '100'])));
    const proc = { args: ['sh', '-c', 'echo exec-ok; id -G'], cwd: '/', env: ['PATH=/bin'], user: { uid: 0, gid: 0, additionalGids: null }, rlimits: null, capabilities: null, terminal: null, consoleSize: null };
    const file = join(ws.dir, 'process.json');
    writeFileSync(file, JSON.stringify(proc));
    const seen = [RUNTS_RT, ...references()].map((rt) => {
      const id = ws.id(rt.name.replace(/\./g, ''));
      assert.equal(cli(ws, rt, ['run', '-d', id]).status, 0, `${rt.name} run -d`);
      const r = cli(ws, rt, ['exec', '-p', file, id]);
      cli(ws, rt, ['delete', '--force', id]);
      return { rt: rt.name, id, seen: r };
    });
    same(seen, 'exec-ok\n0\n');
  });

  it('namespace "path": "" is a new namespace', () => {
    const cfg = spec(['sh', '-c', 'echo $$; hostname'], (s) => {
      s.hostname = 'nsempty';
      for (const n of s.linux.namespaces) n.path = '';
    });
    same(runAll(cfg), '1\nnsempty\n');
  });

  it('a relative mount destination is taken relative to /, with a warning (as runc)', () => {
    const cfg = spec(['sh', '-c', 'grep -c " /tmp tmpfs" /proc/self/mounts || true; echo x > /tmp/f && cat /tmp/f'], (s) => {
      s.mounts.push({ destination: 'tmp', type: 'tmpfs', source: 'tmpfs' });
    });
    const results = runAll(cfg);
    same(results, '1\nx\n');
    for (const r of results) assert.match(r.seen.stderr, /mount destination tmp is not absolute/, r.rt);
  });

  it('capability names runc does not know, of any shape, are ignored with a warning', () => {
    const cfg = spec(['sh', '-c', 'grep CapBnd /proc/self/status'], (s) => {
      s.process.capabilities.bounding = ['CAP_KILL', 'CAP_FROM_2030', 'cap_chown', 'chown', ''];
    });
    const results = runAll(cfg);
    same(results, 'CapBnd:\t0000000000000020\n');
    for (const r of results) assert.match(r.seen.stderr, /cap_chown/, `${r.rt} warns`);
  });

  it('exec --cap with a capability runc does not know: ignored with a warning, as runc', () => {
    writeFileSync(join(ws.bundle, 'config.json'), JSON.stringify(spec(['sleep', '100'])));
    const seen = [RUNTS_RT, ...references()].map((rt) => {
      const id = ws.id(rt.name.replace(/\./g, ''));
      assert.equal(cli(ws, rt, ['run', '-d', id]).status, 0, `${rt.name} run -d`);
      const r = cli(ws, rt, ['exec', '--cap', 'CAP_FROM_2030', id, 'grep', 'CapBnd', '/proc/self/status']);
      cli(ws, rt, ['delete', '--force', id]);
      assert.match(r.stderr, /CAP_FROM_2030/, `${rt.name} warns`);
      return { rt: rt.name, id, seen: r };
    });
    same(seen, 'CapBnd:\t0000000020000420\n'); // the default spec's set, unchanged
  });

  it('a CPU number far out of range is one clear error naming the field, as runc 1.3 (no crash, nothing left)', () => {
    for (const list of ['0-99999999999', '1024', '3-1']) {
      const cfg = spec(['true'], (s) => { s.process.execCPUAffinity = { final: list }; });
      const [ours, ref] = runAll(cfg, [RUNTS_RT, RUNC]);
      assert.deepEqual(visible(ours!.seen), visible(ref!.seen), `${list}: ${ours!.seen.stderr} / ${ref!.seen.stderr}`);
      assert.equal(ours!.seen.status, 1);
      assert.match(ours!.seen.stderr, /process\.execCPUAffinity\.final: (CPU \d+ is out of range|invalid range 3-1)/);
      assert.doesNotMatch(ours!.seen.stderr, /RangeError|Out of memory|\bat .*\.js:\d+/);
      noLeftovers(ours!.id);
    }
  });

  it('a cpuset with a CPU or node far out of range is one clear error naming the field, as with runc', () => {
    for (const [k, v] of [['cpus', '0-99999999999'], ['mems', '99999999999']] as const) {
      const results = runAll(spec(['true'], (s) => { s.linux.resources.cpu = { [k]: v }; }));
      same(results);
      assert.equal(results[0]!.seen.status, 1);
      assert.match(results[0]!.seen.stderr, new RegExp(`linux\\.resources\\.cpu\\.${k}: .*${v}`));
      assert.doesNotMatch(results[0]!.seen.stderr, /RangeError|Out of memory|\bat .*\.js:\d+/);
      noLeftovers(results[0]!.id);
    }
  });

  it('a NUMA node far out of range (linux.memoryPolicy, runtime-spec 1.3) is one clear error', () => {
    // runc 1.3 does not implement memoryPolicy (it ignores the field): runts checks it.
    const [ours] = runAll(spec(['true'], (s) => { s.linux.memoryPolicy = { mode: 'MPOL_BIND', nodes: '0-99999999999' }; }), [RUNTS_RT]);
    assert.equal(ours!.seen.status, 1);
    assert.match(ours!.seen.stderr, /linux\.memoryPolicy\.nodes: node 99999999999 is out of range/);
    noLeftovers(ours!.id);
  });

  it('a hook timeout beyond a timer\'s range (uint32 seconds) is no timeout, as with runc', () => {
    const hook = { path: '/bin/sh', args: ['sh', '-c', 'sleep 0.2'], timeout: 4294967295 };
    const cfg = spec(['echo', 'ran'], (s) => { s.hooks = { createRuntime: [hook], createContainer: [hook], poststart: [hook] }; });
    same(runAll(cfg), 'ran\n');
  });

  it('--preserve-fds far beyond the open fds is an error, as with runc', () => {
    const cfg = spec(['true']);
    const results = runAll(cfg, [RUNTS_RT, ...references()], ['--preserve-fds', '99999999999']);
    same(results);
    assert.equal(results[0]!.seen.status, 1);
    assert.match(results[0]!.seen.stderr, /preserve-fds: unable to stat preserved fd \d+ \(of 99999999999\)/);
    noLeftovers(results[0]!.id);
  });

  it('update: runc\'s flags and value syntax give the same cgroup values as runc', () => {
    writeFileSync(join(ws.bundle, 'config.json'), JSON.stringify(spec(['sleep', '100'])));
    const files = [
      'memory/memory.limit_in_bytes', 'memory/memory.soft_limit_in_bytes', 'memory/memory.memsw.limit_in_bytes',
      'cpu/cpu.shares', 'cpu/cpu.cfs_period_us', 'cpu/cpu.cfs_quota_us', 'cpu/cpu.rt_period_us', 'cpu/cpu.rt_runtime_us',
      'cpuset/cpuset.cpus', 'pids/pids.max',
    ];
    const read = `cd /sys/fs/cgroup && for f in ${files.join(' ')}; do [ -e $f ] && echo "$f=$(cat $f)"; done; true`;
    const rts = [RUNTS_RT, RUNC];
    const ids = rts.map((rt) => ws.id(rt.name.replace(/\./g, '')));
    try {
      rts.forEach((rt, i) => assert.equal(cli(ws, rt, ['run', '-d', ids[i]!]).status, 0, `${rt.name} run -d`));
      const steps = [
        ['--memory', '64MiB'], ['--memory', '20 MiB', '--memory-swap', '1g'], ['--memory', '1.5GB', '--memory-reservation', '100m'],
        ['--memory', '1e8'], ['--memory', '0'], ['--memory', '-1'], ['--memory-swap', '-1'], ['--memory', '1mi'], ['--memory', '1  g'],
        ['--memory-swap', '-2'], ['--cpu-share', '512'], ['--cpu-period', '50000', '--cpu-quota', '20000'], ['--cpu-quota', '-1'],
        ['--cpu-quota', '+5000'], ['--cpu-period', '1e5'], ['--cpu-share', '-1'], ['--cpu-rt-period', '1000'], ['--cpu-rt-runtime', '10'],
        // (--pids-limit 0 means 1 in runts and is left alone by runc 1.3: compat-cgroups.test.ts)
        ['--pids-limit', '50'], ['--pids-limit', '-1'], ['--pids-limit', '7'], ['--cpuset-cpus', '0'],
        ['--kernel-memory', '1m'], ['--kernel-memory-tcp', '1m'], ['--cpuset-cpus', '0-99999999999'],
        ['-r', '-'], // stdin is empty: an error for both
      ];
      for (const step of steps) {
        const seen = rts.map((rt, i) => {
          const u = cli(ws, rt, ['update', ...step, ids[i]!]);
          const values = cli(ws, rt, ['exec', ids[i]!, 'sh', '-c', read]);
          assert.equal(values.status, 0, `${rt.name} exec: ${values.stderr}`);
          return { status: u.status, error: u.status !== 0, values: values.stdout };
        });
        assert.deepEqual(seen[0], seen[1], `update ${step.join(' ')}: runts vs runc 1.3`);
      }
      // runts' older spelling is kept as an alias of runc's
      assert.equal(cli(ws, RUNTS_RT, ['update', '--cpu-shares', '256', ids[0]!]).status, 0);
      assert.match(cli(ws, RUNTS_RT, ['exec', ids[0]!, 'cat', '/sys/fs/cgroup/cpu/cpu.shares']).stdout, /^256\n$/);
    } finally {
      rts.forEach((rt, i) => cli(ws, rt, ['delete', '--force', ids[i]!]));
    }
    noLeftovers(ids[0]!);
  });
});
