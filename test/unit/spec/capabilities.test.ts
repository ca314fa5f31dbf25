import { test } from 'node:test';
import assert from 'node:assert/strict';
import { allCapabilities, CAP_LAST_CAP, capMask, capNames, capNumber, CAPABILITIES } from '../../../src/spec/capabilities.js';

test('capability table matches <linux/capability.h>', () => {
  assert.equal(CAPABILITIES.CAP_CHOWN, 0);
  assert.equal(CAPABILITIES.CAP_KILL, 5);
  assert.equal(CAPABILITIES.CAP_NET_BIND_SERVICE, 10);
  assert.equal(CAPABILITIES.CAP_SYS_ADMIN, 21);
  assert.equal(CAPABILITIES.CAP_MKNOD, 27);
  assert.equal(CAPABILITIES.CAP_AUDIT_WRITE, 29);
  assert.equal(CAPABILITIES.CAP_SETFCAP, 31);
  assert.equal(CAPABILITIES.CAP_AUDIT_READ, 37);
  assert.equal(CAPABILITIES.CAP_PERFMON, 38);
  assert.equal(CAPABILITIES.CAP_BPF, 39);
  assert.equal(CAPABILITIES.CAP_CHECKPOINT_RESTORE, 40);
  assert.equal(CAP_LAST_CAP, 40);
});

test('allCapabilities lists 41 names in bit order, each bit once', () => {
  const all = allCapabilities();
  assert.equal(all.length, 41);
  assert.deepEqual(all.map((n) => CAPABILITIES[n]), [...Array(41).keys()]);
  assert.equal(all[0], 'CAP_CHOWN');
  assert.equal(all[40], 'CAP_CHECKPOINT_RESTORE');
});

test('capNumber is exact and ignores prototype keys', () => {
  assert.equal(capNumber('CAP_SYS_ADMIN'), 21);
  assert.equal(capNumber('cap_sys_admin'), undefined);
  assert.equal(capNumber('SYS_ADMIN'), undefined);
  assert.equal(capNumber('toString'), undefined);
});

test('capMask builds the mask of known names', () => {
  const r = capMask(['CAP_AUDIT_WRITE', 'CAP_KILL', 'CAP_NET_BIND_SERVICE'], 'process.capabilities.bounding');
  assert.equal(r.mask, (1n << 29n) | (1n << 5n) | (1n << 10n));
  assert.deepEqual(r.problems, []);
  assert.deepEqual(r.unknown, []);
  assert.equal(capMask(['CAP_CHECKPOINT_RESTORE'], 'x').mask, 1n << 40n);
  assert.equal(capMask([], 'x').mask, 0n);
  assert.equal(capMask(allCapabilities(), 'x').mask, (1n << 41n) - 1n);
});

test('capMask: unknown names of any shape are warnings (as runc), non-strings are problems', () => {
  const r = capMask(['CAP_KILL', 'CAP_FUTURE_THING', 'CAP_FUTURE_THING', 'cap_chown', 'SYS_ADMIN', '', 7, null], 'p.caps');
  assert.equal(r.mask, 1n << 5n, 'cap_chown is not CAP_CHOWN: names are case-sensitive, as in runc');
  assert.deepEqual(r.unknown, ['CAP_FUTURE_THING', 'cap_chown', 'SYS_ADMIN', '']);
  assert.deepEqual(r.problems.map((p) => p.path), ['p.caps[6]', 'p.caps[7]']);
  assert.match(r.problems[0]!.message, /expected a capability name string, got number/);
  assert.match(r.problems[1]!.message, /got null/);
});

test('capMask of a non-array is one problem at the list path', () => {
  const r = capMask('CAP_KILL', 'process.capabilities.effective');
  assert.equal(r.mask, 0n);
  assert.deepEqual(r.problems, [{ path: 'process.capabilities.effective', message: 'expected an array of capability names, got string' }]);
});

test('capNames inverts capMask', () => {
  const names = ['CAP_CHOWN', 'CAP_SYS_ADMIN', 'CAP_BPF'];
  assert.deepEqual(capNames(capMask(names, 'x').mask), names);
  assert.deepEqual(capNames(1n << 63n), []);
});

test('capMask: holes are skipped (as forEach did), paths only for problems, bits as BigInt shifts', () => {
  // eslint-disable-next-line no-sparse-arrays
  const r = capMask(['CAP_KILL', , 7, 'CAP_KILL', 'CAP_X'], 'p');
  assert.equal(r.mask, 1n << 5n);
  assert.deepEqual(r.problems, [{ path: 'p[2]', message: 'expected a capability name string, got number' }]);
  assert.deepEqual(r.unknown, ['CAP_X']);
  assert.equal(capMask(allCapabilities(), 'p').mask, (1n << BigInt(CAP_LAST_CAP + 1)) - 1n);
});
