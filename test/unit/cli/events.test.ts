import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseInterval } from '../../../src/cli/events.js';

test('events --interval: Go durations; beyond int64 nanoseconds is an error, not a busy loop', () => {
  assert.equal(parseInterval('5s'), 5000);
  assert.equal(parseInterval('500ms'), 500);
  assert.equal(parseInterval('1.5m'), 90_000);
  // longer than a timer's 2^31-1 ms but a valid Go duration: accepted (main waits in rounds)
  assert.equal(parseInterval('99999999s'), 99_999_999_000);
  for (const v of ['99999999999h', '1e400s', '0s', '-1s', 'soon']) assert.throws(() => parseInterval(v), /--interval/, v);
});
