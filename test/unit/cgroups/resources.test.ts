import { test } from 'node:test';
import assert from 'node:assert/strict';
import { type CgroupWrite, planResources, routeFor, type Route, usedGroups } from '../../../src/cgroups/resources.js';
import type { LinuxResources } from '../../../src/spec/types.js';

const V1_ALL = ['cpu', 'cpuacct', 'cpuset', 'memory', 'devices', 'freezer', 'blkio', 'pids', 'hugetlb', 'net_cls', 'net_prio', 'rdma'];
const V2_ALL = ['cpuset', 'cpu', 'io', 'memory', 'hugetlb', 'pids', 'rdma', 'misc'];
const v1 = routeFor('v1', V1_ALL);
const v2 = routeFor('v2', V2_ALL);
/** writes as compact "controller/file=value" strings */
const W = (ws: CgroupWrite[]) => ws.map((w) => `${w.controller ? w.controller + '/' : ''}${w.file}=${w.value}`);

const FULL: LinuxResources = {
  memory: { limit: 100 << 20, reservation: 50 << 20, swap: 200 << 20, kernel: 1 << 20, kernelTCP: 1 << 20 },
  cpu: { shares: 1024, quota: 50000, period: 100000, burst: 10000, idle: 0, cpus: '0-1', mems: '0' },
  pids: { limit: 64 },
  blockIO: {
    weight: 500,
    weightDevice: [{ major: 8, minor: 0, weight: 300 }],
    throttleReadBpsDevice: [{ major: 8, minor: 0, rate: 1048576 }],
    throttleWriteBpsDevice: [{ major: 8, minor: 0, rate: 0 }],
    throttleReadIOPSDevice: [{ major: 8, minor: 16, rate: 100 }],
    throttleWriteIOPSDevice: [{ major: 8, minor: 16, rate: 200 }],
  },
  hugepageLimits: [{ pageSize: '2MB', limit: 4194304 }],
  rdma: { mlx5_0: { hcaHandles: 3, hcaObjects: 10000 } },
  devices: [{ allow: false, access: 'rwm' }, { allow: true, type: 'c', major: 1, minor: 3, access: 'rwm' }],
};

test('v1: every field of a full spec, in order', () => {
  const p = planResources(FULL, v1);
  assert.deepEqual(p.problems, []);
  assert.deepEqual(W(p.writes), [
    'cpuset/cpuset.cpus=0-1',
    'cpuset/cpuset.mems=0',
    `memory/memory.limit_in_bytes=${100 << 20}`, // fresh cgroup: limit first, memsw after
    `memory/memory.memsw.limit_in_bytes=${200 << 20}`,
    `memory/memory.soft_limit_in_bytes=${50 << 20}`,
    'cpu/cpu.idle=0', // leaving idle before shares: the kernel refuses shares on an idle group
    'cpu/cpu.shares=1024',
    'cpu/cpu.cfs_period_us=100000',
    'cpu/cpu.cfs_burst_us=10000',
    'cpu/cpu.cfs_quota_us=50000',
    'pids/pids.max=64',
    'blkio/blkio.weight=500',
    'blkio/blkio.weight_device=8:0 300',
    'blkio/blkio.throttle.read_bps_device=8:0 1048576',
    'blkio/blkio.throttle.write_bps_device=8:0 0',
    'blkio/blkio.throttle.read_iops_device=8:16 100',
    'blkio/blkio.throttle.write_iops_device=8:16 200',
    'hugetlb/hugetlb.2MB.limit_in_bytes=4194304',
    'hugetlb/hugetlb.2MB.rsvd.limit_in_bytes=4194304',
    'rdma/rdma.max=mlx5_0 hca_handle=3 hca_object=10000',
    'devices/devices.deny=a *:* rwm',
    'devices/devices.allow=c 1:3 rwm',
  ]);
  assert.equal(p.bpfDevices, undefined);
  // period and burst may need the quota first: marked for a retry
  assert.deepEqual(p.writes.filter((w) => w.retry).map((w) => w.file), ['cpu.cfs_period_us', 'cpu.cfs_burst_us']);
  assert.deepEqual(p.writes.filter((w) => w.optional).map((w) => w.file), ['hugetlb.2MB.rsvd.limit_in_bytes']);
  assert.equal(p.writes.find((w) => w.file === 'memory.memsw.limit_in_bytes')!.field, 'linux.resources.memory.swap');
});

