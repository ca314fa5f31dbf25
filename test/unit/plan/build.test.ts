import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CLONE_NEW, ambientIgnored, buildInitPlan, planDevices, planMounts, type BuildContext } from '../../../src/plan/build.js';
import { Barrier, DeviceKind, Mode, MountKind } from '../../../src/process/protocol.js';
import { defaultSpec } from '../../../src/spec/defaults.js';
import { decodePlan, encodePlan } from '../../../src/plan/encode.js';
import { MS_BIND, MS_NODEV, MS_NOEXEC, MS_NOSUID, MS_PRIVATE, MS_RDONLY, MS_REC, MS_SHARED, MS_SLAVE } from '../../../src/spec/mount-options.js';

const ctx: BuildContext = {
  id: 'c1', bundle: '/bundle', rootfs: '/bundle/rootfs', launch: 'create', fifoPath: '/run/runts/c1/exec.fifo',
  sourceKind: (p) => (p.endsWith('.conf') ? 'file' : 'dir'),
};

describe('buildInitPlan', () => {
  it('turns the default spec into a create plan', () => {
    const spec = defaultSpec({ args: ['sh', '-c', 'true'] });
    spec.hostname = 'box';
    const p = buildInitPlan(spec, ctx);
    assert.equal(p.mode, Mode.INIT);
    assert.equal(p.barrier, Barrier.FIFO);
    assert.equal(p.fifoPath, ctx.fifoPath);
    assert.equal(p.monitor, false);
    const want = CLONE_NEW.pid | CLONE_NEW.network | CLONE_NEW.ipc | CLONE_NEW.uts | CLONE_NEW.mount;
    assert.equal(p.cloneFlags, BigInt(want) | (p.cloneFlags & BigInt(CLONE_NEW.cgroup)));
    assert.equal(p.rootfsPropagation, MS_SLAVE | MS_REC);
    assert.equal(p.loopbackUp, true);
    assert.equal(p.hostname, 'box');
    assert.deepEqual(p.args, ['sh', '-c', 'true']);
    assert.equal(p.keyring, '_ses.c1');
    assert.equal(p.setsid, true);
    assert.equal(p.capBounding, (1n << 29n) | (1n << 5n) | (1n << 10n)); // AUDIT_WRITE, KILL, NET_BIND_SERVICE
    const proc = p.mounts.find((m) => m.destination === '/proc')!;
    assert.deepEqual([proc.kind, proc.fstype, proc.source], [MountKind.FS, 'proc', 'proc']);
    const dev = p.mounts.find((m) => m.destination === '/dev')!;
    assert.equal(dev.data, 'mode=755,size=65536k');
    assert.equal(dev.flags & MS_NOSUID, MS_NOSUID);
    assert.ok(p.symlinks.some((l) => l.path === '/dev/ptmx' && l.target === 'pts/ptmx'));
    assert.ok(p.maskedPaths.includes('/proc/kcore'));
    assert.ok(p.readonlyPaths.includes('/proc/sys'));
    assert.equal(p.rootReadonly, true);
  });

  it('run launches keep the monitor and use the socket barrier', () => {
    const p = buildInitPlan(defaultSpec(), { ...ctx, launch: 'run' });
    assert.equal(p.barrier, Barrier.SOCKET);
    assert.equal(p.monitor, true);
    assert.equal(p.fifoPath, '');
  });

  it('joins namespaces by path, user first, and writes maps for a new user namespace', () => {
    const spec = defaultSpec();
    spec.linux!.namespaces = [
      { type: 'network', path: '/var/run/netns/x' },
      { type: 'user', path: '/proc/1/ns/user' },
      { type: 'mount' },
    ];
    const p = buildInitPlan(spec, ctx);
    assert.deepEqual(p.joinNamespaces.map((n) => n.type), [CLONE_NEW.user, CLONE_NEW.network]);
    assert.equal(p.cloneFlags, BigInt(CLONE_NEW.mount));
    assert.equal(p.loopbackUp, false);
    assert.equal(p.uidMap, '');
    spec.linux!.namespaces = [{ type: 'user' }, { type: 'mount' }];
    spec.linux!.uidMappings = [{ containerID: 0, hostID: 1000, size: 1 }, { containerID: 1, hostID: 100000, size: 65536 }];
    spec.linux!.gidMappings = [{ containerID: 0, hostID: 1000, size: 1 }];
    const q = buildInitPlan(spec, ctx);
    assert.equal(q.uidMap, '0 1000 1\n1 100000 65536\n');
    assert.equal(q.gidMap, '0 1000 1\n');
    assert.equal(q.bindDevices, true);
  });

  it('--no-new-keyring, --no-pivot and --preserve-fds', () => {
    const p = buildInitPlan(defaultSpec(), { ...ctx, noNewKeyring: true, noPivot: true, preserveFds: 2 });
    assert.equal(p.keyring, undefined);
    assert.equal(p.noPivot, true);
    assert.equal(p.preserveFds, 2);
  });

  it('sysctl keys become /proc/sys paths; rlimits and caps resolve to numbers', () => {
    const spec = defaultSpec();
    spec.linux!.sysctl = { 'net.ipv4.ip_forward': '1' };
    spec.process!.rlimits = [{ type: 'RLIMIT_NOFILE', soft: 10, hard: 20 }];
    spec.process!.capabilities = {
      bounding: ['CAP_SYS_ADMIN'], permitted: ['CAP_CHECKPOINT_RESTORE', 'CAP_KILL'], inheritable: ['CAP_CHECKPOINT_RESTORE'],
      ambient: ['CAP_CHECKPOINT_RESTORE', 'CAP_KILL'],
    };
    const p = buildInitPlan(spec, ctx);
    assert.deepEqual(p.sysctls, [{ path: 'net/ipv4/ip_forward', value: '1' }]);
    assert.deepEqual(p.rlimits, [{ resource: 7, soft: 10n, hard: 20n }]);
    assert.equal(p.capBounding, 1n << 21n);
    assert.equal(p.capAmbient, 1n << 40n, 'CAP_KILL is not inheritable: dropped from ambient');
    assert.deepEqual(ambientIgnored(spec.process), ['CAP_KILL']);
  });
});

