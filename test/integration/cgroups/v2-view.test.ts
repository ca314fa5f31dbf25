/**
 * Runs manager.test.js again in a pure cgroup v2 view of this machine: a private mount
 * namespace with cgroup2 mounted on /sys/fs/cgroup (unshare(1) makes mounts private, so
 * the host does not see it). Only the controllers the host's unified hierarchy has
 * (hugetlb here) exist there; the cgroup2 VM (v2-vm.sh) covers the rest.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { detectLayout } from '../../../src/cgroups/manager.js';
import { SKIP_NOT_ROOT } from './helpers.js';

const here = dirname(fileURLToPath(import.meta.url));
const skip = SKIP_NOT_ROOT || (detectLayout() === 'v2' ? 'the host is pure cgroup v2 already (manager.test covers it)' : false);

test('manager tests in a pure cgroup v2 view (private mount namespace)', { skip, timeout: 120_000 }, (t) => {
  const r = spawnSync('unshare', ['-m', 'sh', '-c', 'mount -t cgroup2 none /sys/fs/cgroup && exec "$0" --test --test-reporter=tap "$1"', process.execPath, join(here, 'manager.test.js')], {
    encoding: 'utf8',
    // NODE_TEST_CONTEXT would make the inner runner talk the parent runner's protocol.
    env: { ...Object.fromEntries(Object.entries(process.env).filter(([k]) => k !== 'NODE_TEST_CONTEXT')), RUNTS_EXPECT_LAYOUT: 'v2', NODE_EXTRA_CA_CERTS: '' },
    timeout: 110_000,
  });
  const summary = (r.stdout ?? '').split('\n').filter((l) => /^# (tests|pass|fail|skipped) |^not ok|# SKIP|create\+apply\+destroy|limits on/.test(l));
  for (const l of summary) t.diagnostic(l.replace(/^#\s*/, ''));
  assert.equal(r.status, 0, `${r.stdout}\n${r.stderr}`);
});