test('v2: every field of a full spec, in order', () => {
  const p = planResources(FULL, v2);
  assert.deepEqual(p.problems, []);
  assert.deepEqual(W(p.writes), [
    'cpuset.cpus=0-1',
    'cpuset.mems=0',
    `memory.swap.max=${100 << 20}`, // swap alone = 200M - 100M
    `memory.max=${100 << 20}`,
    `memory.low=${50 << 20}`,
    'cpu.idle=0',
    'cpu.weight=39',
    'cpu.max.burst=10000',
    'cpu.max=50000 100000',
    'pids.max=64',
    'io.weight=4950',
    'io.weight=8:0 2930',
    'io.max=8:0 rbps=1048576',
    'io.max=8:0 wbps=max',
    'io.max=8:16 riops=100',
    'io.max=8:16 wiops=200',
    'hugetlb.2MB.max=4194304',
    'hugetlb.2MB.rsvd.max=4194304',
    'rdma.max=mlx5_0 hca_handle=3 hca_object=10000',
  ]);
  assert.deepEqual(p.bpfDevices, [
    { allow: false, type: 'a', major: -1, minor: -1, access: 'rwm' },
    { allow: true, type: 'c', major: 1, minor: 3, access: 'rwm' },
  ]);
});

test('v1 memory: raising memsw past the current limit writes memsw first', () => {
  const r: LinuxResources = { memory: { limit: 2 * 2 ** 30, swap: 4 * 2 ** 30 } };
  assert.deepEqual(W(planResources(r, v1, { memoryLimit: 512 << 20 }).writes), [`memory/memory.memsw.limit_in_bytes=${4 * 2 ** 30}`, `memory/memory.limit_in_bytes=${2 * 2 ** 30}`]);
  // lowering: limit first
  const low: LinuxResources = { memory: { limit: 256 << 20, swap: 512 << 20 } };
  assert.deepEqual(W(planResources(low, v1, { memoryLimit: 1 << 30 }).writes), [`memory/memory.limit_in_bytes=${256 << 20}`, `memory/memory.memsw.limit_in_bytes=${512 << 20}`]);
  // unlimited memory and no swap given: memsw unlimited too, first
  assert.deepEqual(W(planResources({ memory: { limit: -1 } }, v1, { memoryLimit: 1 << 30 }).writes), ['memory/memory.memsw.limit_in_bytes=-1', 'memory/memory.limit_in_bytes=-1']);
  assert.deepEqual(W(planResources({ memory: { limit: -1 } }, v1, { memsw: false }).writes), ['memory/memory.limit_in_bytes=-1']);
});

test('v1 memory: swappiness and the OOM killer', () => {
  assert.deepEqual(W(planResources({ memory: { swappiness: 0, disableOOMKiller: true } }, v1).writes), ['memory/memory.swappiness=0', 'memory/memory.oom_control=1']);
  assert.deepEqual(planResources({ memory: { swappiness: 101 } }, v1).problems, [{ path: 'linux.resources.memory.swappiness', message: '101 is out of range (0..100)' }]);
});

test('kernel memory fields are ignored, as the spec allows', () => {
  for (const route of [v1, v2]) {
    const p = planResources({ memory: { kernel: 1 << 20, kernelTCP: 1 << 20 } }, route);
    assert.deepEqual(p, { writes: [], problems: [] });
  }
});

test('v2: v1-only fields are errors naming the field', () => {
  const p = planResources({
    memory: { swappiness: 60, disableOOMKiller: true },
    cpu: { realtimeRuntime: 950000, realtimePeriod: 1000000 },
    blockIO: { leafWeight: 300 },
    network: { classID: 0x100001, priorities: [{ name: 'eth0', priority: 5 }] },
  }, v2);
  assert.deepEqual(p.problems.map((x) => x.path), [
    'linux.resources.memory.swappiness',
    'linux.resources.memory.disableOOMKiller',
    'linux.resources.cpu.realtimeRuntime',
    'linux.resources.cpu.realtimePeriod',
    'linux.resources.blockIO.leafWeight',
    'linux.resources.network.classID',
    'linux.resources.network.priorities',
  ]);
  assert.match(p.problems[0]!.message, /not supported on cgroup v2/);
  // disableOOMKiller: false asks for nothing
  assert.deepEqual(planResources({ memory: { disableOOMKiller: false } }, v2).problems, []);
});

