import { test } from 'node:test';
import assert from 'node:assert/strict';
import { dropNulls, normaliseSpec } from '../../../src/spec/normalise.js';
import { key } from '../../../src/spec/check.js';
import { checkSpec } from '../../../src/spec/validate.js';
import { base, passes, problemsAfter, warningsAfter } from './helpers.js';

test('dropNulls: null object members are absent (Go semantics), nulls in arrays stay, the input is not modified', () => {
  const input = { a: null, b: { c: null, d: [null, { e: null, f: 1 }] }, g: 'x' };
  const before = JSON.stringify(input);
  assert.deepEqual(dropNulls(input), { b: { d: [null, { f: 1 }] }, g: 'x' });
  assert.equal(JSON.stringify(input), before);
  assert.equal(dropNulls(null), null);
  assert.equal(dropNulls(5), 5);
  const proto = dropNulls(JSON.parse('{"__proto__": {"x": 1}, "y": null}')) as Record<string, unknown>;
  assert.equal(Object.getPrototypeOf(proto), Object.prototype, 'a "__proto__" key stays a plain member');
  assert.deepEqual(Object.keys(proto), ['__proto__']);
});

test('a config as Go tools write it (null for absent arrays and objects) is valid, in every section', () => {
  passes((s) => {
    s.linux.seccomp = { defaultAction: 'SCMP_ACT_ALLOW', architectures: null, flags: null, syscalls: [{ names: ['getcwd'], action: 'SCMP_ACT_ERRNO', args: null, errnoRet: null }] };
    s.linux.timeOffsets = null;
    s.linux.uidMappings = null;
    s.linux.gidMappings = null;
    s.linux.devices = null;
    s.linux.sysctl = null;
    s.linux.resources = { devices: [{ allow: false, access: 'rwm', major: null, minor: null }], memory: null, cpu: null, hugepageLimits: null, blockIO: null, pids: null };
    s.linux.maskedPaths = null;
    s.linux.intelRdt = null;
    s.process.env = null;
    s.process.rlimits = null;
    s.process.capabilities = { bounding: null, effective: ['CAP_KILL'], inheritable: null, permitted: ['CAP_KILL'], ambient: null };
    s.process.user.additionalGids = null;
    s.process.consoleSize = null;
    s.hooks = { prestart: null, poststop: [{ path: '/bin/true', args: null, env: null, timeout: null }] };
    s.annotations = null;
    s.mounts = [{ destination: '/tmp', type: 'tmpfs', source: 'tmpfs', options: null, uidMappings: null, gidMappings: null }];
  });
});

test('null where a value is required is still an error, named as if absent', () => {
  assert.deepEqual(problemsAfter((s) => { s.process.args = null; }), [{ path: 'process.args', message: 'is required' }]);
  assert.deepEqual(problemsAfter((s) => { s.root = null; }), [{ path: 'root', message: 'is required' }]);
  // In an array, null is not "absent": Go makes it a zero value, which is invalid.
  assert.deepEqual(problemsAfter((s) => { s.process.args = ['sh', null]; }).map((p) => p.path), ['process.args[1]']);
});

test('checkSpec returns the normalised config to go on with', () => {
  const s = base();
  s.linux.seccomp = { defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['getcwd'], action: 'SCMP_ACT_ERRNO', args: null }] };
  const r = checkSpec(s);
  assert.deepEqual(r.problems, []);
  const out = r.spec as typeof s;
  assert.ok(!('args' in out.linux.seccomp.syscalls[0]));
  assert.equal(s.linux.seccomp.syscalls[0].args, null, 'the caller\'s object is untouched');
});

test('namespace path "" is a new namespace, as runc', () => {
  passes((s) => { for (const n of s.linux.namespaces) n.path = ''; });
  const { spec } = normaliseSpec({ linux: { namespaces: [{ type: 'pid', path: '' }, { type: 'uts', path: '/proc/1/ns/uts' }] } });
  assert.deepEqual(spec, { linux: { namespaces: [{ type: 'pid' }, { type: 'uts', path: '/proc/1/ns/uts' }] } });
  // a path that is there must still be absolute
  assert.deepEqual(problemsAfter((s) => { s.linux.namespaces[0].path = 'proc/1/ns/pid'; }).map((p) => p.path), ['linux.namespaces[0].path']);
});

