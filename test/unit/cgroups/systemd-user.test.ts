/**
 * Rootless --systemd-cgroup, the pure parts: which bus (the user's), which identity to
 * claim in SASL EXTERNAL (in a user namespace: none, the bus reads SO_PEERCRED), when the
 * user's instance is the one to ask, where its units live and which controllers it has.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { authIdentity, authLine, userBusAddress } from '../../../src/cgroups/systemd/dbus.js';
import { delegatedControllers } from '../../../src/cgroups/systemd/manager.js';
import { systemdUnit } from '../../../src/cgroups/systemd/unit.js';
import { defaultStateRoot, initialUserNamespace, parentUid, systemdUserInstance } from '../../../src/sys/rootless.js';
import { features } from '../../../src/spec/features.js';

const INITIAL = '         0          0 4294967295\n';

test('the user bus: DBUS_SESSION_BUS_ADDRESS, else $XDG_RUNTIME_DIR/bus, else an error naming both', () => {
  assert.equal(userBusAddress({ DBUS_SESSION_BUS_ADDRESS: 'unix:path=/tmp/b', XDG_RUNTIME_DIR: '/run/user/1000' }), 'unix:path=/tmp/b');
  assert.equal(userBusAddress({ XDG_RUNTIME_DIR: '/run/user/1000/' }), 'unix:path=/run/user/1000/bus');
  assert.throws(() => userBusAddress({}), /DBUS_SESSION_BUS_ADDRESS.*XDG_RUNTIME_DIR/);
  assert.throws(() => userBusAddress({ DBUS_SESSION_BUS_ADDRESS: '', XDG_RUNTIME_DIR: '' }), /neither/);
});

test('SASL EXTERNAL: the euid in the initial user namespace, no identity inside another', () => {
  assert.equal(initialUserNamespace(INITIAL), true);
  assert.equal(initialUserNamespace('0 1000 1\n'), false);
  assert.equal(initialUserNamespace('0 0 1\n'), false, 'root mapped to root alone is still a user namespace');
  assert.equal(initialUserNamespace('0 100000 65536\n65536 1000 1\n'), false);
  assert.equal(authIdentity(1000, INITIAL), 1000);
  assert.equal(authIdentity(0, '0 1000 1\n'), undefined, 'uid 0 of a rootless namespace is uid 1000 to the bus');
  assert.equal(authIdentity(1000, undefined), 1000, 'no /proc: the euid');
  assert.equal(authLine(undefined), '\0AUTH EXTERNAL\r\n');
  assert.equal(authLine(1500), '\0AUTH EXTERNAL 31353030\r\n');
});

test('uids through a uid_map, and when the user instance is the one to ask', () => {
  assert.equal(parentUid('0 1000 1\n1 100000 65536\n', 0), 1000);
  assert.equal(parentUid('0 1000 1\n1 100000 65536\n', 10), 100009);
  assert.equal(parentUid('0 1000 1\n', 5), undefined);
  assert.equal(systemdUserInstance(true, true, 1000, INITIAL), true, 'rootless');
  assert.equal(systemdUserInstance(false, undefined, 0, INITIAL), false, 'real root');
  assert.equal(systemdUserInstance(false, undefined, 0, '0 1000 1\n'), true, 'uid 0 of a rootless engine\'s namespace, --rootless auto');
  assert.equal(systemdUserInstance(false, false, 0, '0 1000 1\n'), false, '--rootless false says otherwise');
  assert.equal(systemdUserInstance(false, undefined, 0, '0 0 65536\n'), false, 'root in a namespace whose 0 is the real root');
  assert.equal(systemdUserInstance(false, undefined, 0, undefined), false);
});

test('rootless units default to user.slice (runc: user.slice, unit runc-<id>.scope)', () => {
  assert.deepEqual(systemdUnit(undefined, 'c9', true), { unit: 'runts-c9.scope', slice: 'user.slice', path: '/user.slice/runts-c9.scope' });
  assert.deepEqual(systemdUnit('app.slice:podman:c9', 'x', true).path, '/app.slice/podman-c9.scope');
});

test('delegated controllers: cgroup.controllers of the nearest existing parent within the instance', () => {
  const root = mkdtempSync(join(tmpdir(), 'runts-sduser-'));
  try {
    const top = join(root, 'user.slice/user-1000.slice/user@1000.service');
    mkdirSync(join(top, 'app.slice'), { recursive: true });
    writeFileSync(join(top, 'cgroup.controllers'), 'cpu memory pids\n');
    writeFileSync(join(top, 'app.slice', 'cgroup.controllers'), 'memory pids\n');
    // user.slice does not exist yet: the instance's own cgroup answers
    assert.deepEqual(delegatedControllers(top, join(top, 'user.slice', 'runts-a.scope')), { dir: top, controllers: ['cpu', 'memory', 'pids'] });
    assert.deepEqual(delegatedControllers(top, join(top, 'app.slice', 'runts-a.scope')), { dir: join(top, 'app.slice'), controllers: ['memory', 'pids'] });
    assert.deepEqual(delegatedControllers(top, join(top, 'a.slice', 'a-b.slice', 'x.scope')).dir, top);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('features: systemdUser only when the user instance answered', () => {
  assert.equal(features({}).linux.cgroup.systemdUser, false);
  assert.equal(features({ systemdUser: true }).linux.cgroup.systemdUser, true);
});

test('state root of uid 0 in a user namespace: $XDG_RUNTIME_DIR/runts unless USER=root (runc: shouldHonorXDGRuntimeDir)', () => {
  const env = { XDG_RUNTIME_DIR: '/run/user/1000', USER: 'me' };
  assert.equal(defaultStateRoot(false, env, 0, '0 1000 1\n'), '/run/user/1000/runts', 'a rootless engine\'s namespace');
  assert.equal(defaultStateRoot(false, { ...env, USER: 'root' }, 0, '0 1000 1\n'), '/run/runts');
  assert.equal(defaultStateRoot(false, {}, 0, '0 1000 1\n'), '/run/runts', 'no XDG_RUNTIME_DIR');
  assert.equal(defaultStateRoot(false, env, 0, INITIAL), '/run/runts', 'real root ignores XDG_RUNTIME_DIR');
  assert.equal(defaultStateRoot(true, env, 1000, INITIAL), '/run/user/1000/runts');
});
