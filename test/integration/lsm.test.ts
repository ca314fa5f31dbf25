/**
 * AppArmor and SELinux. This machine runs neither: a spec asking for a profile or a
 * label must fail with a clear error naming the field and leave nothing behind. The
 * shim's label writer (native/lsm.c) is run against fake procfs roots.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { hostLsm } from '../../src/sys/lsm.js';
import type { Spec } from '../../src/spec/types.js';
import { REPO, SKIP_NOT_ROOT, workspace, type Workspace } from './helpers.js';

describe('LSM labels', () => {
  let ws: Workspace;
  let writer: string;
  before(() => {
    ws = workspace('lsm');
    writer = join(ws.dir, 'lsm-write');
    const n = join(REPO, 'native');
    const cc = spawnSync('gcc', ['-D_GNU_SOURCE', `-I${n}`, '-o', writer, join(REPO, 'test/integration/fixtures/lsm-write.c'),
      join(n, 'lsm.c'), join(n, 'util.c'), join(n, 'sync.c')], { encoding: 'utf8' });
    assert.equal(cc.status, 0, cc.stderr);
  });
  after(() => ws.cleanup());

  function fakeProc(name: string, files: string[]): string {
    const root = join(ws.dir, name);
    for (const f of files) {
      mkdirSync(join(root, f, '..'), { recursive: true });
      writeFileSync(join(root, f), '');
    }
    mkdirSync(root, { recursive: true });
    return root;
  }
  const write = (root: string, apparmor: string, selinux: string) =>
    spawnSync(writer, [root, apparmor, selinux], { encoding: 'utf8' }).stdout.trim();

  it('writes "exec PROFILE" to attr/apparmor/exec and the SELinux label to attr/exec', () => {
    const root = fakeProc('stacked', ['self/attr/apparmor/exec', 'self/attr/exec']);
    assert.equal(write(root, 'runts-test', 'system_u:system_r:container_t:s0:c1,c2'), 'ok');
    assert.equal(readFileSync(join(root, 'self/attr/apparmor/exec'), 'utf8'), 'exec runts-test');
    assert.equal(readFileSync(join(root, 'self/attr/exec'), 'utf8'), 'system_u:system_r:container_t:s0:c1,c2');
  });

  it('falls back to attr/exec on kernels without the stacking interface', () => {
    const root = fakeProc('flat', ['self/attr/exec']);
    assert.equal(write(root, 'docker-default', ''), 'ok');
    assert.equal(readFileSync(join(root, 'self/attr/exec'), 'utf8'), 'exec docker-default');
  });

  it('reports the file it could not write, and follows no symlink', () => {
    assert.equal(write(fakeProc('empty', []), 'p', ''), 'error No such file or directory self/attr/exec');
    const root = fakeProc('linked', ['self/attr/elsewhere']);
    symlinkSync('elsewhere', join(root, 'self/attr/exec'));
    assert.equal(write(root, '', 'label'), 'error Too many levels of symbolic links self/attr/exec');
    assert.equal(readFileSync(join(root, 'self/attr/elsewhere'), 'utf8'), '');
  });

  describe('on this host', { skip: SKIP_NOT_ROOT }, () => {
    const lsm = hostLsm();
    const cases: Array<[string, (s: Spec) => void, boolean]> = [
      ['process.apparmorProfile', (s) => (s.process!.apparmorProfile = 'runts-test'), lsm.apparmor],
      ['process.selinuxLabel', (s) => (s.process!.selinuxLabel = 'system_u:system_r:container_t:s0'), lsm.selinux],
      ['linux.mountLabel', (s) => (s.linux!.mountLabel = 'system_u:object_r:container_file_t:s0'), lsm.selinux],
    ];
    for (const [field, edit, present] of cases) {
      it(`${field} fails with a clear error when the host lacks the LSM, leaving nothing`, { skip: present ? 'the host has this LSM' : false }, () => {
        ws.writeSpec(ws.spec(['true'], edit));
        const r = ws.runts(['run', ws.id()]);
        assert.equal(r.status, 1);
        assert.match(r.stderr, new RegExp(`${field.replace('.', '\\.')}: (AppArmor|SELinux) is not enabled on this host`));
        assert.equal(ws.runts(['list', '-q']).stdout, '');
      });
    }
  });
});