test('v1: unified is an error; network and rt work', () => {
  const p = planResources({ unified: { 'memory.high': '1000000' } }, v1);
  assert.deepEqual(p.problems, [{ path: 'linux.resources.unified', message: 'needs cgroup v2 (the host uses cgroup v1)' }]);
  const q = planResources({ network: { classID: 0x100001, priorities: [{ name: 'eth0', priority: 5 }, { name: 'lo', priority: 2 }] }, cpu: { realtimePeriod: 1000000, realtimeRuntime: 950000 } }, v1);
  assert.deepEqual(W(q.writes), ['cpu/cpu.rt_period_us=1000000', 'cpu/cpu.rt_runtime_us=950000', 'net_cls/net_cls.classid=1048577', 'net_prio/net_prio.ifpriomap=eth0 5', 'net_prio/net_prio.ifpriomap=lo 2']);
  // a shorter period under a longer current runtime is refused until the runtime shrinks
  assert.deepEqual(q.writes.filter((w) => w.retry).map((w) => w.file), ['cpu.rt_period_us']);
  const idle = planResources({ cpu: { idle: 1, shares: 512 } }, v1);
  assert.deepEqual(W(idle.writes), ['cpu/cpu.shares=512', 'cpu/cpu.idle=1']);
});

test('missing controllers: the field and the controller are named', () => {
  const p = planResources({ hugepageLimits: [{ pageSize: '2MB', limit: 0 }], pids: { limit: 10 } }, routeFor('v1', ['pids']));
  assert.deepEqual(p.problems, [{ path: 'linux.resources.hugepageLimits', message: 'the hugetlb controller is not available on this host' }]);
  const q = planResources({ blockIO: { weight: 100 } }, routeFor('v2', []));
  assert.deepEqual(q.problems, [{ path: 'linux.resources.blockIO', message: 'the blkio (v1) or io (v2) controller is not available on this host' }]);
});

test('hybrid: each group goes where its controller is', () => {
  // v1 has memory and pids; the unified hierarchy has hugetlb (this machine's layout)
  const route: Route = (g) => (['memory', 'pids', 'devices'].includes(g) ? 'v1' : g === 'hugetlb' || g === 'unified' ? 'v2' : undefined);
  const p = planResources({ memory: { limit: 1 << 20 }, hugepageLimits: [{ pageSize: '2MB', limit: -1 }], unified: { 'hugetlb.2MB.max': '0' } }, route);
  assert.deepEqual(p.problems, []);
  assert.deepEqual(W(p.writes), [`memory/memory.limit_in_bytes=${1 << 20}`, 'hugetlb.2MB.max=max', 'hugetlb.2MB.rsvd.max=max', 'hugetlb.2MB.max=0']);
});

test('v2 cpu: quota/period combinations', () => {
  assert.deepEqual(W(planResources({ cpu: { quota: -1 } }, v2).writes), ['cpu.max=max']);
  assert.deepEqual(W(planResources({ cpu: { quota: 20000 } }, v2).writes), ['cpu.max=20000']);
  // a period-only update keeps the quota in force
  assert.deepEqual(W(planResources({ cpu: { period: 50000 } }, v2, { cpuMax: '30000 100000' }).writes), ['cpu.max=30000 50000']);
  assert.deepEqual(W(planResources({ cpu: { period: 50000 } }, v2, {}).writes), ['cpu.max=max 50000']);
  assert.deepEqual(planResources({ cpu: { period: 10 } }, v2).problems, [{ path: 'linux.resources.cpu.period', message: '10 is out of range (1000..1000000)' }]);
  assert.deepEqual(planResources({ cpu: { shares: 1 } }, v2).problems, [{ path: 'linux.resources.cpu.shares', message: '1 is out of range (2..262144)' }]);
});

test('v2 memory: swap needs a limit (the current one counts), checkBeforeUpdate', () => {
  assert.deepEqual(planResources({ memory: { swap: 1 << 30 } }, v2).problems, [{ path: 'linux.resources.memory.swap', message: 'a swap limit needs a memory limit (memory.limit)' }]);
  assert.deepEqual(W(planResources({ memory: { swap: 3 << 20 } }, v2, { memoryMax: 1 << 20 }).writes), [`memory.swap.max=${2 << 20}`]);
  assert.deepEqual(W(planResources({ memory: { limit: -1 } }, v2).writes), ['memory.swap.max=max', 'memory.max=max']);
  const p = planResources({ memory: { limit: 1000, checkBeforeUpdate: true } }, v2, { memoryCurrent: 5000 });
  assert.deepEqual(p.problems, [{ path: 'linux.resources.memory.limit', message: '1000 is not above the current usage 5000 (checkBeforeUpdate)' }]);
});

