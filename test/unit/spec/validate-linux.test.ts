import { test } from 'node:test';
import assert from 'node:assert/strict';
import { namespaceMap } from '../../../src/spec/validate-linux.js';
import { checkSpec } from '../../../src/spec/validate.js';
import { base, fails, passes, problemsAfter, warningsAfter, type Loose } from './helpers.js';

const withoutNs = (s: Loose, type: string) => { s.linux.namespaces = s.linux.namespaces.filter((n: Loose) => n.type !== type); };

test('linux must be an object', () => {
  fails((s) => { s.linux = []; }, 'linux', /expected an object, got array/);
  passes((s) => { delete s.linux; delete s.hostname; });
});

test('namespaces: known types, no duplicates, absolute paths', () => {
  passes((s) => { s.linux.namespaces.push({ type: 'cgroup' }, { type: 'time' }); });
  passes((s) => { s.linux.namespaces[1] = { type: 'network', path: '/var/run/netns/x' }; });
  fails((s) => { s.linux.namespaces.push({ type: 'bogus' }); }, 'linux.namespaces[5].type', /unknown value "bogus"/);
  fails((s) => { s.linux.namespaces.push({ type: 'pid' }); }, 'linux.namespaces[5].type', /duplicate namespace pid \(first at linux.namespaces\[0\]\)/);
  fails((s) => { s.linux.namespaces.push({ path: '/x' }); }, 'linux.namespaces[5].type', /is required/);
  fails((s) => { s.linux.namespaces[0].path = 'proc/1/ns/pid'; }, 'linux.namespaces[0].path', /absolute/);
  fails((s) => { s.linux.namespaces = { pid: {} }; }, 'linux.namespaces', /expected an array/);
  fails((s) => { s.linux.namespaces.push(null); }, 'linux.namespaces[5]', /expected an object, got null/);
});

test('namespaceMap reads tolerantly', () => {
  const m = namespaceMap({ namespaces: [{ type: 'pid' }, { type: 'user', path: '/p' }, { type: 'x' }, 5, { type: 'pid', path: '/q' }] });
  assert.deepEqual([...m!.entries()], [['pid', undefined], ['user', '/p']]);
  assert.deepEqual(namespaceMap(undefined), new Map());
  assert.deepEqual(namespaceMap({}), new Map());
  // unreadable namespaces: undefined, so namespace-dependent rules are skipped instead of cascading
  assert.equal(namespaceMap(null), undefined);
  assert.equal(namespaceMap({ namespaces: 'pid' }), undefined);
});

test('user namespace and id mappings go together', () => {
  passes(() => {}, { rootless: true });
  fails((s) => { delete s.linux.uidMappings; }, 'linux.uidMappings', /required when a new user namespace is created/, { rootless: true });
  fails((s) => { s.linux.gidMappings = []; }, 'linux.gidMappings', /required when a new user namespace is created/, { rootless: true });
  const orphans = problemsAfter((s) => withoutNs(s, 'user'), { rootless: true });
  assert.deepEqual(orphans.map((x) => x.path), ['linux.uidMappings', 'linux.gidMappings']);
  assert.match(orphans[0]!.message, /need a user namespace/);
  fails((s) => { s.linux.uidMappings = [{ containerID: 0, hostID: 0, size: 1 }]; }, 'linux.uidMappings', /need a user namespace/);
  // joining a user namespace: mappings optional; given ones only warn
  passes((s) => {
    delete s.linux.uidMappings; delete s.linux.gidMappings;
    s.linux.namespaces = s.linux.namespaces.map((n: Loose) => (n.type === 'user' ? { type: 'user', path: '/proc/1/ns/user' } : n));
  }, { rootless: true });
  const joinUserns = (s: Loose) => {
    s.linux.namespaces = s.linux.namespaces.map((n: Loose) => (n.type === 'user' ? { type: 'user', path: '/proc/1/ns/user' } : n));
  };
  passes(joinUserns, { rootless: true });
  assert.deepEqual(checkSpec((() => { const s = base({ rootless: true }); joinUserns(s); return s; })()).warnings.map((w) => w.path),
    ['linux.uidMappings', 'linux.gidMappings']);
});

