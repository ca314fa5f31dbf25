/**
 * The systemd driver's pure parts: D-Bus marshalling (byte-exact, derived by hand from the
 * D-Bus specification's alignment rules), cgroupsPath → unit, resources → properties.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeMessage, encodeMessage, marshal, messageLength, MsgType, splitSignature, unmarshal } from '../../../src/cgroups/systemd/wire.js';
import { authLine, busSocketPath } from '../../../src/cgroups/systemd/dbus.js';
import { defaultDeviceRules } from '../../../src/cgroups/devices.js';
import type { DeviceCgroupRule } from '../../../src/spec/types.js';
import { cpusetBits, deviceProperties, expandSlice, quotaPerSec, resourceProperties, startProperties, systemdUnit } from '../../../src/cgroups/systemd/unit.js';

const bytes = (b: Uint8Array) => [...b];

test('signatures split into complete types', () => {
  assert.deepEqual(splitSignature('ssa(sv)a(sa(sv))'), ['s', 's', 'a(sv)', 'a(sa(sv))']);
  assert.deepEqual(splitSignature('a{sv}u'), ['a{sv}', 'u']);
  assert.throws(() => splitSignature('a(s'), /bad D-Bus signature/);
});

test('a string: u32 length, bytes, NUL', () => {
  assert.deepEqual(bytes(marshal('s', ['ab'])), [2, 0, 0, 0, 0x61, 0x62, 0]);
});

test('a uint64 is 8-aligned little-endian', () => {
  assert.deepEqual(bytes(marshal('yt', [9, 1n << 40n])), [9, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0]);
});

test('a(sv): length excludes the padding before the first (8-aligned) struct; the bool in the variant is 4-aligned', () => {
  assert.deepEqual(bytes(marshal('a(sv)', [[['k', ['b', true]]]])), [
    16, 0, 0, 0, /* pad */ 0, 0, 0, 0, /* "k" */ 1, 0, 0, 0, 0x6b, 0, /* sig "b" */ 1, 0x62, 0, /* pad */ 0, 0, 0, /* true */ 1, 0, 0, 0,
  ]);
});

test('an empty array of structs still pads to 8', () => {
  assert.deepEqual(bytes(marshal('a(sa(sv))', [[]])), [0, 0, 0, 0, 0, 0, 0, 0]);
});

test('a variant of ay (a CPU bitmask) and of au (PIDs)', () => {
  assert.deepEqual(bytes(marshal('v', [['ay', [5]]])), [2, 0x61, 0x79, 0, 1, 0, 0, 0, 5]);
  assert.deepEqual(bytes(marshal('v', [['au', [258]]])), [2, 0x61, 0x75, 0, 4, 0, 0, 0, 2, 1, 0, 0]);
});

test('a variant of a(st) (DeviceAllow-like pairs) and as (Wants)', () => {
  // sig "a(st)": 5 bytes + NUL at 0..6, u32 length at 8, pad to 16, struct: "x" 16..21, pad to 24, t 24..31
  assert.deepEqual(bytes(marshal('v', [['a(st)', [['x', 3n]]]])), [
    5, 0x61, 0x28, 0x73, 0x74, 0x29, 0, 0, 16, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0x78, 0, 0, 0, 3, 0, 0, 0, 0, 0, 0, 0,
  ]);
  assert.deepEqual(bytes(marshal('v', [['as', ['a']]])), [2, 0x61, 0x73, 0, 6, 0, 0, 0, 1, 0, 0, 0, 0x61, 0]);
});

test('a method call: fixed header, header fields a(yv), padding to 8', () => {
  const m = encodeMessage({ type: MsgType.Call, flags: 0, serial: 7, path: '/', member: 'M' });
  assert.deepEqual(bytes(m), [
    0x6c, 1, 0, 1, 0, 0, 0, 0, 7, 0, 0, 0, 26, 0, 0, 0,
    /* PATH o "/" */ 1, 1, 0x6f, 0, 1, 0, 0, 0, 0x2f, 0, /* pad */ 0, 0, 0, 0, 0, 0,
    /* MEMBER s "M" */ 3, 1, 0x73, 0, 1, 0, 0, 0, 0x4d, 0, /* pad to 8 */ 0, 0, 0, 0, 0, 0,
  ]);
  assert.equal(messageLength(m), 48);
  assert.equal(messageLength(m.subarray(0, 15)), 0);
});

test('StartTransientUnit round-trips through encode and decode', () => {
  const body = ['runts-x.scope', 'replace', [['PIDs', ['au', [42]]], ['MemoryMax', ['t', 1048576n]], ['AllowedCPUs', ['ay', [3]]], ['Delegate', ['b', true]]], []];
  const wire = encodeMessage({ type: MsgType.Call, flags: 0, serial: 3, path: '/org/freedesktop/systemd1', iface: 'org.freedesktop.systemd1.Manager', member: 'StartTransientUnit', destination: 'org.freedesktop.systemd1', signature: 'ssa(sv)a(sa(sv))', body });
  const m = decodeMessage(wire);
  assert.equal(m.member, 'StartTransientUnit');
  assert.equal(m.destination, 'org.freedesktop.systemd1');
  assert.equal(m.signature, 'ssa(sv)a(sa(sv))');
  assert.deepEqual(m.body, body);
  assert.equal(messageLength(wire), wire.length);
});

