/** Which mount points a restore creates in the rootfs (src/criu/mountpoints.ts). */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { mountpointArgs, restoreMountpoints } from '../../../src/criu/mountpoints.js';
import { RuntsError } from '../../../src/errors.js';
import type { Spec } from '../../../src/spec/types.js';

describe('restore mount points', () => {
  const bundle = mkdtempSync(join(tmpdir(), 'runts-mp-'));
  process.on('exit', () => rmSync(bundle, { recursive: true, force: true }));
  writeFileSync(join(bundle, 'hosts'), '');
  mkdirSync(join(bundle, 'vol'));
  const spec = (mounts: Spec['mounts']): Spec => ({ ociVersion: '1.2.0', root: { path: 'rootfs' }, mounts });

  it('files for binds of files, directories otherwise; nothing below a tmpfs; no cgroup', () => {
    const mps = restoreMountpoints(spec([
      { destination: '/proc', type: 'proc', source: 'proc' },
      { destination: '/dev', type: 'tmpfs', source: 'tmpfs' },
      { destination: '/dev/shm', type: 'bind', source: 'vol', options: ['rbind'] },
      { destination: '/sys/fs/cgroup', type: 'cgroup', source: 'cgroup' },
      { destination: '/etc/hosts', type: 'bind', source: 'hosts', options: ['rbind', 'ro'] },
      { destination: '/data/', source: join(bundle, 'vol'), options: ['bind'] },
    ]), bundle);
    assert.deepEqual(mps, [
      { dest: '/proc', file: false },
      { dest: '/dev', file: false },
      { dest: '/etc/hosts', file: true },
      { dest: '/data', file: false },
    ]);
  });

  it('binds a directory bind only when a later mount point lies inside it', () => {
    const mps = restoreMountpoints(spec([
      { destination: '/srv/data', type: 'bind', source: 'vol', options: ['rbind'] },
      { destination: '/srv/database', type: 'tmpfs', source: 'tmpfs' },
      { destination: '/srv/data/cache', type: 'tmpfs', source: 'tmpfs' },
    ]), bundle);
    assert.deepEqual(mps[0], { dest: '/srv/data', file: false, bind: join(bundle, 'vol') });
    assert.deepEqual(mountpointArgs(mps), [
      '--mountpoint', 'dir', '/srv/data', join(bundle, 'vol'),
      '--mountpoint', 'dir', '/srv/database', '',
      '--mountpoint', 'dir', '/srv/data/cache', '',
    ]);
  });

  it('a missing bind source is EINVALID naming the field, in runts wording', () => {
    assert.throws(() => restoreMountpoints(spec([{ destination: '/x', type: 'bind', source: 'nope', options: ['rbind'] }]), bundle), (e: unknown) => {
      assert.ok(e instanceof RuntsError);
      assert.equal(e.code, 'EINVALID');
      assert.equal(e.message, `mounts[0].source: ${join(bundle, 'nope')} does not exist (the bind mount of /x cannot be restored)`);
      assert.deepEqual(e.problems, [{ path: 'mounts[0].source', message: `${join(bundle, 'nope')} does not exist` }]);
      return true;
    });
  });
});