test('a relative mount destination is taken relative to /, with a warning; "" stays an error', () => {
  const { spec, warnings } = normaliseSpec({ mounts: [{ destination: 'tmp/rel', type: 'tmpfs' }, { destination: '/abs' }] });
  assert.deepEqual(spec, { mounts: [{ destination: '/tmp/rel', type: 'tmpfs' }, { destination: '/abs' }] });
  assert.deepEqual(warnings.map((w) => w.path), ['mounts[0].destination']);
  assert.match(warnings[0]!.message, /mount destination tmp\/rel is not absolute: taken as \/tmp\/rel/);
  assert.deepEqual(warningsAfter((s) => { s.mounts.push({ destination: 'data', type: 'tmpfs', source: 'tmpfs' }); }).map((w) => w.path), [`mounts[${base().mounts.length}].destination`]);
  assert.deepEqual(problemsAfter((s) => { s.mounts.push({ destination: '', type: 'tmpfs', source: 'tmpfs' }); }).map((p) => p.path), [`mounts[${base().mounts.length}].destination`]);
});

test('CPU and node lists: huge numbers and reversed ranges are one clear problem naming the field', () => {
  const one = (edit: (s: ReturnType<typeof base>) => void) => {
    const p = problemsAfter(edit);
    assert.equal(p.length, 1, JSON.stringify(p));
    return p[0]!;
  };
  let p = one((s) => { s.process.execCPUAffinity = { final: '0-99999999999' }; });
  assert.equal(p.path, 'process.execCPUAffinity.final');
  assert.match(p.message, /CPU 99999999999 is out of range: values larger than 1023 are not supported/);
  p = one((s) => { s.process.execCPUAffinity = { initial: '1024' }; });
  assert.match(p.message, /CPU 1024 is out of range/);
  passes((s) => { s.process.execCPUAffinity = { initial: '1023', final: '0-1023' }; });
  p = one((s) => { s.process.execCPUAffinity = { initial: '3-1' }; });
  assert.match(p.message, /invalid range 3-1/);
  p = one((s) => { s.linux.memoryPolicy = { mode: 'MPOL_BIND', nodes: '0,1-' + '9'.repeat(400) }; });
  assert.equal(p.path, 'linux.memoryPolicy.nodes');
  assert.match(p.message, /^node 9{400} is out of range/);
});

test('dropNulls (plain loops): key order, numeric keys, arrays, sparse arrays keep their holes', () => {
  const out = dropNulls({ b: 1, 2: 'two', a: [1, null, { x: null, y: [null] }], 1: null }) as Record<string, unknown>;
  assert.deepEqual(Object.keys(out), ['2', 'b', 'a']);
  assert.deepEqual(out, { 2: 'two', b: 1, a: [1, null, { y: [null] }] });
  // eslint-disable-next-line no-sparse-arrays
  const sparse = dropNulls([1, , { a: null }]) as unknown[];
  assert.equal(sparse.length, 3);
  assert.ok(!(1 in sparse));
  assert.deepEqual(sparse[2], {});
});

test('JSON path keys: identifiers with a dot, anything else quoted', () => {
  assert.equal(key('', 'abc'), 'abc');
  assert.equal(key('a', '$x_1'), 'a.$x_1');
  assert.equal(key('a', '_'), 'a._');
  assert.equal(key('a', 'Z9'), 'a.Z9');
  for (const k of ['', '1a', 'a-b', 'a.b', 'é', 'a b', '9']) assert.equal(key('a', k), `a[${JSON.stringify(k)}]`);
  assert.equal(key('', 'net.ipv4.ip_forward'), '["net.ipv4.ip_forward"]');
});
