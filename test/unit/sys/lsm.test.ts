import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { withMountLabel } from '../../../src/plan/mount-label.js';
import { hostLsm, lsmUnsupported } from '../../../src/sys/lsm.js';
import type { PlanMount } from '../../../src/plan/types.js';

describe('lsm', () => {
  it('detects AppArmor and SELinux from a sys tree', () => {
    const root = mkdtempSync(join(tmpdir(), 'runts-lsm-'));
    try {
      assert.deepEqual(hostLsm(root), { apparmor: false, selinux: false });
      mkdirSync(join(root, 'sys/module/apparmor/parameters'), { recursive: true });
      writeFileSync(join(root, 'sys/module/apparmor/parameters/enabled'), 'N\n');
      assert.equal(hostLsm(root).apparmor, false);
      writeFileSync(join(root, 'sys/module/apparmor/parameters/enabled'), 'Y\n');
      mkdirSync(join(root, 'sys/fs/selinux'), { recursive: true });
      writeFileSync(join(root, 'sys/fs/selinux/enforce'), '1');
      assert.deepEqual(hostLsm(root), { apparmor: true, selinux: true });
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it('names the field a host without the LSM cannot honour', () => {
    const none = { apparmor: false, selinux: false };
    const proc = { cwd: '/', user: { uid: 0, gid: 0 } };
    assert.equal(lsmUnsupported({ process: proc }, none), undefined);
    assert.match(lsmUnsupported({ process: { ...proc, apparmorProfile: 'p' } }, none)!.message, /^process\.apparmorProfile: AppArmor is not enabled/);
    assert.equal(lsmUnsupported({ process: { ...proc, apparmorProfile: 'p' } }, { ...none, apparmor: true }), undefined);
    assert.match(lsmUnsupported({ process: { ...proc, selinuxLabel: 'l' } }, none)!.message, /^process\.selinuxLabel: SELinux/);
    const e = lsmUnsupported({ process: proc, linux: { mountLabel: 'm' } }, none)!;
    assert.equal(e.code, 'EUNSUPPORTED');
    assert.match(e.message, /^linux\.mountLabel: SELinux/);
  });

  it('adds context= to labelled filesystem mounts only', () => {
    const m = (kind: number, fstype: string, data: string): PlanMount => ({
      kind, source: fstype, destination: `/${fstype}`, fstype, flags: 0n, data, propagation: [], attrSet: 0n, attrClr: 0n,
      destIsFile: false, remountFlags: 0n,
    });
    const out = withMountLabel([m(1, 'tmpfs', 'mode=755'), m(1, 'devpts', ''), m(1, 'proc', ''), m(2, '', '')], 'system_u:object_r:x:s0');
    assert.deepEqual(out.map((x) => x.data), ['mode=755,context="system_u:object_r:x:s0"', 'context="system_u:object_r:x:s0"', '', '']);
  });
});