test('an error reply carries its name and message', () => {
  const wire = encodeMessage({ type: MsgType.Error, flags: 1, serial: 9, replySerial: 4, errorName: 'org.freedesktop.systemd1.NoSuchUnit', signature: 's', body: ['Unit x.scope not loaded.'] });
  const m = decodeMessage(wire);
  assert.equal(m.type, MsgType.Error);
  assert.equal(m.replySerial, 4);
  assert.equal(m.errorName, 'org.freedesktop.systemd1.NoSuchUnit');
  assert.deepEqual(m.body, ['Unit x.scope not loaded.']);
  assert.deepEqual(unmarshal('uoss', marshal('uoss', [1, '/j/1', 'u.scope', 'done'])), [1, '/j/1', 'u.scope', 'done']);
});

test('SASL EXTERNAL sends the uid as hex of its decimal digits', () => {
  assert.equal(authLine(0), '\0AUTH EXTERNAL 30\r\n');
  assert.equal(authLine(1000), '\0AUTH EXTERNAL 31303030\r\n');
  assert.equal(busSocketPath('unix:path=/run/dbus/system_bus_socket'), '/run/dbus/system_bus_socket');
  assert.equal(busSocketPath('unix:abstract=x;unix:path=/run/user/1000/bus,guid=1'), '/run/user/1000/bus');
  assert.throws(() => busSocketPath('tcp:host=x'), /no unix:path=/);
});

test('slices expand the systemd way', () => {
  assert.equal(expandSlice('system.slice'), '/system.slice');
  assert.equal(expandSlice('a-b-c.slice'), '/a.slice/a-b.slice/a-b-c.slice');
  assert.equal(expandSlice('-.slice'), '/');
  for (const bad of ['a--b.slice', '-a.slice', 'a-.slice', '.slice', 'a.scope', 'a/b.slice']) assert.throws(() => expandSlice(bad), /invalid slice name/, bad);
});

test('cgroupsPath slice:prefix:name → unit, slice and path', () => {
  assert.deepEqual(systemdUnit('machine.slice:libpod:abc', 'x'), { unit: 'libpod-abc.scope', slice: 'machine.slice', path: '/machine.slice/libpod-abc.scope' });
  assert.deepEqual(systemdUnit('kubepods-burstable-pod1.slice:cri-containerd:c1', 'x').path, '/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod1.slice/cri-containerd-c1.scope');
  assert.deepEqual(systemdUnit(undefined, 'c9'), { unit: 'runts-c9.scope', slice: 'system.slice', path: '/system.slice/runts-c9.scope' });
  assert.deepEqual(systemdUnit(':p:n', 'x', true).path, '/user.slice/p-n.scope');
  assert.deepEqual(systemdUnit('a.slice::a-b.slice', 'x'), { unit: 'a-b.slice', slice: 'a.slice', path: '/a.slice/a-b.slice' });
  assert.equal(systemdUnit('-.slice:p:n', 'x').path, '/p-n.scope');
  assert.throws(() => systemdUnit('/a/b', 'x'), /expected "slice:prefix:name"/);
  assert.throws(() => systemdUnit('a.slice:p', 'x'), /expected "slice:prefix:name"/);
  assert.throws(() => systemdUnit('nope:p:n', 'x'), /invalid slice name "nope"/);
  assert.throws(() => systemdUnit('a.slice:p:', 'x'), /name part .* is empty/);
  assert.throws(() => systemdUnit('a.slice:p:x/y', 'x'), /contains "\/"/);
});

test('cpuset lists become little-endian bitmasks; quotas round up to 10 ms', () => {
  assert.deepEqual(cpusetBits('0-2,9'), [0b111, 0b10]);
  assert.deepEqual(cpusetBits('0'), [1]);
  assert.throws(() => cpusetBits('a'), /invalid cpuset list/);
  assert.equal(quotaPerSec(50000, 100000), 500000n);
  assert.equal(quotaPerSec(12345, 100000), 130000n);
  assert.equal(quotaPerSec(-1, 100000), 0xffffffffffffffffn);
});

