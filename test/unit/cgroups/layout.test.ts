import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { detectLayout } from '../../../src/cgroups/manager.js';

test('detectLayout: v2 root, hybrid (unified/), else v1', () => {
  const d = mkdtempSync(join(tmpdir(), 'runts-layout-'));
  try {
    mkdirSync(join(d, 'memory'));
    assert.equal(detectLayout(d), 'v1');
    mkdirSync(join(d, 'unified'));
    writeFileSync(join(d, 'unified', 'cgroup.controllers'), 'hugetlb\n');
    assert.equal(detectLayout(d), 'hybrid');
    writeFileSync(join(d, 'cgroup.controllers'), 'cpu memory\n');
    assert.equal(detectLayout(d), 'v2');
  } finally {
    rmSync(d, { recursive: true, force: true });
  }
});
