import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { processEnv } from '../../../src/plan/build.js';
import { buildExecPlan, completeProcess, execProcess } from '../../../src/plan/exec.js';
import { decodePlan, encodePlan } from '../../../src/plan/encode.js';
import { emptyPlan } from '../../../src/plan/types.js';
import { fillProcessDefaults } from '../../../src/spec/process-defaults.js';
import type { Process } from '../../../src/spec/types.js';

describe('process set-up as runc 1.3', () => {
  it('processEnv: last value of a key wins, HOME absent or empty is left to the shim, no env stays empty', () => {
    assert.deepEqual(processEnv(['A=1', 'B=2', 'A=3']), { env: ['B=2', 'A=3'], homeFromPasswd: true });
    assert.deepEqual(processEnv(['HOME=', 'P=1']), { env: ['P=1'], homeFromPasswd: true });
    assert.deepEqual(processEnv(['HOME=/h', 'HOME=']), { env: [], homeFromPasswd: true }, 'the last HOME is the empty one');
    assert.deepEqual(processEnv(['HOME=/h']), { env: ['HOME=/h'], homeFromPasswd: false });
    assert.deepEqual(processEnv([]), { env: [], homeFromPasswd: true });
    assert.deepEqual(processEnv(undefined), { env: [], homeFromPasswd: false });
  });

  it('process defaults: no user is uid 0 gid 0, no gid is 0', () => {
    const a = { args: ['x'], cwd: '/' } as unknown as Process;
    fillProcessDefaults(a);
    assert.deepEqual(a.user, { uid: 0, gid: 0 });
    const b = { args: ['x'], cwd: '/', user: { uid: 7 } } as unknown as Process;
    assert.deepEqual(completeProcess(undefined, b).user, { uid: 7, gid: 0 });
  });

  it('exec --cap: bounding, effective and permitted only; names kept exact (runc 1.3)', () => {
    const p = execProcess({ args: ['x'], cwd: '/', user: { uid: 0, gid: 0 }, capabilities: { inheritable: [], ambient: [] } }, { addCapabilities: ['CAP_SYS_ADMIN', 'sys_time'] });
    const set = ['CAP_SYS_ADMIN', 'sys_time'];
    assert.deepEqual(p.capabilities, { bounding: set, effective: set, permitted: set, inheritable: [], ambient: [] });
  });

  it('an exec plan carries the personality and memory policy, and the affinity rules; all travel in the encoding', () => {
    const proc: Process = { args: ['x'], cwd: '/', user: { uid: 0, gid: 0 }, env: ['PATH=/bin'] };
    const ctx = { id: 'c', initPid: 1, detach: false, linux: { personality: { domain: 'LINUX32' as const }, memoryPolicy: { mode: 'MPOL_BIND', nodes: '0' } } };
    const p = buildExecPlan(proc, ctx);
    assert.equal(p.personality, 8);
    assert.ok(p.memPolicy && p.memPolicy.nodes.length === 1);
    assert.equal(p.cpuReset, true);
    assert.equal(p.homeFromPasswd, true);
    assert.equal(p.cwdMkdir, false, 'exec never creates its cwd');
    const q = buildExecPlan({ ...proc, execCPUAffinity: { initial: '1' } }, ctx);
    assert.equal(q.cpuReset, false, 'an initial list stays');
    const back = decodePlan(encodePlan({ ...emptyPlan(), args: ['x'], cpuReset: true, homeFromPasswd: true, cwdMkdir: true }));
    assert.deepEqual([back.cpuReset, back.homeFromPasswd, back.cwdMkdir], [true, true, true]);
  });
});
