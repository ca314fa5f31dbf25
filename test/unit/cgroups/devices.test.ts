import { test } from 'node:test';
import assert from 'node:assert/strict';
import { defaultDeviceRules, devicePolicy, devicesTransition, exceptions, normalizeRule, parseDevicesList, policyAllows } from '../../../src/cgroups/devices.js';
import type { DeviceCgroupRule } from '../../../src/spec/types.js';

const N = (rs: DeviceCgroupRule[]) => rs.map(normalizeRule);

test('normalize: defaults and validation', () => {
  assert.deepEqual(normalizeRule({ allow: false }), { allow: false, type: 'a', major: -1, minor: -1, access: 'rwm' });
  assert.deepEqual(normalizeRule({ allow: true, type: 'c', major: 1, minor: null, access: 'mr' }), { allow: true, type: 'c', major: 1, minor: -1, access: 'rm' });
  assert.throws(() => normalizeRule({ allow: true, type: 'x' as 'c' }), /type "x"/);
  assert.throws(() => normalizeRule({ allow: true, access: 'rx' }), /access "rx"/);
  assert.throws(() => normalizeRule({ allow: true, access: '' }), /access ""/);
  assert.throws(() => normalizeRule({ allow: true, major: -5 }), /major -5/);
});

test('policy: the usual spec shape is default deny plus allows', () => {
  const p = devicePolicy(N([{ allow: false, access: 'rwm' }, { allow: true, type: 'c', major: 1, minor: 3, access: 'rwm' }, { allow: true, type: 'c', major: 136, access: 'rw' }]));
  assert.equal(p.defaultAllow, false);
  assert.deepEqual(exceptions(p), [
    { type: 'c', major: 1, minor: 3, access: 'rwm' },
    { type: 'c', major: 136, minor: -1, access: 'rw' },
  ]);
  assert.ok(policyAllows(p, 'c', 1, 3, 'rw'));
  assert.ok(policyAllows(p, 'c', 136, 7, 'w'));
  assert.ok(!policyAllows(p, 'c', 136, 7, 'm'));
  assert.ok(!policyAllows(p, 'b', 8, 0, 'r'));
  // an empty list denies everything (as runc)
  assert.ok(!policyAllows(devicePolicy([]), 'c', 1, 3, 'r'));
});

test('policy: later rules narrow earlier ones; an `a` rule resets', () => {
  const p = devicePolicy(N([{ allow: false }, { allow: true, type: 'c', major: 1, minor: 3 }, { allow: false, type: 'c', major: 1, minor: 3, access: 'w' }]));
  assert.ok(policyAllows(p, 'c', 1, 3, 'r'));
  assert.ok(!policyAllows(p, 'c', 1, 3, 'w'));
  const q = devicePolicy(N([{ allow: true, type: 'c', major: 1, minor: 3 }, { allow: true }, { allow: false, type: 'b', major: 8, minor: 0, access: 'w' }]));
  assert.equal(q.defaultAllow, true);
  assert.ok(policyAllows(q, 'b', 8, 0, 'r'));
  assert.ok(!policyAllows(q, 'b', 8, 0, 'rw'));
  assert.ok(policyAllows(q, 'c', 4, 1, 'rwm'));
});

test('policy: punching a hole in a wildcard is refused, as runc', () => {
  assert.throws(() => devicePolicy(N([{ allow: false }, { allow: true, type: 'c', major: 1 }, { allow: false, type: 'c', major: 1, minor: 3, access: 'r' }])), /punch a hole/);
  // removing access the wildcard does not grant is fine
  assert.doesNotThrow(() => devicePolicy(N([{ allow: false }, { allow: true, type: 'c', major: 1, access: 'm' }, { allow: false, type: 'c', major: 1, minor: 3, access: 'r' }])));
});

test('devices.list parsing', () => {
  assert.equal(parseDevicesList('a *:* rwm\n').defaultAllow, true);
  const p = parseDevicesList('c 1:3 rwm\nc 136:* rw\nb *:* m\n');
  assert.equal(p.defaultAllow, false);
  assert.deepEqual(exceptions(p), [
    { type: 'b', major: -1, minor: -1, access: 'm' },
    { type: 'c', major: 1, minor: 3, access: 'rwm' },
    { type: 'c', major: 136, minor: -1, access: 'rw' },
  ]);
});

