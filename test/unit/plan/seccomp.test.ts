import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { decodePlan, encodePlan } from '../../../src/plan/encode.js';
import { seccompAction, seccompCacheKey, seccompPlan } from '../../../src/plan/seccomp.js';
import { emptyPlan } from '../../../src/plan/types.js';
import { seccompFromProfile } from '../../../src/spec/seccomp-profile.js';

describe('seccompPlan', () => {
  it('resolves actions to SECCOMP_RET_* with errno (EPERM by default for ERRNO and TRACE)', () => {
    assert.equal(seccompAction('SCMP_ACT_ALLOW', undefined), 0x7fff0000);
    assert.equal(seccompAction('SCMP_ACT_ERRNO', undefined), 0x00050001);
    assert.equal(seccompAction('SCMP_ACT_ERRNO', 38), 0x00050026);
    assert.equal(seccompAction('SCMP_ACT_TRACE', undefined), 0x7ff00001);
    assert.equal(seccompAction('SCMP_ACT_KILL', undefined), 0);
    assert.equal(seccompAction('SCMP_ACT_KILL_THREAD', undefined), 0);
    assert.equal(seccompAction('SCMP_ACT_KILL_PROCESS', undefined), 0x80000000);
    assert.equal(seccompAction('SCMP_ACT_TRAP', undefined), 0x00030000);
    assert.equal(seccompAction('SCMP_ACT_LOG', undefined), 0x7ffc0000);
    assert.equal(seccompAction('SCMP_ACT_NOTIFY', undefined), 0x7fc00000);
    assert.throws(() => seccompAction('SCMP_ACT_NOPE', undefined), /unknown seccomp action/);
  });

  it('turns names into numbers, drops rules equal to the default, splits repeated arguments', () => {
    const p = seccompPlan({
      defaultAction: 'SCMP_ACT_ERRNO',
      defaultErrnoRet: 38,
      architectures: ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86', 'SCMP_ARCH_X86'],
      flags: ['SECCOMP_FILTER_FLAG_LOG', 'SECCOMP_FILTER_FLAG_SPEC_ALLOW'],
      syscalls: [
        { names: ['read', 'write'], action: 'SCMP_ACT_ALLOW' },
        { names: ['bdflush'], action: 'SCMP_ACT_ERRNO', errnoRet: 38 },
        { names: ['personality'], action: 'SCMP_ACT_ALLOW', args: [{ index: 0, value: 8, op: 'SCMP_CMP_EQ' }] },
        { names: ['kill'], action: 'SCMP_ACT_ALLOW', args: [{ index: 1, value: 1, op: 'SCMP_CMP_GT' }, { index: 1, value: 9, op: 'SCMP_CMP_NE' }] },
        { names: ['clone'], action: 'SCMP_ACT_ALLOW', args: [{ index: 0, value: 0x7e020000, valueTwo: 0, op: 'SCMP_CMP_MASKED_EQ' }] },
      ],
    }, { id: 'c', bundle: '/b' });
    assert.deepEqual(p, {
      defaultAction: 0x00050026,
      archs: [0xc000003e, 0x40000003],
      flags: 2 | 4,
      rules: [
        { names: ['read', 'write'], action: 0x7fff0000, args: [] },
        { names: ['personality'], action: 0x7fff0000, args: [{ index: 0, op: 4, value: 8n, valueTwo: 0n }] },
        { names: ['kill'], action: 0x7fff0000, args: [{ index: 1, op: 6, value: 1n, valueTwo: 0n }] },
        { names: ['kill'], action: 0x7fff0000, args: [{ index: 1, op: 1, value: 9n, valueTwo: 0n }] },
        { names: ['clone'], action: 0x7fff0000, args: [{ index: 0, op: 7, value: 0x7e020000n, valueTwo: 0n }] },
      ],
      enosysNames: [],
      listenerPath: '',
      listenerState: [],
      cachePath: '',
    });
    assert.equal(seccompPlan(undefined), undefined);
  });

  it('gives the listener the state in pieces around the pid, only when a rule notifies', () => {
    const sc = {
      defaultAction: 'SCMP_ACT_ALLOW', listenerPath: '/run/l.sock', listenerMetadata: 'm"x',
      syscalls: [{ names: ['mkdir'], action: 'SCMP_ACT_NOTIFY' }],
    };
    const p = seccompPlan(sc, { id: 'c1', bundle: '/b', annotations: { a: '"@PID@"' } })!;
    assert.equal(p.listenerPath, '/run/l.sock');
    assert.equal(p.listenerState.length, 3);
    const state = JSON.parse(p.listenerState.join('4242'));
    assert.equal(state.pid, 4242);
    assert.deepEqual(state.fds, ['seccompFd']);
    assert.equal(state.metadata, 'm"x');
    assert.deepEqual(state.state, { ociVersion: state.ociVersion, id: 'c1', status: 'creating', pid: 4242, bundle: '/b', annotations: { a: '"@PID@"' } });
    const none = seccompPlan({ ...sc, syscalls: [{ names: ['mkdir'], action: 'SCMP_ACT_ERRNO' }] }, { id: 'c1', bundle: '/b' })!;
    assert.equal(none.listenerPath, '');
  });

  it('names the cache file by the rules, not by the container or its listener', () => {
    const sc = { defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['mkdir'], action: 'SCMP_ACT_NOTIFY' }], listenerPath: '/l' };
    const a = seccompPlan(sc, { id: 'a', bundle: '/a', cacheDir: '/run/runts/.seccomp-cache' })!;
    const b = seccompPlan(sc, { id: 'b', bundle: '/b', cacheDir: '/run/runts/.seccomp-cache' })!;
    const c = seccompPlan({ ...sc, syscalls: [{ names: ['mkdirat'], action: 'SCMP_ACT_NOTIFY' }] }, { id: 'a', bundle: '/a', cacheDir: '/c' })!;
    assert.match(a.cachePath, /^\/run\/runts\/\.seccomp-cache\/[0-9a-f]{64}\.bpf$/);
    assert.equal(a.cachePath, b.cachePath);
    assert.notEqual(seccompCacheKey(a), seccompCacheKey(c));
  });

  it('round-trips through the plan encoding', () => {
    const p = {
      ...emptyPlan(), args: ['sh'], apparmorProfile: 'docker-default', selinuxLabel: 'system_u:system_r:container_t:s0', mapsByParent: true,
      seccomp: seccompPlan({
        defaultAction: 'SCMP_ACT_ERRNO', architectures: ['SCMP_ARCH_X86_64'], flags: ['SECCOMP_FILTER_FLAG_TSYNC'], listenerPath: '/l',
        syscalls: [{ names: ['a', 'b'], action: 'SCMP_ACT_NOTIFY', args: [{ index: 5, value: 2 ** 40, valueTwo: 3, op: 'SCMP_CMP_MASKED_EQ' }] }],
      }, { id: 'x', bundle: '/', cacheDir: '/cache' }),
    };
    assert.deepEqual(decodePlan(encodePlan(p)), p);
  });
});

