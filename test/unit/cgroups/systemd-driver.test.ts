/**
 * The systemd driver's registry (cgroups/manager.ts): without cgroups/systemd/driver.js
 * imported, a systemd cgroup (new or from state.json) is a clear error, never a silent
 * cgroupfs manager; once imported, the driver serves both.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RuntsError } from '../../../src/errors.js';
import { loadCgroupManager, newCgroupManager, systemdDriver, type CgroupState } from '../../../src/cgroups/manager.js';

const state: CgroupState = { layout: 'v2', paths: { '': '/sys/fs/cgroup/system.slice/runts-x.scope' }, systemd: { unit: 'runts-x.scope', slice: 'system.slice' } };

function notLoaded(e: unknown): boolean {
  assert.ok(e instanceof RuntsError, String(e));
  assert.match(e.message, /internal error: the systemd cgroup driver is not loaded/);
  return true;
}

test('systemd driver registry: missing driver is an error, then the imported driver serves', async () => {
  const root = mkdtempSync(join(tmpdir(), 'runts-sdreg-'));
  try {
    // A fake cgroup v2 root: detectLayout sees cgroup.controllers.
    writeFileSync(join(root, 'cgroup.controllers'), 'cpu memory pids\n');
    assert.throws(() => systemdDriver(), notLoaded);
    assert.throws(() => newCgroupManager({ id: 'x', root, systemd: true }), notLoaded);
    assert.throws(() => loadCgroupManager(state), notLoaded);
    // The cgroupfs driver needs no registration.
    assert.equal(loadCgroupManager({ layout: 'v2', paths: { '': join(root, 'x') } }).layout, 'v2');

    const { driver } = await import('../../../src/cgroups/systemd/driver.js');
    const { SystemdManager } = await import('../../../src/cgroups/systemd/manager.js');
    assert.equal(systemdDriver(), driver);
    assert.ok(loadCgroupManager(state) instanceof SystemdManager);
    // A bad cgroupsPath is still the driver's EINVALID (before any D-Bus).
    assert.throws(() => newCgroupManager({ id: 'x', root, systemd: true, cgroupsPath: '/not/slice/form' }), (e: unknown) => e instanceof RuntsError && e.code === 'EINVALID' && /linux\.cgroupsPath/.test(e.message));
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
