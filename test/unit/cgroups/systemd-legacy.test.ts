/**
 * The systemd driver on cgroup v1/hybrid (src/cgroups/systemd/legacy.ts), its pure parts:
 * the unit's directory in every hierarchy, and spec resources → v1 unit properties.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadCgroupManager, newCgroupManager, type CgroupState } from '../../../src/cgroups/manager.js';
import '../../../src/cgroups/systemd/driver.js'; // registers the systemd driver with the manager seam
import { SystemdV1Manager } from '../../../src/cgroups/systemd/legacy.js';
import { legacyPaths, legacyResourceProperties, legacyStartProperties } from '../../../src/cgroups/systemd/legacy.js';
import { parseMountinfo, parseProcCgroup } from '../../../src/cgroups/paths.js';
import { systemdUnit } from '../../../src/cgroups/systemd/unit.js';

// The hybrid guest's mounts (systemd 252, systemd.unified_cgroup_hierarchy=0), trimmed.
const MOUNTINFO = [
  '30 22 0:26 / /sys/fs/cgroup ro,nosuid,nodev,noexec shared:9 - tmpfs tmpfs ro,size=4096k,mode=755',
  '31 30 0:27 / /sys/fs/cgroup/unified rw,nosuid,nodev,noexec,relatime shared:10 - cgroup2 cgroup2 rw,nsdelegate',
  '32 30 0:28 / /sys/fs/cgroup/systemd rw,nosuid,nodev,noexec,relatime shared:11 - cgroup cgroup rw,xattr,name=systemd',
  '35 30 0:31 / /sys/fs/cgroup/cpu,cpuacct rw,nosuid,nodev,noexec,relatime shared:14 - cgroup cgroup rw,cpu,cpuacct',
  '36 30 0:32 / /sys/fs/cgroup/memory rw,nosuid,nodev,noexec,relatime shared:15 - cgroup cgroup rw,memory',
  '37 30 0:33 / /sys/fs/cgroup/freezer rw,nosuid,nodev,noexec,relatime shared:16 - cgroup cgroup rw,freezer',
  '38 30 0:34 / /sys/fs/cgroup/net_cls,net_prio rw,nosuid,nodev,noexec,relatime shared:17 - cgroup cgroup rw,net_cls,net_prio',
  '39 30 0:35 / /sys/fs/cgroup/cpuset rw,nosuid,nodev,noexec,relatime shared:18 - cgroup cgroup rw,cpuset',
].join('\n');
const mounts = parseMountinfo(MOUNTINFO);
const v1 = mounts.filter((m) => m.type === 'cgroup');
const unified = mounts.find((m) => m.type === 'cgroup2');
const HOST_PID1 = parseProcCgroup('5:memory:/init.scope\n4:freezer:/\n2:cpu,cpuacct:/init.scope\n1:name=systemd:/init.scope\n0::/init.scope\n');

test('the unit lives at <slice path>/<unit> in every hierarchy, the ones systemd does not manage too', () => {
  const u = systemdUnit('machine.slice:libpod:abc', 'x');
  const p = legacyPaths(v1, unified, HOST_PID1, u.path);
  const d = (h: string) => `/sys/fs/cgroup/${h}/machine.slice/libpod-abc.scope`;
  assert.deepEqual(p, {
    'name=systemd': d('systemd'), cpu: d('cpu,cpuacct'), cpuacct: d('cpu,cpuacct'), memory: d('memory'), freezer: d('freezer'),
    net_cls: d('net_cls,net_prio'), net_prio: d('net_cls,net_prio'), cpuset: d('cpuset'), '': d('unified'),
  });
});

test('nested slices expand the same way in each hierarchy; the default is system.slice/runts-ID.scope', () => {
  assert.equal(legacyPaths(v1, unified, HOST_PID1, systemdUnit('a-b.slice:p:n', 'x').path).freezer, '/sys/fs/cgroup/freezer/a.slice/a-b.slice/p-n.scope');
  assert.equal(legacyPaths(v1, undefined, HOST_PID1, systemdUnit('', 'c1').path).memory, '/sys/fs/cgroup/memory/system.slice/runts-c1.scope');
  assert.equal(legacyPaths(v1, undefined, HOST_PID1, systemdUnit('', 'c1').path)[''], undefined, 'pure v1: no unified directory');
});

test("systemd in a container: the units are below PID 1's own cgroup, minus its init.scope", () => {
  const pid1 = parseProcCgroup('5:memory:/docker/abc/init.scope\n4:freezer:/docker/abc\n1:name=systemd:/docker/abc/init.scope\n0::/docker/abc/init.scope\n');
  const p = legacyPaths(v1, unified, pid1, '/system.slice/x.scope');
  assert.equal(p.memory, '/sys/fs/cgroup/memory/docker/abc/system.slice/x.scope');
  assert.equal(p.freezer, '/sys/fs/cgroup/freezer/docker/abc/system.slice/x.scope');
  assert.equal(p.cpuset, '/sys/fs/cgroup/cpuset/system.slice/x.scope', 'no line for it: the root');
  assert.equal(p[''], '/sys/fs/cgroup/unified/docker/abc/system.slice/x.scope');
});

test('v1 properties: MemoryLimit, CPUShares, CPUQuotaPerSecUSec (+ period), BlockIOWeight, TasksMax', () => {
  const p = legacyResourceProperties({
    memory: { limit: 64 << 20, reservation: 1 << 20, swap: 128 << 20 },
    cpu: { shares: 512, quota: 50000, period: 100000, cpus: '0', mems: '0' },
    blockIO: { weight: 300 },
    pids: { limit: 50 },
  });
  assert.deepEqual(p, [
    ['MemoryLimit', ['t', 67108864n]],
    ['CPUShares', ['t', 512n]],
    ['CPUQuotaPerSecUSec', ['t', 500000n]],
    ['CPUQuotaPeriodUSec', ['t', 100000n]],
    ['BlockIOWeight', ['t', 300n]],
    ['TasksMax', ['t', 50n]],
  ]);
  const names = p.map(([k]) => k);
  for (const v2only of ['MemoryMax', 'MemoryLow', 'MemorySwapMax', 'CPUWeight', 'IOWeight', 'AllowedCPUs', 'AllowedMemoryNodes']) assert.ok(!names.includes(v2only), v2only);
});

test('v1 properties: -1 is infinity, 0 means unset, pids 0 is TasksMax 1, the quota rounds up to 10 ms', () => {
  const INF = 0xffffffffffffffffn;
  assert.deepEqual(legacyResourceProperties({ memory: { limit: -1 }, pids: { limit: -1 }, cpu: { quota: -1 } }), [
    ['MemoryLimit', ['t', INF]],
    ['CPUQuotaPerSecUSec', ['t', INF]],
    ['TasksMax', ['t', INF]],
  ]);
  assert.deepEqual(legacyResourceProperties({ memory: { limit: 0 }, cpu: { shares: 0, quota: 0 }, blockIO: { weight: 0 } }), []);
  assert.deepEqual(legacyResourceProperties({ pids: { limit: 0 } }), [['TasksMax', ['t', 1n]]]);
  assert.deepEqual(legacyResourceProperties({ cpu: { quota: 12345 } }), [['CPUQuotaPerSecUSec', ['t', 130000n]]]);
});

test('StartTransientUnit on v1: Slice, Delegate, PIDs, the v1 accounting switches, no default dependencies', () => {
  const u = systemdUnit('machine.slice:libpod:abc', 'abc');
  const p = legacyStartProperties(u, 'abc', 4242, { memory: { limit: 1 << 20 } });
  const m = new Map(p);
  assert.deepEqual(m.get('Slice'), ['s', 'machine.slice']);
  assert.deepEqual(m.get('Delegate'), ['b', true]);
  assert.deepEqual(m.get('PIDs'), ['au', [4242]]);
  for (const k of ['MemoryAccounting', 'CPUAccounting', 'BlockIOAccounting', 'TasksAccounting']) assert.deepEqual(m.get(k), ['b', true], k);
  assert.ok(!m.has('IOAccounting'), 'IOAccounting is the cgroup v2 switch');
  assert.deepEqual(m.get('DefaultDependencies'), ['b', false]);
  assert.deepEqual(m.get('MemoryLimit'), ['t', 1048576n]);
  assert.deepEqual(m.get('DevicePolicy'), ['s', 'auto'], 'no device rules: systemd\'s default');
  // Device rules as on v2 and as runc's v1 driver: strict, and the allowed devices.
  const dev = legacyStartProperties(u, 'abc', 4242, { devices: [{ allow: false, access: 'rwm' }, { allow: true, type: 'c', major: 1, minor: 3, access: 'rwm' }] });
  assert.deepEqual(new Map(dev).get('DevicePolicy'), ['s', 'strict']);
  assert.deepEqual(dev.filter(([k]) => k === 'DeviceAllow').at(-1), ['DeviceAllow', ['a(ss)', [['/dev/char/1:3', 'rwm']]]]);
  const slice = new Map(legacyStartProperties(systemdUnit('machine.slice:x:pod.slice', 'abc'), 'abc', 4242, {}));
  assert.deepEqual(slice.get('Wants'), ['as', ['machine.slice']]);
  assert.ok(!slice.has('PIDs') && !slice.has('Delegate') && !slice.has('Slice'), 'a slice unit has no processes and no Slice=');
});

test('state.json round trip: a v1/hybrid state with a unit loads the systemd v1 manager with every path and the parents made', () => {
  const st: CgroupState = {
    layout: 'hybrid',
    paths: { 'name=systemd': '/sys/fs/cgroup/systemd/machine.slice/x.scope', memory: '/sys/fs/cgroup/memory/machine.slice/x.scope', freezer: '/sys/fs/cgroup/freezer/machine.slice/x.scope', '': '/sys/fs/cgroup/unified/machine.slice/x.scope' },
    created: ['/sys/fs/cgroup/freezer/machine.slice'],
    systemd: { unit: 'x.scope', slice: 'machine.slice' },
  };
  const m = loadCgroupManager(st);
  assert.ok(m instanceof SystemdV1Manager);
  assert.equal(m.layout, 'hybrid');
  assert.deepEqual(m.state(), st);
  assert.deepEqual(m.procsFiles().sort(), Object.values(st.paths).map((d) => `${d}/cgroup.procs`).sort());
});

test('a v1/hybrid root without a name=systemd hierarchy: the systemd driver refuses, naming why; a bad cgroupsPath names the field', () => {
  const root = mkdtempSync(join(tmpdir(), 'runts-sdv1-'));
  try {
    for (const d of ['memory', 'freezer', 'unified']) mkdirSync(join(root, d));
    writeFileSync(join(root, 'unified', 'cgroup.controllers'), '');
    assert.throws(() => newCgroupManager({ id: 'x', systemd: true, root, cgroupsPath: 'machine.slice:p:x' }), (e: Error & { code?: string }) => e.code === 'EUNSUPPORTED' && /no name=systemd hierarchy/.test(e.message));
    assert.throws(() => newCgroupManager({ id: 'x', systemd: true, root, cgroupsPath: 'not-a-slice-path' }), (e: Error & { code?: string }) => e.code === 'EINVALID' && /linux\.cgroupsPath/.test(e.message));
    mkdirSync(join(root, 'name=systemd'));
    const m = newCgroupManager({ id: 'x', systemd: true, root, cgroupsPath: 'machine.slice:p:x' });
    assert.ok(m instanceof SystemdV1Manager);
    assert.equal(m.layout, 'hybrid');
    assert.match(m.paths.freezer!, /\/freezer(\/.*)?\/machine\.slice\/p-x\.scope$/);
    assert.match(m.paths['']!, /\/unified(\/.*)?\/machine\.slice\/p-x\.scope$/);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