test('v1 transition: fresh cgroup gets deny-all then the allows', () => {
  const target = devicePolicy(N([{ allow: false }, { allow: true, type: 'c', major: 1, minor: 3 }, { allow: true, type: 'c', major: 136, access: 'rw' }]));
  assert.deepEqual(devicesTransition(parseDevicesList('a *:* rwm'), target), [
    { file: 'devices.deny', value: 'a *:* rwm' },
    { file: 'devices.allow', value: 'c 1:3 rwm' },
    { file: 'devices.allow', value: 'c 136:* rw' },
  ]);
});

test('v1 transition: an update changes only what differs (no deny-all window)', () => {
  const cur = parseDevicesList('c 1:3 rwm\nc 1:5 rwm\n');
  const target = devicePolicy(N([{ allow: false }, { allow: true, type: 'c', major: 1, minor: 3, access: 'rw' }, { allow: true, type: 'c', major: 1, minor: 9 }]));
  assert.deepEqual(devicesTransition(cur, target), [
    { file: 'devices.deny', value: 'c 1:3 m' },
    { file: 'devices.deny', value: 'c 1:5 rwm' },
    { file: 'devices.allow', value: 'c 1:9 rwm' },
  ]);
  assert.deepEqual(devicesTransition(cur, devicePolicy(N([{ allow: false }, { allow: true, type: 'c', major: 1, minor: 3 }, { allow: true, type: 'c', major: 1, minor: 5 }]))), []);
});

test('default device rules: runc\'s allowed devices, not /dev/console nor linux.devices', () => {
  const p = devicePolicy(N([{ allow: false }, ...defaultDeviceRules()]));
  for (const [maj, min] of [[1, 3], [1, 5], [1, 7], [1, 8], [1, 9], [5, 0], [5, 2], [136, 4], [10, 200]] as const) {
    assert.ok(policyAllows(p, 'c', maj, min, 'rw'), `c ${maj}:${min}`);
  }
  assert.ok(!policyAllows(p, 'c', 5, 1, 'w'), 'c 5:1 (/dev/console) is not in runc\'s list');
  assert.ok(!policyAllows(p, 'c', 1, 11, 'w'), 'c 1:11 (/dev/kmsg) is denied');
  assert.ok(policyAllows(p, 'b', 8, 0, 'm'));
  assert.ok(!policyAllows(p, 'b', 8, 0, 'r'));
  assert.ok(!policyAllows(p, 'c', 4, 0, 'w'));
});

test('deviceRulesFor: the spec rules first, then the defaults', async () => {
  const { deviceRulesFor } = await import('../../../src/cgroups/devices.js');
  const rules = deviceRulesFor({ devices: [{ allow: false, access: 'rwm' }, { allow: true, type: 'b', major: 7, minor: 0, access: 'rw' }] });
  assert.deepEqual(rules[0], { allow: false, access: 'rwm' });
  assert.deepEqual(rules[1], { allow: true, type: 'b', major: 7, minor: 0, access: 'rw' });
  assert.deepEqual(rules.slice(2), defaultDeviceRules());
  const p = devicePolicy(N(deviceRulesFor(undefined)));
  assert.ok(!policyAllows(p, 'b', 8, 0, 'r'));
  assert.ok(policyAllows(p, 'c', 1, 3, 'rw'));
});

test('access normalisation (fast path): any order and repeats of r, w, m; anything else refused', () => {
  const acc = (access: unknown) => normalizeRule({ allow: true, type: 'c', major: 1, minor: 3, access } as DeviceCgroupRule).access;
  assert.equal(acc('mwr'), 'rwm');
  assert.equal(acc('mr'), 'rm');
  assert.equal(acc('wmw'), 'wm');
  assert.equal(acc('m'), 'm');
  assert.equal(acc(undefined), 'rwm');
  for (const bad of ['', 'x', 'rx', 'R', 'r ', ' ']) {
    assert.throws(() => acc(bad), { message: `access ${JSON.stringify(bad)} is not a non-empty subset of "rwm"` });
  }
  // A non-string (unvalidated input) keeps the old regex semantics.
  assert.equal(acc(['m']), 'm');
  assert.throws(() => acc(['m', 'r']), { message: 'access ["m","r"] is not a non-empty subset of "rwm"' });
  assert.throws(() => acc(5), { message: 'access 5 is not a non-empty subset of "rwm"' });
});

test('default device rules are fresh objects on each call', () => {
  const a = defaultDeviceRules();
  const b = defaultDeviceRules();
  assert.deepEqual(a, b);
  assert.notEqual(a, b);
  assert.notEqual(a[0], b[0]);
  assert.deepEqual(Object.keys(a[2]!), ['allow', 'type', 'major', 'minor', 'access']);
});
