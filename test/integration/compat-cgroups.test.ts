/**
 * cgroups as runc handles them (issue 17), each bundle through runts and the reference runc:
 * a pre-existing cgroup with processes or frozen is refused (and left as it was), pids
 * 0 / -1 on run and update, device rules that deny what the config denies (also after
 * update), v1 cpuset parents, realtime period/runtime order and cpu.idle updates.
 * The host is hybrid (v1 controllers); the v2 side runs in the cgroup2 VM (cgroups/v2-vm).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SKIP_NOT_ROOT } from './helpers.js';
import { both, pairIds, runc, SKIP_NO_RUNC, withWs } from './runc-side.js';
import { detectLayout } from '../../src/cgroups/manager.js';

const CG = '/sys/fs/cgroup';
const layout = detectLayout();
const skip = SKIP_NOT_ROOT || SKIP_NO_RUNC || (layout === 'v2' ? 'these cases drive cgroup v1 files; the v2 ones run in the cgroup2 VM (cgroups/v2-vm.test.ts)' : false);


/** Remove a cgroup path (deepest first) in every v1 hierarchy and the unified one. */
function rmCgroup(rel: string): void {
  const parts = rel.split('/').filter(Boolean);
  for (const h of [...hierarchies(), 'unified']) {
    for (let i = parts.length; i > 0; i--) {
      try {
        rmdirSync(join(CG, h, ...parts.slice(0, i)));
      } catch {
        /* missing or busy */
      }
    }
  }
}

function hierarchies(): string[] {
  return ['blkio', 'cpu', 'cpuacct', 'cpuset', 'devices', 'freezer', 'hugetlb', 'memory', 'net_cls', 'net_prio', 'perf_event', 'pids', 'rdma', 'misc', 'systemd'].filter((h) => existsSync(join(CG, h, 'cgroup.procs')));
}

const read = (p: string) => readFileSync(p, 'utf8').trim();

