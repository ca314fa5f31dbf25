import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RuntsError } from '../../../src/errors.js';
import { parseSignal, signalName, SIGRTMAX, SIGRTMIN } from '../../../src/spec/signals.js';

test('names in every spelling', () => {
  for (const s of ['KILL', 'SIGKILL', 'sigkill', 'kill', ' SIGKILL ']) assert.equal(parseSignal(s), 9, s);
  assert.equal(parseSignal('TERM'), 15);
  assert.equal(parseSignal('hup'), 1);
  assert.equal(parseSignal('SIGUSR1'), 10);
  assert.equal(parseSignal('USR2'), 12);
  assert.equal(parseSignal('SIGCHLD'), 17);
  assert.equal(parseSignal('CLD'), 17);
  assert.equal(parseSignal('WINCH'), 28);
  assert.equal(parseSignal('SIGSYS'), 31);
  assert.equal(parseSignal('IOT'), 6);
});

test('numbers', () => {
  assert.equal(parseSignal('9'), 9);
  assert.equal(parseSignal('0'), 0);
  assert.equal(parseSignal(15), 15);
  assert.equal(parseSignal('64'), 64);
});

test('real-time signals', () => {
  assert.equal(SIGRTMIN, 34);
  assert.equal(SIGRTMAX, 64);
  assert.equal(parseSignal('SIGRTMIN'), 34);
  assert.equal(parseSignal('RTMIN'), 34);
  assert.equal(parseSignal('SIGRTMIN+3'), 37);
  assert.equal(parseSignal('rtmin+0'), 34);
  assert.equal(parseSignal('RTMAX-1'), 63);
  assert.equal(parseSignal('SIGRTMAX'), 64);
  assert.equal(parseSignal('SIGRTMIN+30'), 64);
});

test('bad signals give a clear EINVALID error', () => {
  for (const bad of ['FOO', 'SIGFOO', '', '65', '-9', '1.5', 'SIGRTMIN+31', 'RTMAX+1', 'RTMIN-1', 'SIG']) {
    assert.throws(() => parseSignal(bad), (e: unknown) => {
      assert.ok(e instanceof RuntsError);
      assert.equal(e.code, 'EINVALID');
      assert.ok(e.message.startsWith(`invalid signal ${JSON.stringify(bad)}: `), e.message);
      assert.ok(!e.message.endsWith('.'));
      return true;
    }, bad);
  }
  assert.throws(() => parseSignal(-1), /signal number must be an integer from 0 to 64/);
  assert.throws(() => parseSignal(2.5), /signal number/);
  assert.throws(() => parseSignal('TERMINATE'), /unknown signal name/);
  assert.throws(() => parseSignal('RTMIN+40'), /out of range/);
});

test('signalName follows kill -l', () => {
  assert.equal(signalName(9), 'SIGKILL');
  assert.equal(signalName(6), 'SIGABRT');
  assert.equal(signalName(17), 'SIGCHLD');
  assert.equal(signalName(29), 'SIGIO');
  assert.equal(signalName(34), 'SIGRTMIN');
  assert.equal(signalName(35), 'SIGRTMIN+1');
  assert.equal(signalName(49), 'SIGRTMIN+15');
  assert.equal(signalName(50), 'SIGRTMAX-14');
  assert.equal(signalName(63), 'SIGRTMAX-1');
  assert.equal(signalName(64), 'SIGRTMAX');
  for (const n of [0, 32, 33, 65, -1, 1.5]) assert.equal(signalName(n), undefined, String(n));
});

test('signalName and parseSignal round-trip for every named signal', () => {
  for (let n = 1; n <= 64; n++) {
    const name = signalName(n);
    if (name === undefined) continue;
    assert.equal(parseSignal(name), n, name);
  }
});
