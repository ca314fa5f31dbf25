import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { decodePlan, encodePlan } from '../../../src/plan/encode.js';
import { emptyPlan } from '../../../src/plan/types.js';
import { enosysNames, seccompCacheKey, seccompPlan } from '../../../src/plan/seccomp.js';
import { checkSpec } from '../../../src/spec/validate.js';
import { defaultSpec } from '../../../src/spec/defaults.js';

describe('seccomp ENOSYS for syscalls newer than the profile', () => {
  const rules = [
    { names: ['read', 'write', 'statx'], action: 'SCMP_ACT_ALLOW' },
    { names: ['kexec_load', 'read'], action: 'SCMP_ACT_ERRNO' },
  ];

  it('lists every name of a default-deny profile once (rules equal to the default included)', () => {
    assert.deepEqual(enosysNames({ defaultAction: 'SCMP_ACT_ERRNO', syscalls: rules }), ['read', 'write', 'statx', 'kexec_load']);
    assert.deepEqual(enosysNames({ defaultAction: 'SCMP_ACT_KILL_PROCESS', syscalls: rules }).length, 4);
    assert.deepEqual(enosysNames({ defaultAction: 'SCMP_ACT_ERRNO', defaultErrnoRet: 18, syscalls: rules }).length, 4);
    const p = seccompPlan({ defaultAction: 'SCMP_ACT_ERRNO', syscalls: rules })!;
    assert.deepEqual(p.rules.map((r) => r.names), [['read', 'write', 'statx']], 'the ERRNO rule equals the default and is dropped');
    assert.deepEqual(p.enosysNames, ['read', 'write', 'statx', 'kexec_load'], 'but its names still bound the profile');
  });

  it('no stub for permissive defaults (ALLOW, LOG, TRACE) or a default that is already ENOSYS', () => {
    for (const defaultAction of ['SCMP_ACT_ALLOW', 'SCMP_ACT_LOG', 'SCMP_ACT_TRACE']) assert.deepEqual(enosysNames({ defaultAction, syscalls: rules }), [], defaultAction);
    assert.deepEqual(enosysNames({ defaultAction: 'SCMP_ACT_ERRNO', defaultErrnoRet: 38, syscalls: rules }), []);
    assert.deepEqual(enosysNames({ defaultAction: 'SCMP_ACT_ERRNO' }), []);
  });

  it('travels in the plan encoding and is part of the cache key', () => {
    const p = seccompPlan({ defaultAction: 'SCMP_ACT_ERRNO', syscalls: rules })!;
    const decoded = decodePlan(encodePlan({ ...emptyPlan(), args: ['x'], seccomp: p }));
    assert.deepEqual(decoded.seccomp!.enosysNames, ['read', 'write', 'statx', 'kexec_load']);
    assert.notEqual(seccompCacheKey(p), seccompCacheKey({ ...p, enosysNames: [] }));
  });

  it('SCMP_ACT_NOTIFY on write or sendmsg is refused naming the rule', () => {
    const spec = defaultSpec();
    spec.linux!.seccomp = { defaultAction: 'SCMP_ACT_ALLOW', listenerPath: '/run/l.sock', syscalls: [{ names: ['mkdir'], action: 'SCMP_ACT_NOTIFY' }, { names: ['sendmsg', 'write'], action: 'SCMP_ACT_NOTIFY' }] };
    const problems = checkSpec(spec).problems.map((x) => `${x.path}: ${x.message}`);
    assert.deepEqual(problems, [
      'linux.seccomp.syscalls[1].action: SCMP_ACT_NOTIFY cannot be used for the sendmsg syscall (the runtime makes it after loading the filter)',
      'linux.seccomp.syscalls[1].action: SCMP_ACT_NOTIFY cannot be used for the write syscall (the runtime makes it after loading the filter)',
    ]);
  });
});