test('mapping fields are non-negative integers and size > 0', () => {
  const m = (over: Loose) => (s: Loose) => { s.linux.uidMappings = [{ containerID: 0, hostID: 1000, size: 1, ...over }]; };
  passes(m({ hostID: 4294967295 }), { rootless: true });
  fails(m({ containerID: -1 }), 'linux.uidMappings[0].containerID', /must not be negative/, { rootless: true });
  fails(m({ hostID: 1.5 }), 'linux.uidMappings[0].hostID', /expected an integer/, { rootless: true });
  fails(m({ size: 0 }), 'linux.uidMappings[0].size', /must be at least 1/, { rootless: true });
  fails(m({ size: undefined }), 'linux.uidMappings[0].size', /is required/, { rootless: true });
  fails((s) => { s.linux.gidMappings = [7]; }, 'linux.gidMappings[0]', /expected an object, got number/, { rootless: true });
});

test('time offsets need a time namespace', () => {
  passes((s) => { s.linux.namespaces.push({ type: 'time' }); s.linux.timeOffsets = { monotonic: { secs: -5, nanosecs: 10 }, boottime: { secs: 100 } }; });
  fails((s) => { s.linux.timeOffsets = { monotonic: { secs: 1 } }; }, 'linux.timeOffsets', /need a time namespace/);
  fails((s) => { s.linux.namespaces.push({ type: 'time' }); s.linux.timeOffsets = { realtime: {} }; }, 'linux.timeOffsets.realtime', /unknown clock/);
  fails((s) => { s.linux.namespaces.push({ type: 'time' }); s.linux.timeOffsets = { boottime: { nanosecs: 1e9 } }; }, 'linux.timeOffsets.boottime.nanosecs', /at most 999999999/);
});

test('devices', () => {
  passes((s) => { s.linux.devices = [{ type: 'c', path: '/dev/fuse', major: 10, minor: 229, fileMode: 0o666, uid: 0, gid: 0 }, { type: 'p', path: '/dev/fifo' }]; });
  passes((s) => { s.linux.devices = [{ type: 'u', path: '/dev/x', major: 1, minor: 2, fileMode: 0o20666 }]; });
  fails((s) => { s.linux.devices = [{ type: 'x', path: '/dev/x', major: 1, minor: 1 }]; }, 'linux.devices[0].type', /unknown value "x"/);
  fails((s) => { s.linux.devices = [{ type: 'c', path: 'dev/x', major: 1, minor: 1 }]; }, 'linux.devices[0].path', /absolute/);
  fails((s) => { s.linux.devices = [{ type: 'b', path: '/dev/sda', minor: 0 }]; }, 'linux.devices[0].major', /is required/);
  fails((s) => { s.linux.devices = [{ type: 'c', path: '/dev/x', major: 1, minor: -1 }]; }, 'linux.devices[0].minor', /must not be negative/);
  fails((s) => { s.linux.devices = [{ type: 'c', path: '/dev/x', major: 1, minor: 1, uid: -1 }]; }, 'linux.devices[0].uid', /must not be negative/);
});

