import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { mkdirBelow } from '../../../src/cgroups/fs.js';
import { applyWrites, nearestControllers } from '../../../src/cgroups/common.js';

test('mkdirBelow: makes missing parents outermost first, reports only what it made', () => {
  const top = mkdtempSync(join(tmpdir(), 'runts-mk-'));
  try {
    assert.deepEqual(mkdirBelow(top, join(top, 'a/b/c')), [join(top, 'a'), join(top, 'a/b'), join(top, 'a/b/c')]);
    assert.deepEqual(mkdirBelow(top, join(top, 'a/b/c')), []);
    assert.deepEqual(mkdirBelow(top, join(top, 'a/b/d')), [join(top, 'a/b/d')]);
    assert.throws(() => mkdirBelow(top, '/elsewhere/x'), /is not below/);
    assert.throws(() => mkdirBelow(join(top, 'gone'), join(top, 'gone/x/y')), (e: Error) => e.message === `mkdir ${join(top, 'gone/x')}: no such file or directory`);
  } finally {
    rmSync(top, { recursive: true });
  }
});

test('applyWrites: in order, consecutive writes to one file through one fd, optional ENOENT skipped', () => {
  const d = mkdtempSync(join(tmpdir(), 'runts-aw-'));
  try {
    writeFileSync(join(d, 'devices.allow'), '');
    writeFileSync(join(d, 'devices.deny'), '');
    const w = (file: string, value: string, optional = false) => ({ controller: '', file, value, field: 'f', ...(optional ? { optional } : {}) });
    applyWrites([w('devices.deny', 'a'), w('devices.allow', 'c 1:3 rwm'), w('devices.allow', 'c 1:5 rwm'), w('missing', 'x', true), w('devices.allow', 'c 1:7 rwm')], () => d);
    assert.equal(readFileSync(join(d, 'devices.deny'), 'utf8'), 'a');
    // A regular file shows the fds: the first two rules went through one fd (the second
    // at its offset), the third through a new one (offset 0) after the other file.
    assert.equal(readFileSync(join(d, 'devices.allow'), 'utf8'), 'c 1:7 rwmc 1:5 rwm');
    assert.throws(() => applyWrites([w('missing', 'x')], () => d), /f: write "x" to .*missing: the kernel has no such file/);
  } finally {
    rmSync(d, { recursive: true });
  }
});

test('nearestControllers: the nearest existing level answers, a level without the file gives none', () => {
  const d = mkdtempSync(join(tmpdir(), 'runts-nc-'));
  try {
    writeFileSync(join(d, 'cgroup.controllers'), 'cpu memory pids\n');
    assert.deepEqual(nearestControllers(join(d, 'x/y')), ['cpu', 'memory', 'pids']);
    mkdirSync(join(d, 'x'));
    assert.deepEqual(nearestControllers(join(d, 'x/y')), []);
  } finally {
    rmSync(d, { recursive: true });
  }
});