describe('seccompFromProfile (moby format)', () => {
  const profile = {
    defaultAction: 'SCMP_ACT_ERRNO',
    defaultErrnoRet: 1,
    archMap: [
      { architecture: 'SCMP_ARCH_X86_64', subArchitectures: ['SCMP_ARCH_X86', 'SCMP_ARCH_X32'] },
      { architecture: 'SCMP_ARCH_AARCH64', subArchitectures: ['SCMP_ARCH_ARM'] },
    ],
    syscalls: [
      { names: ['read'], action: 'SCMP_ACT_ALLOW', args: [] },
      { names: ['arch_prctl'], action: 'SCMP_ACT_ALLOW', includes: { arches: ['amd64', 'x32'] } },
      { names: ['arm_fadvise64_64'], action: 'SCMP_ACT_ALLOW', includes: { arches: ['arm', 'arm64'] } },
      { names: ['chroot'], action: 'SCMP_ACT_ALLOW', includes: { caps: ['CAP_SYS_CHROOT'] } },
      { names: ['chroot'], action: 'SCMP_ACT_ERRNO', errnoRet: 1, excludes: { caps: ['CAP_SYS_CHROOT'] } },
      { names: ['newer'], action: 'SCMP_ACT_ALLOW', includes: { minKernel: '6.20' } },
      { names: ['personality'], action: 'SCMP_ACT_ALLOW', args: [{ index: 0, value: 8, valueTwo: 0, op: 'SCMP_CMP_EQ' }] },
    ],
  };

  it('keeps the rules whose includes hold and whose excludes do not, for this arch', () => {
    const sc = seccompFromProfile(profile, { capabilities: ['CAP_KILL'], arch: 'x64', kernel: '6.18.4-custom' });
    assert.deepEqual(sc.architectures, ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86', 'SCMP_ARCH_X32']);
    assert.deepEqual(sc.syscalls!.map((s) => `${s.names[0]}:${s.action}`),
      ['read:SCMP_ACT_ALLOW', 'arch_prctl:SCMP_ACT_ALLOW', 'chroot:SCMP_ACT_ERRNO', 'personality:SCMP_ACT_ALLOW']);
    assert.deepEqual(sc.syscalls![3]!.args, [{ index: 0, value: 8, valueTwo: 0, op: 'SCMP_CMP_EQ' }]);
    assert.equal(sc.defaultErrnoRet, 1);
  });

  it('follows capabilities, other arches and newer kernels', () => {
    const sc = seccompFromProfile(profile, { capabilities: ['CAP_SYS_CHROOT'], arch: 'arm64', kernel: '6.20.0' });
    assert.deepEqual(sc.architectures, ['SCMP_ARCH_AARCH64', 'SCMP_ARCH_ARM']);
    assert.deepEqual(sc.syscalls!.map((s) => `${s.names[0]}:${s.action}`),
      ['read:SCMP_ACT_ALLOW', 'arm_fadvise64_64:SCMP_ACT_ALLOW', 'chroot:SCMP_ACT_ALLOW', 'newer:SCMP_ACT_ALLOW', 'personality:SCMP_ACT_ALLOW']);
  });
});