test('sysctl: only namespaced keys, each with its namespace', () => {
  passes((s) => {
    s.linux.sysctl = {
      'kernel.shmmax': '1', 'kernel.msgmnb': '1', 'kernel.sem': '1', 'fs.mqueue.msg_max': '10',
      'net.ipv4.ip_forward': '1', 'net/ipv4/conf/eth0.100/rp_filter': '0', 'kernel.domainname': 'x',
    };
  });
  fails((s) => { s.linux.sysctl = { 'vm.swappiness': '1' }; }, 'linux.sysctl["vm.swappiness"]', /not in a separate kernel namespace/);
  fails((s) => { s.linux.sysctl = { 'kernel.hostname': 'x' }; }, 'linux.sysctl["kernel.hostname"]', /conflicts with the hostname field/);
  fails((s) => { s.linux.sysctl = { 'net.core.somaxconn': '1' }; withoutNs(s, 'network'); }, 'linux.sysctl["net.core.somaxconn"]', /host's network namespace/);
  fails((s) => { s.linux.sysctl = { 'kernel/shmmax': '1' }; withoutNs(s, 'ipc'); }, 'linux.sysctl["kernel/shmmax"]', /sysctl kernel.shmmax is not allowed in the host's ipc namespace/);
  fails((s) => { s.linux.sysctl = { 'fs.mqueue.queues_max': '1' }; withoutNs(s, 'ipc'); }, 'linux.sysctl["fs.mqueue.queues_max"]', /ipc namespace/);
  fails((s) => { s.linux.sysctl = { 'kernel.domainname': 'x' }; withoutNs(s, 'uts'); delete s.hostname; }, 'linux.sysctl["kernel.domainname"]', /not in a separate kernel namespace/);
  fails((s) => { s.linux.sysctl = { 'net.ipv4.ip_forward': 1 }; }, 'linux.sysctl["net.ipv4.ip_forward"]', /expected a string, got number/);
  passes((s) => { s.linux.sysctl = { 'net.ipv4.ip_forward': '1' }; s.linux.namespaces[1] = { type: 'network', path: '/run/netns/n' }; });
});

test('maskedPaths and readonlyPaths: absolute, and need a mount namespace', () => {
  fails((s) => { s.linux.maskedPaths.push('proc/kcore'); }, 'linux.maskedPaths[10]', /absolute/);
  fails((s) => { s.linux.readonlyPaths = '/proc/sys'; }, 'linux.readonlyPaths', /expected an array/);
  const p = problemsAfter((s) => withoutNs(s, 'mount'));
  assert.deepEqual(p.map((x) => x.path), ['linux.maskedPaths', 'linux.readonlyPaths']);
  assert.match(p[0]!.message, /mount namespace/);
  passes((s) => { withoutNs(s, 'mount'); s.linux.maskedPaths = []; s.linux.readonlyPaths = []; });
});

test('rootfsPropagation, cgroupsPath, mountLabel, personality', () => {
  for (const v of ['shared', 'slave', 'private', 'unbindable', 'rshared', 'rslave', 'rprivate', 'runbindable']) {
    passes((s) => { s.linux.rootfsPropagation = v; });
  }
  fails((s) => { s.linux.rootfsPropagation = 'recursive'; }, 'linux.rootfsPropagation', /unknown value "recursive"/);
  passes((s) => { s.linux.cgroupsPath = '/runts/abc'; s.linux.mountLabel = 'x'; s.linux.personality = { domain: 'LINUX32' }; });
  fails((s) => { s.linux.cgroupsPath = ['a']; }, 'linux.cgroupsPath', /expected a string, got array/);
  fails((s) => { s.linux.personality = { domain: 'WIN32' }; }, 'linux.personality.domain', /unknown value/);
});

test('intelRdt, memoryPolicy, netDevices', () => {
  passes((s) => { s.linux.intelRdt = { closID: 'c1', l3CacheSchema: 'L3:0=ff' }; });
  fails((s) => { s.linux.intelRdt = { closID: '../x' }; }, 'linux.intelRdt.closID', /invalid CLOS id/);
  passes((s) => { s.linux.memoryPolicy = { mode: 'MPOL_BIND', nodes: '0-1', flags: ['MPOL_F_STATIC_NODES'] }; });
  fails((s) => { s.linux.memoryPolicy = { mode: 'BIND' }; }, 'linux.memoryPolicy.mode', /unknown value/);
  passes((s) => { s.linux.netDevices = { eth1: { name: 'eth0' } }; });
  fails((s) => { s.linux.netDevices = { eth1: {} }; withoutNs(s, 'network'); }, 'linux.netDevices', /network namespace/);
  fails((s) => { s.linux.netDevices = { eth1: 'eth0' }; }, 'linux.netDevices.eth1', /expected an object/);
});

test('resources', () => {
  passes((s) => {
    s.linux.resources = {
      devices: [{ allow: false, access: 'rwm' }, { allow: true, type: 'c', major: 1, minor: null, access: 'rw' }],
      memory: { limit: 1 << 30, swap: -1, swappiness: 60, disableOOMKiller: false },
      cpu: { shares: 1024, quota: -1, period: 100000, cpus: '0-1', mems: '0' },
      pids: { limit: -1 },
      blockIO: { weight: 500, weightDevice: [{ major: 8, minor: 0, weight: 100 }], throttleReadBpsDevice: [{ major: 8, minor: 0, rate: 1e6 }] },
      hugepageLimits: [{ pageSize: '2MB', limit: 0 }],
      network: { classID: 5, priorities: [{ name: 'eth0', priority: 1 }] },
      rdma: { mlx5_1: { hcaHandles: 3 } },
      unified: { 'memory.high': 'max' },
    };
  });
  fails((s) => { s.linux.resources.devices[0].access = ''; }, 'linux.resources.devices[0].access', /must not be empty/);
  fails((s) => { s.linux.resources.devices[0].access = 'rwx'; }, 'linux.resources.devices[0].access', /expected letters from rwm/);
  fails((s) => { delete s.linux.resources.devices[0].allow; }, 'linux.resources.devices[0].allow', /is required/);
  fails((s) => { s.linux.resources.devices[0].type = 'p'; }, 'linux.resources.devices[0].type', /unknown value/);
  fails((s) => { s.linux.resources.memory = { limit: '1G' }; }, 'linux.resources.memory.limit', /expected an integer, got string/);
  fails((s) => { s.linux.resources.memory = { swappiness: 101 }; }, 'linux.resources.memory.swappiness', /at most 100/);
  fails((s) => { s.linux.resources.cpu = { shares: -2 }; }, 'linux.resources.cpu.shares', /must not be negative/);
  fails((s) => { s.linux.resources.pids = {}; }, 'linux.resources.pids.limit', /is required/);
  fails((s) => { s.linux.resources.blockIO = { throttleWriteIOPSDevice: [{ major: 8, minor: 0 }] }; }, 'linux.resources.blockIO.throttleWriteIOPSDevice[0].rate', /is required/);
  fails((s) => { s.linux.resources.hugepageLimits = [{ limit: 1 }]; }, 'linux.resources.hugepageLimits[0].pageSize', /is required/);
  fails((s) => { s.linux.resources.unified = { 'cpu.max': 5 }; }, 'linux.resources.unified["cpu.max"]', /expected a string/);
  assert.deepEqual(warningsAfter((s) => { s.linux.resources.memory = { kernel: 1 }; }).map((w) => w.path), ['linux.resources.memory.kernel']);
});

test('seccomp', () => {
  const sc = (over: Loose) => (s: Loose) => {
    s.linux.seccomp = {
      defaultAction: 'SCMP_ACT_ERRNO', defaultErrnoRet: 1, architectures: ['SCMP_ARCH_X86_64'], flags: ['SECCOMP_FILTER_FLAG_LOG'],
      syscalls: [{ names: ['getcwd', 'chmod'], action: 'SCMP_ACT_ALLOW', args: [{ index: 1, value: 2, valueTwo: 0, op: 'SCMP_CMP_EQ' }] }],
      ...over,
    };
  };
  passes(sc({}));
  passes(sc({ listenerPath: '/run/seccomp.sock', syscalls: [{ names: ['mount'], action: 'SCMP_ACT_NOTIFY' }] }));
  fails(sc({ defaultAction: 'SCMP_ACT_PANIC' }), 'linux.seccomp.defaultAction', /unknown value/);
  fails(sc({ defaultAction: undefined }), 'linux.seccomp.defaultAction', /is required/);
  fails(sc({ defaultAction: 'SCMP_ACT_NOTIFY', listenerPath: '/s' }), 'linux.seccomp.defaultAction', /the default action cannot be SCMP_ACT_NOTIFY/);
  fails(sc({ architectures: ['x86_64'] }), 'linux.seccomp.architectures[0]', /unknown value/);
  fails(sc({ flags: ['TSYNC'] }), 'linux.seccomp.flags[0]', /unknown value/);
  fails(sc({ syscalls: [{ names: [], action: 'SCMP_ACT_ALLOW' }] }), 'linux.seccomp.syscalls[0].names', /must not be empty/);
  fails(sc({ syscalls: [{ names: [''], action: 'SCMP_ACT_ALLOW' }] }), 'linux.seccomp.syscalls[0].names[0]', /must not be empty/);
  fails(sc({ syscalls: [{ names: ['x'], action: 'SCMP_ACT_ALLOW', args: [{ index: 6, value: 0, op: 'SCMP_CMP_EQ' }] }] }), 'linux.seccomp.syscalls[0].args[0].index', /at most 5/);
  fails(sc({ syscalls: [{ names: ['x'], action: 'SCMP_ACT_ALLOW', args: [{ index: 0, value: 0, op: '==' }] }] }), 'linux.seccomp.syscalls[0].args[0].op', /unknown value/);
  fails(sc({ syscalls: [{ names: ['mount'], action: 'SCMP_ACT_NOTIFY' }] }), 'linux.seccomp.listenerPath', /required when a syscall uses SCMP_ACT_NOTIFY/);
  fails(sc({ listenerPath: 'rel.sock' }), 'linux.seccomp.listenerPath', /absolute/);
});
