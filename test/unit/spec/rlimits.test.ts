import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseRlimits, RLIM_INFINITY, rlimitNumber, RLIMITS } from '../../../src/spec/rlimits.js';

test('rlimit numbers match Linux x86_64', () => {
  const expected = ['CPU', 'FSIZE', 'DATA', 'STACK', 'CORE', 'RSS', 'NPROC', 'NOFILE', 'MEMLOCK', 'AS', 'LOCKS',
    'SIGPENDING', 'MSGQUEUE', 'NICE', 'RTPRIO', 'RTTIME'];
  expected.forEach((n, i) => assert.equal(RLIMITS[`RLIMIT_${n}`], i, n));
  assert.equal(Object.keys(RLIMITS).length, 16);
  assert.equal(rlimitNumber('RLIMIT_NOFILE'), 7);
  assert.equal(rlimitNumber('NOFILE'), undefined);
  assert.equal(rlimitNumber('constructor'), undefined);
});

test('valid rlimits resolve to numbers and bigint values', () => {
  const r = parseRlimits([
    { type: 'RLIMIT_NOFILE', soft: 1024, hard: 4096 },
    { type: 'RLIMIT_CORE', soft: 0, hard: 0 },
  ]);
  assert.deepEqual(r.problems, []);
  assert.deepEqual(r.rlimits, [
    { name: 'RLIMIT_NOFILE', resource: 7, soft: 1024n, hard: 4096n },
    { name: 'RLIMIT_CORE', resource: 4, soft: 0n, hard: 0n },
  ]);
});

test('the uint64 maximum is RLIM_INFINITY', () => {
  const r = parseRlimits(JSON.parse('[{"type":"RLIMIT_STACK","soft":8388608,"hard":18446744073709551615}]'));
  assert.deepEqual(r.problems, []);
  assert.equal(r.rlimits[0]!.hard, RLIM_INFINITY);
  assert.equal(RLIM_INFINITY, 2n ** 64n - 1n);
});

test('unknown type, duplicate type, soft > hard', () => {
  const r = parseRlimits([
    { type: 'RLIMIT_NOFILE', soft: 1, hard: 2 },
    { type: 'RLIMIT_BOGUS', soft: 1, hard: 2 },
    { type: 'RLIMIT_NOFILE', soft: 1, hard: 2 },
    { type: 'RLIMIT_CPU', soft: 10, hard: 5 },
  ]);
  assert.deepEqual(r.problems.map((p) => p.path), [
    'process.rlimits[1].type', 'process.rlimits[2].type', 'process.rlimits[3].soft',
  ]);
  assert.match(r.problems[0]!.message, /unknown rlimit type "RLIMIT_BOGUS"/);
  assert.match(r.problems[1]!.message, /duplicate rlimit type RLIMIT_NOFILE \(first at process.rlimits\[0\]\)/);
  assert.match(r.problems[2]!.message, /soft limit 10 is greater than hard limit 5/);
  assert.deepEqual(r.rlimits.map((x) => x.name), ['RLIMIT_NOFILE']);
});

test('negative, fractional, huge, missing and mistyped values', () => {
  const r = parseRlimits([
    { type: 'RLIMIT_AS', soft: -1, hard: 1.5 },
    { type: 'RLIMIT_AS2', soft: 2 ** 60, hard: '5' },
    { soft: 1 },
    'RLIMIT_NOFILE',
  ], 'rl');
  assert.deepEqual(r.problems.map((p) => `${p.path}: ${p.message}`), [
    'rl[0].soft: must not be negative, got -1',
    'rl[0].hard: expected an integer, got 1.5',
    'rl[1].type: unknown rlimit type "RLIMIT_AS2"',
    `rl[1].soft: integer beyond 2^53 cannot be represented exactly, got ${2 ** 60}`,
    'rl[1].hard: expected an integer, got string',
    'rl[2].type: is required',
    'rl[2].hard: is required',
    'rl[3]: expected an object, got string',
  ]);
  assert.deepEqual(r.rlimits, []);
});

test('a non-array is one problem', () => {
  assert.deepEqual(parseRlimits({}).problems, [{ path: 'process.rlimits', message: 'expected an array, got object' }]);
});
