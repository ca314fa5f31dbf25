import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { lock, selfStartTime } from '../../../src/state/lock.js';
import { RuntsError } from '../../../src/errors.js';

describe('lock', () => {
  it('records the holder and releases idempotently', () => {
    const dir = mkdtempSync(join(tmpdir(), 'runts-lock-'));
    try {
      const l = lock(dir);
      assert.equal(readFileSync(join(dir, 'lock'), 'utf8'), `${process.pid} ${selfStartTime()}`);
      l.release();
      l.release();
      assert.ok(!existsSync(join(dir, 'lock')));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('times out while a live holder keeps it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'runts-lock-'));
    try {
      const l = lock(dir);
      assert.throws(() => lock(dir, 50), (e: unknown) => e instanceof RuntsError && e.code === 'ETIMEOUT' && /held by pid/.test(e.message));
      l.release();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('breaks the lock of a holder killed with SIGKILL', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'runts-lock-'));
    try {
      const child = spawn('sleep', ['10']);
      await new Promise((r) => child.on('spawn', r));
      const start = Number(readFileSync(`/proc/${child.pid}/stat`, 'utf8').split(') ')[1]!.split(' ')[19]);
      writeFileSync(join(dir, 'lock'), `${child.pid} ${start}`);
      assert.throws(() => lock(dir, 30), /still held/);
      child.kill('SIGKILL');
      await new Promise((r) => child.on('exit', r));
      const l = lock(dir, 1000);
      assert.equal(readFileSync(join(dir, 'lock'), 'utf8'), `${process.pid} ${selfStartTime()}`);
      l.release();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('breaks an empty lock file left by a crash between create and write, once it is old', () => {
    const dir = mkdtempSync(join(tmpdir(), 'runts-lock-'));
    try {
      writeFileSync(join(dir, 'lock'), '');
      assert.throws(() => lock(dir, 30), /still held/);
      const old = new Date(Date.now() - 5000);
      utimesSync(join(dir, 'lock'), old, old);
      lock(dir, 1000).release();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a lock in a missing container dir is ENOTFOUND', () => {
    assert.throws(() => lock('/nonexistent/runts/x'), (e: unknown) => e instanceof RuntsError && e.code === 'ENOTFOUND');
  });
});