test('blkio with BFQ: v1 and v2 use the bfq files and raw weights', () => {
  const r: LinuxResources = { blockIO: { weight: 5, weightDevice: [{ major: 8, minor: 0, weight: 700 }] } };
  assert.deepEqual(W(planResources(r, v1, { bfq: true }).writes), ['blkio/blkio.bfq.weight=5', 'blkio/blkio.bfq.weight_device=8:0 700']);
  assert.deepEqual(W(planResources(r, v2, { bfq: true }).writes), ['io.bfq.weight=5', 'io.bfq.weight=8:0 700']);
  // without BFQ, 5 is below the weight range
  assert.deepEqual(planResources(r, v1).problems.map((x) => x.path), ['linux.resources.blockIO.weight']);
});

test('pids: 0 means 1 (runc issue 4014), negative is unlimited', () => {
  assert.deepEqual(W(planResources({ pids: { limit: 0 } }, v2).writes), ['pids.max=1']);
  assert.deepEqual(W(planResources({ pids: { limit: -1 } }, v2).writes), ['pids.max=max']);
});

test('unified: raw writes, one per line, validated names', () => {
  const p = planResources({ unified: { 'memory.high': '1048576', 'io.max': '8:0 rbps=1\n8:16 wbps=2', '../x': '1', 'cgroup.max.depth': '3' } }, v2);
  assert.deepEqual(W(p.writes), ['memory.high=1048576', 'io.max=8:0 rbps=1', 'io.max=8:16 wbps=2', 'cgroup.max.depth=3']);
  assert.deepEqual(p.problems, [{ path: 'linux.resources.unified["../x"]', message: 'must be a cgroup file name such as "memory.high"' }]);
});

test('devices: bad rules and hole punching are problems', () => {
  const p = planResources({ devices: [{ allow: true, type: 'x' as 'c' }] }, v1);
  assert.deepEqual(p.problems.map((x) => x.path), ['linux.resources.devices[0]']);
  const q = planResources({ devices: [{ allow: false }, { allow: true, type: 'c', major: 1 }, { allow: false, type: 'c', major: 1, minor: 3 }] }, v2);
  assert.match(q.problems[0]!.message, /punch a hole/);
  assert.equal(q.bpfDevices, undefined);
  // v1 update from a list: minimal transition
  const r = planResources({ devices: [{ allow: false }, { allow: true, type: 'c', major: 1, minor: 3 }, { allow: true, type: 'c', major: 1, minor: 5 }] }, v1, { devicesList: 'c 1:3 rwm\n' });
  assert.deepEqual(W(r.writes), ['devices/devices.allow=c 1:5 rwm']);
});

test('usedGroups: each group only for the fields that count', () => {
  const g = (r: unknown) => [...usedGroups(r as LinuxResources)].sort();
  assert.deepEqual(g({}), []);
  assert.deepEqual(g(FULL), ['blkio', 'cpu', 'cpuset', 'devices', 'hugetlb', 'memory', 'pids', 'rdma']);
  assert.deepEqual(g({ memory: { kernel: 1 }, cpu: {}, blockIO: { weightDevice: [] }, hugepageLimits: [], rdma: {}, unified: {}, network: {} }), []);
  assert.deepEqual(g({ cpu: { realtimePeriod: 1 } }), ['cpu']);
  assert.deepEqual(g({ cpu: { mems: '0' } }), ['cpuset']);
  assert.deepEqual(g({ cpu: { cpus: '', idle: 0 } }), ['cpu']);
  assert.deepEqual(g({ network: { classID: 0 } }), ['net_cls']);
  assert.deepEqual(g({ network: { priorities: [{ name: 'eth0', priority: 1 }] } }), ['net_prio']);
  assert.deepEqual(g({ network: null }), []);
  assert.deepEqual(g({ unified: { 'pids.max': '1' }, devices: [] }), ['devices', 'unified']);
  // Inherited keys do not count, as with Object.keys.
  assert.deepEqual(g({ rdma: Object.create({ mlx: {} }) }), []);
});