test('a pre-existing cgroup with a process in it is refused by both, and left as it was', { skip }, withWs('cg-busy', async (ws) => {
  const rel = `runts-busy-${process.pid}`;
  const sleeper = spawn('sleep', ['60'], { stdio: 'ignore' });
  try {
    for (const h of ['devices', 'pids', 'freezer']) {
      mkdirSync(join(CG, h, rel), { recursive: true });
      writeFileSync(join(CG, h, rel, 'cgroup.procs'), String(sleeper.pid));
    }
    ws.writeSpec(ws.spec(['true'], (s) => (s.linux!.cgroupsPath = `/${rel}`)));
    const r = both(ws, ['run', ws.id()]);
    assert.equal(r.runc.status, 1, r.runc.stderr);
    assert.match(r.runc.stderr, /container's cgroup is not empty: 1 process\(es\) found/);
    assert.equal(r.runts.status, r.runc.status, r.runts.stderr);
    assert.match(r.runts.stderr, /container's cgroup is not empty: 1 process\(es\) found in \/sys\/fs\/cgroup\/devices\//);
    // Nothing touched: the process lives on in its cgroups.
    assert.equal(sleeper.exitCode, null);
    assert.equal(sleeper.signalCode, null);
    for (const h of ['devices', 'pids', 'freezer']) assert.equal(read(join(CG, h, rel, 'cgroup.procs')), String(sleeper.pid), h);
    // runc looks at the devices hierarchy only; runts at every one (a process left in any
    // would be killed with the container): a pids-only straggler is refused too.
    writeFileSync(join(CG, 'devices', 'cgroup.procs'), String(sleeper.pid));
    writeFileSync(join(CG, 'freezer', 'cgroup.procs'), String(sleeper.pid));
    const r2 = ws.runts(['run', ws.id()]);
    assert.equal(r2.status, 1);
    assert.match(r2.stderr, new RegExp(`not empty: 1 process\\(es\\) found in ${CG}/pids/${rel}`));
    assert.equal(read(join(CG, 'pids', rel, 'cgroup.procs')), String(sleeper.pid));
  } finally {
    sleeper.kill('SIGKILL');
    await new Promise((res) => (sleeper.exitCode !== null || sleeper.signalCode !== null ? res(null) : sleeper.once('exit', res)));
    rmCgroup(rel);
  }
}));

test('a pre-existing frozen cgroup is refused at once by both, and left frozen', { skip }, withWs('cg-frozen', (ws) => {
  const rel = `runts-frozen-${process.pid}`;
  try {
    mkdirSync(join(CG, 'freezer', rel));
    writeFileSync(join(CG, 'freezer', rel, 'freezer.state'), 'FROZEN');
    ws.writeSpec(ws.spec(['true'], (s) => (s.linux!.cgroupsPath = `/${rel}`)));
    const t0 = Date.now();
    const r = both(ws, ['run', ws.id()], { timeout: 20_000 });
    assert.ok(Date.now() - t0 < 10_000, `took ${Date.now() - t0} ms`);
    assert.equal(r.runc.status, 1, r.runc.stderr);
    assert.match(r.runc.stderr, /container's cgroup unexpectedly frozen/);
    assert.equal(r.runts.status, 1, r.runts.stderr);
    assert.match(r.runts.stderr, /^runts: container's cgroup unexpectedly frozen \(\/sys\/fs\/cgroup\/freezer\/runts-frozen-\d+\)/);
    assert.equal(read(join(CG, 'freezer', rel, 'freezer.state')), 'FROZEN');
  } finally {
    try {
      writeFileSync(join(CG, 'freezer', rel, 'freezer.state'), 'THAWED');
    } catch {
      /* not made */
    }
    rmCgroup(rel);
  }
}));

test('v1 cpuset: a nested path under a parent left with empty cpus/mems runs in both', { skip }, withWs('cg-cpuset', (ws) => {
  const cpus = read(join(CG, 'cpuset', 'cpuset.cpus'));
  for (const [i, rt] of (['runts', 'runc'] as const).entries()) {
    const rel = `runts-cpuset-${process.pid}-${i}`;
    try {
      mkdirSync(join(CG, 'cpuset', rel)); // cpuset.cpus and .mems start empty
      ws.writeSpec(ws.spec(['cat', '/sys/fs/cgroup/cpuset/cpuset.cpus'], (s) => (s.linux!.cgroupsPath = `/${rel}/a/b`)));
      const r = rt === 'runts' ? ws.runts(['run', ws.id()]) : runc(ws, ['run', ws.id()]);
      assert.deepEqual({ status: r.status, stdout: r.stdout }, { status: 0, stdout: `${cpus}\n` }, `${rt}: ${r.stderr}`);
      assert.equal(read(join(CG, 'cpuset', rel, 'cpuset.cpus')), cpus, `${rt} filled the empty parent`);
    } finally {
      rmCgroup(`${rel}/a/b`);
    }
  }
}));

test('a nested cgroupsPath: delete removes the parents runts made in every hierarchy (runc 1.3 leaves them)', { skip }, withWs('cg-parents', (ws) => {
  for (const [i, rt] of (['runts', 'runc'] as const).entries()) {
    const rel = `runts-parents-${process.pid}-${i}`;
    try {
      ws.writeSpec(ws.spec(['true'], (s) => (s.linux!.cgroupsPath = `/${rel}/a/b`)));
      const r = rt === 'runts' ? ws.runts(['run', ws.id()]) : runc(ws, ['run', ws.id()]);
      assert.equal(r.status, 0, `${rt}: ${r.stderr}`);
      const left = [...hierarchies(), 'unified'].filter((h) => existsSync(join(CG, h, rel)));
      if (rt === 'runts') assert.deepEqual(left, [], 'runts removed /rel and /rel/a where it made them');
      else assert.ok(left.includes('freezer') && !existsSync(join(CG, 'freezer', rel, 'a', 'b')), `runc removes the leaf only (left: ${left.join(' ')})`);
    } finally {
      rmCgroup(`${rel}/a/b`);
    }
  }
}));

// pids.limit 0 means 1 (runc issue 4014; what opencontainers/cgroups, runc's next cgroup
// code, writes): runc 1.3 still leaves the limit alone for 0, so 0 is checked on runts only.
test('pids.limit 0 and -1: run and update (0 means 1, -1 is max; the rest as runc 1.3)', { skip }, withWs('cg-pids', (ws) => {
  const show = 'cat /sys/fs/cgroup/pids/pids.max';
  for (const limit of [0, -1, 50]) {
    ws.writeSpec(ws.spec(['sh', '-c', show], (s) => (s.linux!.resources = { ...s.linux!.resources, pids: { limit } })));
    const r = both(ws, ['run', ws.id()]);
    if (limit !== 0) assert.deepEqual({ status: r.runts.status, stdout: r.runts.stdout }, { status: r.runc.status, stdout: r.runc.stdout }, `limit ${limit}: ${r.runts.stderr}`);
    assert.equal(r.runts.status, 0, r.runts.stderr);
    assert.equal(r.runts.stdout, limit === 50 ? '50\n' : limit === 0 ? '1\n' : 'max\n');
  }
  // Limits well above what runc's own (Go, threaded) exec needs inside the cgroup.
  ws.writeSpec(ws.spec(['sleep', '60'], (s) => (s.linux!.resources = { ...s.linux!.resources, pids: { limit: 50 } })));
  const ids = pairIds(ws);
  const up = both(ws, (rt) => ['run', '-d', ids[rt]]);
  assert.equal(up.runts.status, 0, up.runts.stderr);
  assert.equal(up.runc.status, 0, up.runc.stderr);
  const seen = (args: string[], input?: string) => {
    const r = both(ws, (rt) => ['update', ...args, ids[rt]], input !== undefined ? { input } : {});
    const ex = both(ws, (rt) => ['exec', ids[rt], 'cat', '/sys/fs/cgroup/pids/pids.max']);
    return { runts: [r.runts.status, ex.runts.stdout], runc: [r.runc.status, ex.runc.stdout], err: [r.runts.stderr, r.runc.stderr, ex.runts.stderr.slice(0, 300), ex.runc.stderr.slice(0, 300)] };
  };
  for (const [args, input, want] of [
    [['--pids-limit', '-1'], undefined, 'max\n'],
    [['--pids-limit', '90'], undefined, '90\n'],
    [['-r', '-'], '{"pids":{"limit":-1}}', 'max\n'],
  ] as const) {
    const s = seen([...args], input);
    assert.deepEqual(s.runts, s.runc, `update ${args.join(' ')} ${input ?? ''}: ${JSON.stringify(s)}`);
    assert.deepEqual(s.runts, [0, want]);
  }
  // 0 means 1 on update too (runc 1.3 leaves the limit alone): runts only.
  for (const [args, input] of [[['--pids-limit', '0'], undefined], [['-r', '-'], '{"pids":{"limit":0}}']] as const) {
    assert.equal(ws.runts(['update', '--pids-limit', '-1', ids.runts!]).status, 0);
    const u = ws.runts(['update', ...args, ids.runts!], input !== undefined ? { input } : {});
    assert.equal(u.status, 0, u.stderr);
    // read from the host (events --stats): with pids.max 1 an exec could not fork
    const ev = ws.runts(['events', '--stats', ids.runts!]);
    assert.equal(JSON.parse(ev.stdout).data.pids.limit, 1, `update ${args.join(' ')}: ${ev.stdout}${ev.stderr}`);
  }
}));

test('device rules deny what the config denies (/dev/kmsg), also linux.devices nodes and after update', { skip }, withWs('cg-devices', (ws) => {
  // `: >` opens for writing only: /dev/kmsg needs no capability for that, so only the
  // device cgroup can refuse it (EPERM), and nothing is written to the kernel log. (In a
  // subshell: a failed redirection of `:` ends the shell.)
  const probe = 'for d in /dev/kmsg /dev/kmsg2; do [ -e $d ] && { (: > $d) 2>/dev/null && echo "$d open" || echo "$d denied"; }; done; grep -c "^c 5:1 " /sys/fs/cgroup/devices/devices.list';
  ws.writeSpec(ws.spec(['sh', '-c', probe], (s) => {
    s.mounts = [...(s.mounts ?? []), { destination: '/dev/kmsg', type: 'bind', source: '/dev/kmsg', options: ['bind'] }];
    s.linux!.devices = [{ path: '/dev/kmsg2', type: 'c', major: 1, minor: 11 }];
  }));
  let r = both(ws, ['run', ws.id()]);
  assert.equal(r.runts.stdout, r.runc.stdout, r.runts.stderr);
  assert.equal(r.runts.status, r.runc.status);
  assert.match(r.runts.stdout, /^\/dev\/kmsg denied\n\/dev\/kmsg2 denied\n0\n$/, 'no /dev/console rule either');
  // An explicit allow rule opens the linux.devices node, in both.
  ws.writeSpec(ws.spec(['sh', '-c', probe], (s) => {
    s.linux!.devices = [{ path: '/dev/kmsg2', type: 'c', major: 1, minor: 11 }];
    s.linux!.resources = { devices: [...(s.linux!.resources?.devices ?? []), { allow: true, type: 'c', major: 1, minor: 11, access: 'w' }] };
  }));
  r = both(ws, ['run', ws.id()]);
  assert.equal(r.runts.stdout, r.runc.stdout, r.runts.stderr);
  assert.match(r.runts.stdout, /^\/dev\/kmsg2 open\n/);
  // update never widens the device rules: runc's update ignores `devices`, so does runts'.
  ws.writeSpec(ws.spec(['sleep', '60'], (s) => {
    s.mounts = [...(s.mounts ?? []), { destination: '/dev/kmsg', type: 'bind', source: '/dev/kmsg', options: ['bind'] }];
  }));
  const ids = pairIds(ws);
  const up = both(ws, (rt) => ['run', '-d', ids[rt]]);
  assert.deepEqual([up.runts.status, up.runc.status], [0, 0], up.runts.stderr + up.runc.stderr);
  const upd = both(ws, (rt) => ['update', '-r', '-', ids[rt]], { input: JSON.stringify({ devices: [{ allow: true, access: 'rwm' }], pids: { limit: 20 } }) });
  assert.deepEqual([upd.runts.status, upd.runc.status], [0, 0], upd.runts.stderr + upd.runc.stderr);
  const ex = both(ws, (rt) => ['exec', ids[rt], 'sh', '-c', '(: > /dev/kmsg) 2>/dev/null && echo open || echo denied; cat /sys/fs/cgroup/pids/pids.max']);
  assert.equal(ex.runts.stdout, ex.runc.stdout);
  assert.equal(ex.runts.stdout, 'denied\n20\n');
}));

test('v1 realtime: an update that shortens the period works in both; cpu.idle updates', { skip: skip || (!existsSync(join(CG, 'cpu', 'cpu.rt_runtime_us')) ? 'no cpu.rt_runtime_us (CONFIG_RT_GROUP_SCHED off)' : false) }, withWs('cg-rt', (ws) => {
  ws.writeSpec(ws.spec(['sleep', '60'], (s) => (s.linux!.resources = { ...s.linux!.resources, cpu: { realtimePeriod: 500000, realtimeRuntime: 400000 } })));
  // One runtime at a time: two groups of 0.8 realtime each would exceed the root's 0.95.
  const seen: Record<string, Array<[number | null, string]>> = {};
  const steps: Array<[string[], string | undefined]> = [
    [['--cpu-rt-period', '100000', '--cpu-rt-runtime', '50000'], undefined],
    [['--cpu-rt-period', '1000000', '--cpu-rt-runtime', '900000'], undefined],
    [['--cpu-idle', '1'], undefined],
    [['--cpu-idle', '0'], undefined],
    [['--cpu-idle', '1'], undefined],
    // shares and idle 0 together on an idle group: the kernel refuses shares while idle
    [['-r', '-'], JSON.stringify({ cpu: { idle: 0, shares: 512 } })],
  ];
  for (const rt of ['runts', 'runc'] as const) {
    const cli = (args: string[], input?: string) => (rt === 'runts' ? ws.runts(args, input !== undefined ? { input } : {}) : runc(ws, args, input !== undefined ? { input } : {}));
    const id = ws.id();
    // The kernel returns a removed group's realtime share a moment after rmdir: retry.
    let up = cli(['run', '-d', id]);
    for (let i = 0; i < 20 && up.status !== 0 && /rt_runtime_us: invalid argument/.test(up.stderr); i++) {
      cli(['delete', '--force', id]);
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 100);
      up = cli(['run', '-d', id]);
    }
    assert.equal(up.status, 0, `${rt}: ${up.stderr}`);
    seen[rt] = steps.map(([args, input]) => {
      const u = cli(['update', ...args, id], input);
      const ex = cli(['exec', id, 'cat', '/sys/fs/cgroup/cpu/cpu.rt_period_us', '/sys/fs/cgroup/cpu/cpu.rt_runtime_us', '/sys/fs/cgroup/cpu/cpu.idle', '/sys/fs/cgroup/cpu/cpu.shares']);
      return [u.status, ex.stdout.replace(/\n/g, ' ').trim()];
    });
    assert.equal(cli(['delete', '--force', id]).status, 0);
  }
  const want: Array<[number, string]> = [
    [0, '100000 50000 0 1024'],
    [0, '1000000 900000 0 1024'],
    [0, '1000000 900000 1 3'],
    [0, '1000000 900000 0 1024'],
    [0, '1000000 900000 1 3'],
    [0, '1000000 900000 0 512'],
  ];
  assert.deepEqual(seen.runts, want);
  // runc 1.3 agrees on every step but the last: it writes shares before idle and fails
  // (runts leaves idle first; an improvement, not a difference a working caller sees).
  assert.deepEqual(seen.runc!.slice(0, -1), want.slice(0, -1));
  assert.equal(seen.runc!.at(-1)![0], 1);
}));

// The shim joins v1 hierarchies through their `tasks` files (its one thread: no global
// lock, no RCU grace period) and the unified one by clone3(CLONE_INTO_CGROUP): the init
// and an exec'd process must still end up exactly where runc puts them, seen from the
// host and from inside, with and without a cgroup namespace.
test('the init and an exec\'d process are in the container\'s cgroup of every hierarchy, as with runc', { skip }, withWs('cg-join', (ws) => {
  for (const cgroupns of [false, true]) {
    ws.writeSpec(ws.spec(['sleep', '60'], (s) => {
      if (cgroupns) s.linux!.namespaces!.push({ type: 'cgroup' });
    }));
    const ids = pairIds(ws);
    const up = both(ws, (rt) => ['run', '-d', ids[rt]]);
    assert.equal(up.runts.status, 0, up.runts.stderr);
    assert.equal(up.runc.status, 0, up.runc.stderr);
    const cli = (rt: 'runts' | 'runc', args: string[]) => (rt === 'runts' ? ws.runts(args) : runc(ws, args));
    const view = (rt: 'runts' | 'runc') => {
      const pid = JSON.parse(cli(rt, ['state', ids[rt]]).stdout).pid as number;
      const host = read(`/proc/${pid}/cgroup`).split(ids[rt]).join('ID');
      const ex = cli(rt, ['exec', ids[rt], 'cat', '/proc/self/cgroup']);
      return { host, inside: ex.stdout.split(ids[rt]).join('ID'), status: ex.status };
    };
    const [a, b] = [view('runts'), view('runc')];
    assert.deepEqual(a, b, `cgroupns ${cgroupns}`);
    assert.equal(a.status, 0);
    const lines = a.host.split('\n');
    assert.ok(lines.length >= 2 && lines.every((l) => l.endsWith('/ID')), `every hierarchy: ${a.host}`);
    for (const rt of ['runts', 'runc'] as const) {
      const r = cli(rt, ['delete', '-f', ids[rt]]);
      assert.equal(r.status, 0, r.stderr);
    }
  }
}));
