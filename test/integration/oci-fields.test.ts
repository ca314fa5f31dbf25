/**
 * The remaining OCI fields, observed from inside real containers (scheduler, I/O
 * priority, CPU affinity, personality, time namespace offsets, memory policy, rro
 * mounts, sysctls, oomScoreAdj, netDevices), and the refusals that must come before
 * anything is created (errors naming the JSON path, nothing left behind). Also: `spec`
 * output runs unchanged, `features` claims hold on this host, --version.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import type { Spec } from '../../src/spec/types.js';
import { RUNTS, SKIP_NOT_ROOT, mountsUnder, rootfs, stateOf, workspace, type Workspace } from './helpers.js';

describe('OCI fields', { skip: SKIP_NOT_ROOT }, () => {
  let ws: Workspace;
  before(() => {
    ws = workspace('fields');
  });
  after(() => {
    for (const m of mountsUnder(ws.dir).reverse()) spawnSync('umount', ['-l', m]);
    ws.cleanup();
  });

  function run(script: string, edit?: (s: Spec) => void) {
    ws.writeSpec(ws.spec(['sh', '-c', script], edit));
    const r = ws.runts(['run', ws.id()]);
    return { code: r.status, out: r.stdout.trim(), err: r.stderr };
  }

  function refused(edit: (s: Spec) => void): string {
    const id = ws.id();
    ws.writeSpec(ws.spec(['true'], edit));
    const r = ws.runts(['create', id]);
    assert.equal(r.status, 1, r.stderr);
    assert.ok(!existsSync(join(ws.root, id)), 'no state dir left');
    for (const ctrl of ['memory', 'pids']) assert.ok(!readdirSync(`/sys/fs/cgroup/${ctrl}`).includes(id), `${ctrl} cgroup left`);
    return r.stderr;
  }

  it('process.scheduler: SCHED_RR priority 10, SCHED_BATCH with nice (policy and priority in /proc/self/stat)', () => {
    // fields 18 priority... 40 rt_priority, 41 policy (the comm has no spaces here)
    // With RT group scheduling (cgroup v1 cpu.rt_runtime_us), a real-time policy needs a
    // runtime budget in the container's cgroup, as with runc.
    const rr = run('cut -d" " -f40,41 /proc/self/stat', (s) => {
      s.process!.scheduler = { policy: 'SCHED_RR', priority: 10 };
      if (existsSync('/sys/fs/cgroup/cpu/cpu.rt_runtime_us')) s.linux!.resources = { ...s.linux!.resources, cpu: { realtimeRuntime: 10000, realtimePeriod: 1000000 } };
    });
    assert.equal(rr.err, '');
    assert.equal(rr.out, '10 2');
    const batch = run('cut -d" " -f19,41 /proc/self/stat', (s) => (s.process!.scheduler = { policy: 'SCHED_BATCH', nice: 7 }));
    assert.equal(batch.out, '7 3');
  });

  it('process.ioPriority: the class and level ionice reports', () => {
    const r = run('ionice', (s) => (s.process!.ioPriority = { class: 'IOPRIO_CLASS_IDLE' }));
    assert.equal(r.err, '');
    assert.match(r.out, /^idle/);
    const be = run('ionice', (s) => (s.process!.ioPriority = { class: 'IOPRIO_CLASS_BE', priority: 6 }));
    assert.match(be.out, /best-effort: prio 6/);
  });

  it('process.execCPUAffinity is not for the init (runtime-spec, runc 1.3): it runs on every cpu', () => {
    // exec'd processes honour it: test/integration/compat-process.test.ts
    const r = run('grep Cpus_allowed_list /proc/self/status', (s) => (s.process!.execCPUAffinity = { final: '0' }));
    assert.equal(r.err, '');
    assert.match(r.out, /Cpus_allowed_list:\s+0(-\d+)?$/);
    if (cpus().length > 1) assert.match(r.out, /Cpus_allowed_list:\s+0-\d+$/);
  });

  it('linux.personality LINUX32: uname -m says i686, /proc/self/personality 8', { skip: process.arch !== 'x64' ? 'needs x86_64' : false }, () => {
    const r = run('uname -m; cat /proc/self/personality', (s) => (s.linux!.personality = { domain: 'LINUX32' }));
    assert.equal(r.err, '');
    assert.deepEqual(r.out.split('\n'), ['i686', '00000008']);
  });

  it('linux.timeOffsets with a time namespace: offsets and uptime seen inside', () => {
    const hostUptime = Number(readFileSync('/proc/uptime', 'utf8').split(' ')[0]);
    const r = run('cat /proc/self/timens_offsets; cut -d" " -f1 /proc/uptime', (s) => {
      s.linux!.namespaces!.push({ type: 'time' });
      s.linux!.timeOffsets = { monotonic: { secs: 86400 }, boottime: { secs: 1_000_000, nanosecs: 5 } };
    });
    assert.equal(r.err, '');
    const lines = r.out.split('\n');
    assert.match(lines[0]!, /^monotonic\s+86400\s+0$/);
    assert.match(lines[1]!, /^boottime\s+1000000\s+5$/);
    assert.ok(Number(lines[2]) >= hostUptime + 1_000_000 - 1, `uptime ${lines[2]} is offset`);
  });

  it('a time namespace without offsets works too, and offsets without one are refused', () => {
    const r = run('cat /proc/self/timens_offsets', (s) => s.linux!.namespaces!.push({ type: 'time' }));
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /monotonic\s+0\s+0/);
    assert.match(refused((s) => (s.linux!.timeOffsets = { boottime: { secs: 5 } })), /linux\.timeOffsets: time offsets need a time namespace/);
  });

  it('linux.memoryPolicy MPOL_BIND to node 0 (numa_maps shows bind:0)', () => {
    const r = run('grep -m1 -o "bind:0" /proc/self/numa_maps', (s) => (s.linux!.memoryPolicy = { mode: 'MPOL_BIND', nodes: '0' }));
    assert.equal(r.err, '');
    assert.equal(r.out, 'bind:0');
    assert.match(refused((s) => (s.linux!.memoryPolicy = { mode: 'MPOL_BIND' })), /linux\.memoryPolicy\.nodes: MPOL_BIND needs nodes/);
  });

  it('rro makes a bind mount and its submounts read-only (mount_setattr)', () => {
    const src = join(ws.dir, 'rro-src');
    mkdirSync(join(src, 'sub'), { recursive: true });
    assert.equal(spawnSync('mount', ['-t', 'tmpfs', 'rro-sub', join(src, 'sub')]).status, 0);
    try {
      const r = run('touch /v/a 2>&1; touch /v/sub/b 2>&1; grep " /v" /proc/self/mountinfo | cut -d" " -f5,6', (s) => {
        s.mounts!.push({ destination: '/v', type: 'bind', source: src, options: ['rbind', 'rro'] });
      });
      const lines = r.out.split('\n');
      assert.match(lines[0]!, /Read-only file system/);
      assert.match(lines[1]!, /Read-only file system/, 'the submount is read-only too');
      assert.match(r.out, /^\/v ro/m);
      assert.match(r.out, /^\/v\/sub ro/m);
      // plain ro (not recursive) leaves the submount writable, as the kernel does
      const plain = run('touch /v/sub/c && echo writable', (s) => {
        s.mounts!.push({ destination: '/v', type: 'bind', source: src, options: ['rbind', 'ro'] });
      });
      assert.equal(plain.out, 'writable');
    } finally {
      spawnSync('umount', [join(src, 'sub')]);
    }
  });

  it('linux.sysctl: namespaced sysctls are set inside, others refused with their path', () => {
    const r = run('cat /proc/sys/net/ipv4/ip_forward /proc/sys/kernel/shmmni', (s) => {
      s.linux!.sysctl = { 'net.ipv4.ip_forward': '1', 'kernel.shmmni': '1234' };
    });
    assert.equal(r.err, '');
    assert.deepEqual(r.out.split('\n'), ['1', '1234']);
    assert.match(refused((s) => (s.linux!.sysctl = { 'kernel.panic': '1' })), /linux\.sysctl\["kernel\.panic"\]: sysctl kernel\.panic is not in a separate kernel namespace/);
    assert.match(refused((s) => {
      s.linux!.namespaces = s.linux!.namespaces!.filter((n) => n.type !== 'network');
      s.linux!.sysctl = { 'net.ipv4.ip_forward': '1' };
    }), /add a network namespace/);
  });

  it('process.oomScoreAdj is applied; hostname without a uts namespace is refused', () => {
    assert.equal(run('cat /proc/self/oom_score_adj', (s) => (s.process!.oomScoreAdj = 500)).out, '500');
    assert.match(refused((s) => {
      s.linux!.namespaces = s.linux!.namespaces!.filter((n) => n.type !== 'uts');
      s.hostname = 'nope';
    }), /hostname: setting the hostname needs a uts namespace/);
  });

  it('linux.netDevices: a host interface moves into the container, renamed', () => {
    // The "host" is a private network namespace, so the machine's own is never touched.
    const id = ws.id();
    ws.writeSpec(ws.spec(['sh', '-c', 'cat /sys/class/net/ctr0/address; ls /sys/class/net'], (s) => {
      s.linux!.netDevices = { rtsdummy0: { name: 'ctr0' } };
    }));
    const script = `ip link add rtsdummy0 address 02:00:00:00:00:42 type veth peer name rtspeer0 && ${RUNTS} --root ${ws.root} run ${id} && ! ip link show rtsdummy0 2>/dev/null`;
    const r = spawnSync('unshare', ['--net', 'sh', '-c', script], { cwd: ws.bundle, encoding: 'utf8', timeout: 30_000 });
    assert.equal(r.stderr, '');
    assert.equal(r.status, 0);
    assert.deepEqual(r.stdout.trim().split('\n'), ['02:00:00:00:00:42', 'ctr0', 'lo']);
    const missing = spawnSync('unshare', ['--net', RUNTS, '--root', ws.root, 'run', ws.id()], { cwd: ws.bundle, encoding: 'utf8' });
    assert.equal(missing.status, 1);
    assert.match(missing.stderr, /linux\.netDevices\["rtsdummy0"\]: no such host interface/);
  });

  it('linux.intelRdt: a clear error when resctrl is absent, nothing created', () => {
    const err = refused((s) => (s.linux!.intelRdt = { closID: 'x' }));
    assert.match(err, /linux\.intelRdt: resctrl is not mounted at \/sys\/fs\/resctrl|linux\.intelRdt: resctrl groups are not implemented/);
  });

  it('annotations are kept in the state; unknown fields are ignored; ociVersion is checked', () => {
    const id = ws.id();
    const s = ws.spec(['sleep', '10']) as Spec & Record<string, unknown>;
    s.annotations = { 'com.example/x': 'y' };
    s['org.example.future'] = { anything: [1, 2] };
    (s.process as unknown as Record<string, unknown>)['futureField'] = true;
    ws.writeSpec(s);
    assert.equal(ws.runts(['create', id]).status, 0);
    assert.deepEqual((stateOf(ws, id) as unknown as { annotations: unknown }).annotations, { 'com.example/x': 'y' });
    assert.equal(ws.runts(['delete', '--force', id]).status, 0);
    assert.match(refused((x) => (x.ociVersion = '2.0.0')), /ociVersion: unsupported version 2\.0\.0/);
  });

  it('spec output runs unchanged with only args changed (also --rootless passes validation)', () => {
    const dir = join(ws.dir, 'specbundle');
    mkdirSync(dir, { recursive: true });
    assert.equal(spawnSync(RUNTS, ['spec', '--bundle', dir]).status, 0);
    const s = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')) as Spec;
    s.root!.path = rootfs();
    s.process!.args = ['sh', '-c', 'echo spec-ok'];
    s.process!.terminal = false;
    writeFileSync(join(dir, 'config.json'), JSON.stringify(s));
    const r = spawnSync(RUNTS, ['--root', ws.root, 'run', '--bundle', dir, ws.id()], { encoding: 'utf8' });
    assert.equal(r.stderr, '');
    assert.equal(r.stdout, 'spec-ok\n');
    rmSync(join(dir, 'config.json'));
    assert.equal(spawnSync(RUNTS, ['spec', '--rootless', '--bundle', dir]).status, 0);
    assert.ok(JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')).linux.uidMappings.length > 0);
  });

  it('features claims hold here: time namespace and rro run (above); hooks listed; JSON parses', () => {
    const r = spawnSync(RUNTS, ['features'], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    const f = JSON.parse(r.stdout);
    assert.ok(f.linux.namespaces.includes('time'));
    assert.ok(f.mountOptions.includes('rro'));
    assert.equal(f.hooks.length, 6);
    assert.match(f.annotations['io.github.seccomp.libseccomp.version'], /^\d+\.\d+\.\d+$/);
    assert.equal(f.linux.intelRdt.enabled, false);
    assert.equal(f.linux.apparmor.enabled, existsSync('/sys/module/apparmor/parameters/enabled') && readFileSync('/sys/module/apparmor/parameters/enabled', 'utf8').trim() === 'Y');
  });

  it('--version names runts, the spec and libseccomp', () => {
    const r = spawnSync(RUNTS, ['--version'], { encoding: 'utf8' });
    assert.equal(r.status, 0);
    assert.match(r.stdout, /^runts version \S+\nspec: 1\.\d+\.\d+\nlibseccomp: \d+\.\d+\.\d+\n$/);
  });
});
