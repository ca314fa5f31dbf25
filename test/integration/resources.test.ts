/**
 * Cgroups seen through real containers (this host's hybrid layout): limits read back
 * from inside, OOM kill + oom event, a fork bomb held by pids.max, pause/resume of a
 * counter, a live update, device rules, ps/events, and no cgroup left behind.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { RUNTS, SKIP_NOT_ROOT, stateOf, until, workspace, type Workspace } from './helpers.js';

const V1 = existsSync('/sys/fs/cgroup/memory/memory.limit_in_bytes');

describe('cgroup resources of containers', { skip: SKIP_NOT_ROOT || (V1 ? false : 'these checks read v1 files; the v2 path is covered in the cgroup2 VM') }, () => {
  let ws: Workspace;
  before(() => {
    ws = workspace('res');
  });
  after(() => {
    ws.cleanup();
    for (const ctrl of ['memory', 'pids', 'cpu', 'freezer', 'devices']) {
      assert.deepEqual(readdirSync(`/sys/fs/cgroup/${ctrl}`).filter((d) => d.startsWith('res-')), [], `${ctrl} cgroups left`);
    }
  });

  function detached(args: string[], edit?: Parameters<Workspace['spec']>[1]): string {
    const id = ws.id();
    ws.writeSpec(ws.spec(args, edit));
    const r = ws.runts(['run', '-d', id]);
    assert.equal(r.status, 0, r.stderr);
    return id;
  }

  it('sets memory, pids and cpu limits that read back from inside', () => {
    ws.writeSpec(ws.spec(['sh', '-c', 'cat /sys/fs/cgroup/memory/memory.limit_in_bytes /sys/fs/cgroup/pids/pids.max /sys/fs/cgroup/cpu/cpu.cfs_quota_us /sys/fs/cgroup/cpu/cpu.shares; cat /proc/self/cgroup | grep memory'], (s) => {
      s.linux!.resources = { ...s.linux!.resources, memory: { limit: 64 << 20 }, pids: { limit: 50 }, cpu: { quota: 50000, period: 100000, shares: 512 } };
    }));
    const r = ws.runts(['run', ws.id()]);
    assert.equal(r.status, 0, r.stderr);
    const [mem, pids, quota, shares, cg] = r.stdout.trim().split('\n');
    assert.equal(Number(mem), 64 << 20);
    assert.equal(pids, '50');
    assert.equal(quota, '50000');
    assert.equal(shares, '512');
    assert.match(cg ?? '', /:memory:\//);
  });

  it('OOM-kills a memory hog under a 32 MiB limit and reports an oom event', async () => {
    const id = detached(['sh', '-c', 'sleep 1; x=a; while true; do x="$x$x"; done'], (s) => {
      s.linux!.resources = { ...s.linux!.resources, memory: { limit: 32 << 20, swap: 32 << 20 } };
    });
    const ev = spawn(RUNTS, ['--root', ws.root, 'events', '--interval', '200ms', id], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    ev.stdout.on('data', (d) => (out += d));
    await until(() => out.includes('"type":"oom"'), 20_000, 'oom event');
    await until(() => stateOf(ws, id).status === 'stopped', 10_000, 'stopped after OOM');
    await new Promise((r) => ev.on('close', r));
    const stats = out.split('\n').filter((l) => l.includes('"stats"')).map((l) => JSON.parse(l));
    assert.ok(stats.length >= 1);
    assert.equal(stats[0].data.memory.usage.limit, 32 << 20);
    assert.equal(ws.runts(['delete', id]).status, 0);
  });

  it('holds a fork bomb at pids.max', async () => {
    // The inner shell forks until fork fails (busybox sh then exits); its sleeps stay.
    const id = detached(['sh', '-c', 'sh -c "while true; do sleep 100 & done" 2>/dev/null; exec sleep 100'], (s) => {
      s.linux!.resources = { ...s.linux!.resources, pids: { limit: 20 } };
    });
    const count = () => (JSON.parse(ws.runts(['ps', '--format', 'json', id]).stdout) as number[]).length;
    await until(() => count() >= 19, 5000, 'the bomb to hit the limit');
    await new Promise((r) => setTimeout(r, 300));
    const n = count();
    assert.ok(n >= 19 && n <= 20, `${n} processes`);
    const ev = JSON.parse(ws.runts(['events', '--stats', id]).stdout);
    assert.equal(ev.type, 'stats');
    assert.equal(ev.id, id);
    assert.equal(ev.data.pids.current, n);
    assert.equal(ev.data.pids.limit, 20);
    assert.equal(ws.runts(['delete', '--force', id]).status, 0);
  });

  it('pause stops a counter, resume restarts it; status follows', async () => {
    const id = detached(['sh', '-c', 'i=0; while true; do i=$((i+1)); echo $i > /tmp/count; done'], (s) => {
      s.root!.readonly = false;
      s.root!.path = ws.privateRootfs();
    });
    const count = () => Number(readFileSync(`${ws.dir}/rootfs/tmp/count`, 'utf8') || 0);
    await until(() => existsSync(`${ws.dir}/rootfs/tmp/count`) && count() > 10, 5000, 'counter');
    assert.equal(ws.runts(['pause', id]).status, 0);
    assert.equal(stateOf(ws, id).status, 'paused');
    const a = count();
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(count(), a, 'frozen counter does not move');
    assert.equal(ws.runts(['resume', id]).status, 0);
    assert.equal(stateOf(ws, id).status, 'running');
    await until(() => count() > a, 5000, 'counter moves again');
    const again = ws.runts(['resume', id]);
    assert.equal(again.status, 1);
    assert.match(again.stderr, /not paused/);
    assert.equal(ws.runts(['delete', '--force', id]).status, 0);
  });

  it('update changes a live limit (flags and --resources -)', () => {
    const id = detached(['sleep', '100'], (s) => {
      s.linux!.resources = { ...s.linux!.resources, memory: { limit: 64 << 20 }, pids: { limit: 50 } };
    });
    const cg = readFileSync(`/proc/${stateOf(ws, id).pid}/cgroup`, 'utf8');
    const memFile = `/sys/fs/cgroup/memory${cg.match(/:memory:(.*)/)![1]}/memory.limit_in_bytes`;
    const pidsFile = `/sys/fs/cgroup/pids${cg.match(/:pids:(.*)/)![1]}/pids.max`;
    assert.equal(ws.runts(['update', '--memory', '128m', '--pids-limit', '70', id]).status, 0);
    assert.equal(Number(readFileSync(memFile, 'utf8')), 128 << 20);
    assert.equal(readFileSync(pidsFile, 'utf8').trim(), '70');
    const r = ws.runts(['update', '--resources', '-', id], { input: JSON.stringify({ pids: { limit: 33 } }) });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(readFileSync(pidsFile, 'utf8').trim(), '33');
    const bad = ws.runts(['update', '--memory', 'lots', id]);
    assert.equal(bad.status, 1);
    assert.match(bad.stderr, /--memory/);
    assert.equal(ws.runts(['delete', '--force', id]).status, 0);
  });

  it('device rules: the default denies opening devices not allowed (mknod is allowed, as runc)', () => {
    ws.writeSpec(ws.spec(['sh', '-c', 'mknod /dev/sda1 b 8 1 && mknod /dev/mem c 1 1 && echo made; head -c1 /dev/sda1 2>&1; head -c1 /dev/mem 2>&1; echo rc=$?; head -c1 /dev/zero | wc -c'], (s) => {
      s.process!.capabilities = { bounding: ['CAP_MKNOD'], effective: ['CAP_MKNOD'], permitted: ['CAP_MKNOD'] };
    }));
    const r = ws.runts(['run', ws.id()]);
    assert.match(r.stdout, /^made$/m);
    assert.match(r.stdout, /sda1: Operation not permitted/);
    assert.match(r.stdout, /mem: Operation not permitted/);
    assert.match(r.stdout, /rc=1/);
    assert.match(r.stdout, /^1$/m, 'an allowed device still opens');
  });
});