describe('planMounts', () => {
  it('bind: relative source from the bundle, file targets, remount flags and propagation', () => {
    const [m] = planMounts({ destination: '/etc/app.conf', type: 'bind', source: 'app.conf', options: ['rbind', 'ro', 'nosuid', 'rprivate'] }, ctx);
    assert.equal(m!.kind, MountKind.BIND);
    assert.equal(m!.source, '/bundle/app.conf');
    assert.equal(m!.flags, MS_BIND | MS_REC);
    assert.equal(m!.remountFlags, MS_RDONLY | MS_NOSUID);
    assert.deepEqual(m!.propagation, [MS_PRIVATE | MS_REC]);
    assert.equal(m!.destIsFile, true);
  });
  it('a bind without flags needs no remount', () => {
    const [m] = planMounts({ destination: '/d', source: '/src', options: ['bind'] }, ctx);
    assert.equal(m!.remountFlags, 0n);
    assert.equal(m!.flags, MS_BIND);
    assert.equal(m!.destIsFile, false);
  });
  it('runc 1.2+ remounts: a cleared flag alone asks for a remount; atime kept unless an atime option is given (through encode/decode)', () => {
    const [dev] = planMounts({ destination: '/d', source: '/src', options: ['bind', 'dev', 'rw'] }, ctx);
    assert.equal(dev!.remountFlags, 0n);
    assert.equal(dev!.remountClear, MS_NODEV | MS_RDONLY);
    assert.equal(dev!.keepAtime, true);
    const [rel] = planMounts({ destination: '/d', source: '/src', options: ['bind', 'ro', 'relatime'] }, ctx);
    assert.equal(rel!.keepAtime, undefined);
    assert.equal(rel!.remountClear, undefined);
    const [plain] = planMounts({ destination: '/d', source: '/src', options: ['bind'] }, ctx);
    assert.equal(plain!.keepAtime, undefined);
    const plan = { ...buildInitPlan(defaultSpec(), ctx), mounts: [dev!], mountSources: true };
    const back = decodePlan(encodePlan(plan));
    assert.equal(back.mounts[0]!.remountClear, MS_NODEV | MS_RDONLY);
    assert.equal(back.mounts[0]!.keepAtime, true);
    assert.equal(back.mountSources, true);
  });
  it('runc 1.2+ mount decisions: proc/sysfs on an ordinary dir, read-only /dev made so last, propagation again on the new / only when explicit and not private, masked paths once', () => {
    const spec = defaultSpec();
    spec.mounts!.find((m) => m.destination === '/dev')!.options!.push('ro');
    spec.linux!.maskedPaths = ['/proc/kcore', '/proc/kcore', '/proc/acpi'];
    const p = buildInitPlan(spec, ctx);
    assert.equal(p.mounts.find((m) => m.destination === '/proc')!.ordinaryDir, true);
    assert.equal(p.mounts.find((m) => m.destination === '/sys')!.ordinaryDir, true);
    assert.equal(p.mounts.find((m) => m.destination === '/dev/shm')!.ordinaryDir, undefined);
    assert.equal(p.mounts.find((m) => m.destination === '/dev')!.flags & MS_RDONLY, 0n, '/dev is mounted writable');
    assert.equal(p.devReadonly, true);
    assert.deepEqual(p.maskedPaths, ['/proc/kcore', '/proc/acpi']);
    assert.equal(p.rootPropagationAfter, undefined, 'the default rslave is not applied again');
    for (const [prop, after] of [['rshared', MS_SHARED | MS_REC], ['slave', MS_SLAVE], ['private', undefined], ['rprivate', undefined]] as const) {
      spec.linux!.rootfsPropagation = prop;
      assert.equal(buildInitPlan(spec, ctx).rootPropagationAfter, after, prop);
    }
    const back = decodePlan(encodePlan({ ...p, rootPropagationAfter: MS_SHARED }));
    assert.equal(back.devReadonly, true);
    assert.equal(back.rootPropagationAfter, MS_SHARED);
    assert.equal(back.mounts.find((m) => m.destination === '/proc')!.ordinaryDir, true);
  });
  it('mount sources are served by stage-0 with a user namespace and binds, never rootless', () => {
    const spec = defaultSpec();
    spec.linux!.namespaces!.push({ type: 'user' });
    spec.mounts!.push({ destination: '/d', type: 'bind', source: '/src', options: ['bind'] });
    assert.equal(buildInitPlan(spec, ctx).mountSources, true);
    assert.equal(buildInitPlan(spec, { ...ctx, rootless: true }).mountSources, false);
    assert.equal(buildInitPlan(defaultSpec(), ctx).mountSources, false);
  });
  it('tmpcopyup: a tmpfs mount carries it (the data string does not), through encode and decode', () => {
    const [m] = planMounts({ destination: '/tmp', type: 'tmpfs', source: 'tmpfs', options: ['rw', 'nosuid', 'tmpcopyup', 'mode=1777'] }, ctx);
    assert.equal(m!.tmpcopyup, true);
    assert.equal(m!.data, 'mode=1777');
    assert.equal(planMounts({ destination: '/tmp', type: 'tmpfs', source: 'tmpfs' }, ctx)[0]!.tmpcopyup, undefined);
    // keepMode: only a tmpfs without mode= (runc 1.2+ keeps the covered directory's mode)
    assert.equal(m!.keepMode, undefined);
    assert.equal(planMounts({ destination: '/tmp', type: 'tmpfs', source: 'tmpfs', options: ['size=1m'] }, ctx)[0]!.keepMode, true);
    assert.equal(planMounts({ destination: '/q', type: 'mqueue', source: 'mqueue' }, ctx)[0]!.keepMode, undefined);
    const plan = { ...buildInitPlan(defaultSpec(), ctx), mounts: [m!] };
    assert.equal(decodePlan(encodePlan(plan)).mounts[0]!.tmpcopyup, true);
  });
  it('cgroup on v1 is a tmpfs plus one read-only bind per v1 hierarchy (a hybrid host\'s unified one left out, as runc)', () => {
    const ms = planMounts({ destination: '/sys/fs/cgroup', type: 'cgroup', source: 'cgroup', options: ['ro', 'nosuid'] }, {
      ...ctx,
      cgroup: { layout: 'hybrid', paths: { memory: '/sys/fs/cgroup/memory/c1', cpu: '/sys/fs/cgroup/cpu,cpuacct/c1', cpuacct: '/sys/fs/cgroup/cpu,cpuacct/c1', '': '/sys/fs/cgroup/unified/c1' } },
    });
    assert.deepEqual(ms.map((m) => m.destination), ['/sys/fs/cgroup', '/sys/fs/cgroup/memory', '/sys/fs/cgroup/cpu,cpuacct']);
    assert.equal(ms[0]!.fstype, 'tmpfs');
    for (const m of ms.slice(1)) assert.equal(m.remountFlags & (MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC), MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC);
  });
  it('cgroup on v2 binds the container cgroup', () => {
    const ms = planMounts({ destination: '/sys/fs/cgroup', type: 'cgroup', source: 'cgroup' }, { ...ctx, cgroup: { layout: 'v2', paths: { '': '/sys/fs/cgroup/c1' } } });
    assert.deepEqual(ms.map((m) => [m.kind, m.source, m.destination]), [[MountKind.BIND, '/sys/fs/cgroup/c1', '/sys/fs/cgroup']]);
  });
});

describe('planDevices', () => {
  it('has the default devices and lets the spec override and add', () => {
    const d = planDevices([{ type: 'c', path: '/dev/null', major: 1, minor: 3, fileMode: 0o600 }, { type: 'b', path: '/dev/sda', major: 8, minor: 0 }]);
    assert.deepEqual(d.map((x) => x.path), ['/dev/null', '/dev/zero', '/dev/full', '/dev/random', '/dev/urandom', '/dev/tty', '/dev/sda']);
    assert.equal(d[0]!.mode, 0o600);
    assert.equal(d[6]!.kind, DeviceKind.BLOCK);
  });
});