test('resources → unit properties', () => {
  assert.deepEqual(resourceProperties({ memory: { limit: 1 << 20, swap: 2 << 20, reservation: -1 }, cpu: { shares: 1024, quota: 20000, period: 50000, cpus: '1' }, pids: { limit: 10 }, blockIO: { weight: 500 } }), [
    ['MemoryMax', ['t', 1048576n]],
    ['MemoryLow', ['t', 0xffffffffffffffffn]],
    ['MemorySwapMax', ['t', 1048576n]],
    ['CPUWeight', ['t', 39n]],
    ['CPUQuotaPerSecUSec', ['t', 400000n]],
    ['CPUQuotaPeriodUSec', ['t', 50000n]],
    ['AllowedCPUs', ['ay', [2]]],
    ['TasksMax', ['t', 10n]],
    ['IOWeight', ['t', 4950n]],
  ]);
  const p = startProperties({ unit: 'p-n.scope', slice: 's.slice', path: '' }, 'n', 42, {});
  assert.deepEqual(p.slice(0, 4), [['Description', ['s', 'runts container n']], ['Slice', ['s', 's.slice']], ['Delegate', ['b', true]], ['PIDs', ['au', [42]]]]);
  const s = startProperties({ unit: 'a-b.slice', slice: 'a.slice', path: '' }, 'n', 42, {});
  assert.deepEqual(s[1], ['Wants', ['as', ['a.slice']]]);
  assert.ok(!s.some(([k]) => k === 'PIDs' || k === 'Delegate'));
});

const rule = (allow: boolean, type: 'a' | 'b' | 'c', major: number | null, minor: number | null, access = 'rwm'): DeviceCgroupRule => ({ allow, type, major, minor, access });

test('device rules → DevicePolicy=strict and DeviceAllow= (runc 1.3 with systemd >= 240)', () => {
  // What create gives the driver for a config without rules: deny all, then runc's defaults.
  assert.deepEqual(deviceProperties([rule(false, 'a', null, null), ...defaultDeviceRules()]), [
    ['DevicePolicy', ['s', 'strict']],
    ['DeviceAllow', ['a(ss)', []]],
    ['DeviceAllow', ['a(ss)', [
      ['block-*', 'm'], ['char-*', 'm'], ['/dev/char/1:3', 'rwm'], ['/dev/char/1:5', 'rwm'], ['/dev/char/1:7', 'rwm'], ['/dev/char/1:8', 'rwm'],
      ['/dev/char/1:9', 'rwm'], ['/dev/char/5:0', 'rwm'], ['/dev/char/5:2', 'rwm'], ['/dev/char/10:200', 'rwm'], ['char-136', 'rwm'],
    ]]],
  ]);
  // Later rules win over earlier ones; a denied device drops out; block devices by path.
  const extra = [rule(false, 'a', null, null), rule(true, 'b', 8, 0, 'r'), rule(true, 'c', 1, 3), rule(false, 'c', 1, 3, 'w'), rule(true, 'c', 4, null, 'rw')];
  assert.deepEqual(deviceProperties(extra)[2], ['DeviceAllow', ['a(ss)', [['/dev/char/1:3', 'rm'], ['char-4', 'rw'], ['/dev/block/8:0', 'r']]]]);
  // `*:m` has no systemd syntax: left out (the eBPF program still has it).
  assert.deepEqual(deviceProperties([rule(true, 'c', null, 7, 'r')])[2], ['DeviceAllow', ['a(ss)', []]]);
});

test('allow-all and deny-lists: auto, or strict with nothing (systemd has no deny-list)', () => {
  assert.deepEqual(deviceProperties([rule(true, 'a', null, null)]), [['DevicePolicy', ['s', 'auto']], ['DeviceAllow', ['a(ss)', []]]]);
  assert.deepEqual(deviceProperties([rule(false, 'a', null, null), rule(true, 'a', null, null)]), [['DevicePolicy', ['s', 'auto']], ['DeviceAllow', ['a(ss)', []]]]);
  assert.deepEqual(deviceProperties([rule(true, 'a', null, null), rule(false, 'c', 1, 3)]), [['DevicePolicy', ['s', 'strict']], ['DeviceAllow', ['a(ss)', []]], ['DeviceAllow', ['a(ss)', []]]]);
  assert.deepEqual(deviceProperties([]), [['DevicePolicy', ['s', 'strict']], ['DeviceAllow', ['a(ss)', []]], ['DeviceAllow', ['a(ss)', []]]]);
  assert.throws(() => deviceProperties([rule(false, 'a', null, null), rule(true, 'c', null, null), rule(false, 'c', 1, 3)]), /punch a hole/);
  // startProperties carries them only when the manager is given device rules.
  const withDevices = startProperties({ unit: 'p-n.scope', slice: 's.slice', path: '' }, 'n', 1, { devices: [rule(true, 'c', 1, 3, 'r')] });
  assert.deepEqual(withDevices.filter(([k]) => k.startsWith('Device')).map(([k, v]) => [k, v[1]]), [['DevicePolicy', 'strict'], ['DeviceAllow', []], ['DeviceAllow', [['/dev/char/1:3', 'r']]]]);
  assert.ok(!startProperties({ unit: 'p-n.scope', slice: 's.slice', path: '' }, 'n', 1, {}).some(([k]) => k.startsWith('Device')));
});

test('the DeviceAllow variant marshals as a(ss)', () => {
  assert.deepEqual(bytes(marshal('v', [['a(ss)', [['/dev/char/1:3', 'r']]]])).slice(0, 8), [5, 0x61, 0x28, 0x73, 0x73, 0x29, 0, 0]);
});
