import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { assertCan, deriveStatus, type StatusProbe } from '../../../src/container/status.js';
import type { StoredState } from '../../../src/state/store.js';
import type { ProcStat } from '../../../src/sys/proc.js';

const base: StoredState = {
  version: 1, id: 'c1', pid: 100, pidStart: 5000, bundle: '/b', rootfs: '/b/rootfs', created: '', owner: '',
  spec: { ociVersion: '1.2.1' }, cgroup: null,
};

function probe(procs: Record<number, Partial<ProcStat>>, frozen = false): StatusProbe {
  return {
    stat: (pid) => (procs[pid] ? { pid, comm: 'sh', state: 'S', ppid: 1, startTime: 5000, ...procs[pid] } : undefined),
    frozen: () => frozen,
  };
}

describe('deriveStatus', () => {
  it('parked init (comm runts:init) is created', () => {
    assert.equal(deriveStatus(base, probe({ 100: { comm: 'runts:init' } })), 'created');
  });
  it('init that exec\'d is running', () => {
    assert.equal(deriveStatus(base, probe({ 100: {} })), 'running');
  });
  it('frozen cgroup is paused', () => {
    assert.equal(deriveStatus(base, probe({ 100: {} }, true)), 'paused');
  });
  it('zombie or dead init is stopped', () => {
    assert.equal(deriveStatus(base, probe({ 100: { state: 'Z' } })), 'stopped');
    assert.equal(deriveStatus(base, probe({ 100: { state: 'X' } })), 'stopped');
    assert.equal(deriveStatus(base, probe({})), 'stopped');
  });
  it('a reused pid (other start time) is stopped', () => {
    assert.equal(deriveStatus(base, probe({ 100: { startTime: 6000 } })), 'stopped');
  });
  it('pid 0 is creating while the creator lives, stopped after it died', () => {
    const st = { ...base, pid: 0, creator: { pid: 7, start: 11 } };
    assert.equal(deriveStatus(st, probe({ 7: { startTime: 11 } })), 'creating');
    assert.equal(deriveStatus(st, probe({})), 'stopped');
  });
});

describe('assertCan', () => {
  it('uses runc wording', () => {
    assert.throws(() => assertCan('start', 'running', 'x'), /cannot start an already running container/);
    assert.throws(() => assertCan('kill', 'stopped', 'x'), /container not running/);
    assert.throws(() => assertCan('delete', 'running', 'x'), /not stopped/);
    assert.doesNotThrow(() => assertCan('kill', 'created', 'x'));
    assert.doesNotThrow(() => assertCan('delete', 'stopped', 'x'));
  });
});

import { checkId } from '../../../src/state/store.js';
describe('checkId', () => {
  it('accepts runc-style ids and rejects paths, dots, NUL, empty and huge ones', () => {
    for (const ok of ['a', 'abc-1.2_3+x', 'A'.repeat(255)]) assert.equal(checkId(ok), ok);
    for (const bad of ['', '.', '..', '../x', 'a/b', '/abs', 'a\u0000b', '-x', '.hidden', 'x'.repeat(256), 'x'.repeat(1024), 'sp ace']) {
      assert.throws(() => checkId(bad), /container id/, JSON.stringify(bad));
    }
  });
});
