/**
 * NOTIFY_SOCKET, the pure half: which caller sockets are accepted, and how the plan's
 * spec gains the /run/notify bind and the env entry (the stored spec stays untouched).
 * The relay itself is tested with real containers in test/integration/notify.test.ts.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { NOTIFY_SOCKET_IN_CONTAINER, checkNotifySocket, withNotify } from '../../../src/container/notify.js';
import { RuntsError } from '../../../src/errors.js';
import { buildInitPlan } from '../../../src/plan/build.js';
import { MountKind } from '../../../src/process/protocol.js';
import { defaultSpec } from '../../../src/spec/defaults.js';
import { MS_BIND, MS_NODEV, MS_NOEXEC, MS_NOSUID, MS_RDONLY } from '../../../src/spec/mount-options.js';

describe('notify socket', () => {
  it('accepts absolute paths and @abstract names, refuses the rest naming the field', () => {
    checkNotifySocket('/run/systemd/notify');
    checkNotifySocket('@/org/freedesktop/systemd1/notify/123');
    for (const bad of ['relative.sock', '', '@', `/${'x'.repeat(107)}`]) {
      assert.throws(() => checkNotifySocket(bad), (e: unknown) => e instanceof RuntsError && e.code === 'EINVALID' && /notifySocket/.test(e.message), bad);
    }
  });

  it('adds a read-only bind at /run/notify and replaces NOTIFY_SOCKET in the env, without touching the input', () => {
    const spec = defaultSpec({ args: ['true'] });
    spec.process!.env = ['PATH=/bin', 'NOTIFY_SOCKET=/elsewhere'];
    const before = JSON.stringify(spec);
    const s = withNotify(spec, '/run/runts/c1/notify');
    assert.equal(JSON.stringify(spec), before);
    assert.deepEqual(s.process!.env, ['PATH=/bin', `NOTIFY_SOCKET=${NOTIFY_SOCKET_IN_CONTAINER}`]);
    const plan = buildInitPlan(s, {
      id: 'c1', bundle: '/b', rootfs: '/b/rootfs', launch: 'create', fifoPath: '/run/runts/c1/exec.fifo', sourceKind: () => 'dir',
    });
    const m = plan.mounts[plan.mounts.length - 1]!;
    assert.equal(m.destination, '/run/notify');
    assert.equal(m.source, '/run/runts/c1/notify');
    assert.equal(m.kind, MountKind.BIND);
    assert.ok(m.flags & BigInt(MS_BIND));
    // The bind, then a remount with the restrictions.
    for (const f of [MS_NOSUID, MS_NODEV, MS_NOEXEC, MS_RDONLY]) assert.ok(m.remountFlags & BigInt(f), `flag ${f}`);
  });
});
