import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseProcStat } from '../../../src/sys/proc.js';

describe('parseProcStat', () => {
  const line = (comm: string, state = 'S') =>
    `1234 (${comm}) ${state} 1 1234 1234 0 -1 4194560 100 0 0 0 0 0 0 0 20 0 1 0 987654 1000 100 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0\n`;

  it('reads pid, comm, state, ppid and start time', () => {
    assert.deepEqual(parseProcStat(line('runts:init')), { pid: 1234, comm: 'runts:init', state: 'S', ppid: 1, startTime: 987654 });
  });
  it('handles comms with spaces and parentheses', () => {
    assert.equal(parseProcStat(line('a) b (c')).comm, 'a) b (c');
    assert.equal(parseProcStat(line('a) Z 9 (')).startTime, 987654);
  });
  it('sees zombies', () => {
    assert.equal(parseProcStat(line('sh', 'Z')).state, 'Z');
  });
  it('rejects malformed text', () => {
    assert.throws(() => parseProcStat('garbage'), /malformed/);
    assert.throws(() => parseProcStat('1 (x) S 1 2'), /too few/);
  });
});
