import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  knownMountOptions, MOUNT_ATTR, MOUNT_ATTR__ATIME, MOUNT_ATTR_IDMAP, MOUNT_ATTR_NOATIME, MOUNT_ATTR_NODEV,
  MOUNT_ATTR_NOEXEC, MOUNT_ATTR_NOSUID, MOUNT_ATTR_NOSYMFOLLOW, MOUNT_ATTR_RDONLY, MOUNT_ATTR_RELATIME,
  MOUNT_ATTR_STRICTATIME, MOUNT_ATTR_NODIRATIME, MS, MS_BIND, MS_NODEV, MS_NOEXEC, MS_NOSUID, MS_PRIVATE, MS_RDONLY,
  MS_REC, MS_RELATIME, MS_SHARED, MS_SLAVE, MS_STRICTATIME, MS_UNBINDABLE, parseMountOptions, propagationFlags,
  MS_NOATIME, MS_SYNCHRONOUS, MS_REMOUNT, MS_MANDLOCK, MS_DIRSYNC, MS_NOSYMFOLLOW, MS_NODIRATIME, MS_SILENT,
  MS_I_VERSION, MS_LAZYTIME, MS_MOVE,
} from '../../../src/spec/mount-options.js';

test('MS_* constants match <linux/mount.h>', () => {
  assert.equal(MS_RDONLY, 1n);
  assert.equal(MS_NOSUID, 2n);
  assert.equal(MS_NODEV, 4n);
  assert.equal(MS_NOEXEC, 8n);
  assert.equal(MS_SYNCHRONOUS, 16n);
  assert.equal(MS_REMOUNT, 32n);
  assert.equal(MS_MANDLOCK, 64n);
  assert.equal(MS_DIRSYNC, 128n);
  assert.equal(MS_NOSYMFOLLOW, 256n);
  assert.equal(MS_NOATIME, 1024n);
  assert.equal(MS_NODIRATIME, 2048n);
  assert.equal(MS_BIND, 4096n);
  assert.equal(MS_MOVE, 8192n);
  assert.equal(MS_REC, 16384n);
  assert.equal(MS_SILENT, 32768n);
  assert.equal(MS_UNBINDABLE, 1n << 17n);
  assert.equal(MS_PRIVATE, 1n << 18n);
  assert.equal(MS_SLAVE, 1n << 19n);
  assert.equal(MS_SHARED, 1n << 20n);
  assert.equal(MS_RELATIME, 1n << 21n);
  assert.equal(MS_I_VERSION, 1n << 23n);
  assert.equal(MS_STRICTATIME, 1n << 24n);
  assert.equal(MS_LAZYTIME, 1n << 25n);
  assert.equal(MS.BIND, MS_BIND);
  assert.equal(MS.SHARED | MS.REC, 0x104000n);
});

test('MOUNT_ATTR_* constants match <linux/mount.h>', () => {
  assert.equal(MOUNT_ATTR_RDONLY, 1n);
  assert.equal(MOUNT_ATTR_NOSUID, 2n);
  assert.equal(MOUNT_ATTR_NODEV, 4n);
  assert.equal(MOUNT_ATTR_NOEXEC, 8n);
  assert.equal(MOUNT_ATTR__ATIME, 0x70n);
  assert.equal(MOUNT_ATTR_RELATIME, 0n);
  assert.equal(MOUNT_ATTR_NOATIME, 0x10n);
  assert.equal(MOUNT_ATTR_STRICTATIME, 0x20n);
  assert.equal(MOUNT_ATTR_NODIRATIME, 0x80n);
  assert.equal(MOUNT_ATTR_IDMAP, 0x100000n);
  assert.equal(MOUNT_ATTR_NOSYMFOLLOW, 0x200000n);
  assert.equal(MOUNT_ATTR.RDONLY, 1n);
});

test('tmpfs options: flags and data', () => {
  const m = parseMountOptions(['nosuid', 'strictatime', 'mode=755', 'size=65536k']);
  assert.equal(m.flags, MS_NOSUID | MS_STRICTATIME);
  assert.equal(m.data, 'mode=755,size=65536k');
  assert.equal(m.clearFlags, 0n);
  assert.deepEqual(m.propagation, []);
  assert.equal(m.bind, false);
  assert.equal(m.recursiveBind, false);
  assert.deepEqual(m.problems, []);
});

test('devpts options keep unknown options in order', () => {
  const m = parseMountOptions(['nosuid', 'noexec', 'newinstance', 'ptmxmode=0666', 'mode=0620', 'gid=5']);
  assert.equal(m.flags, MS_NOSUID | MS_NOEXEC);
  assert.equal(m.data, 'newinstance,ptmxmode=0666,mode=0620,gid=5');
});

test('bind and rbind', () => {
  const b = parseMountOptions(['bind', 'ro']);
  assert.equal(b.flags, MS_BIND | MS_RDONLY);
  assert.equal(b.bind, true);
  assert.equal(b.recursiveBind, false);
  const r = parseMountOptions(['rbind', 'nosuid', 'noexec', 'nodev', 'ro']);
  assert.equal(r.flags, MS_BIND | MS_REC | MS_NOSUID | MS_NOEXEC | MS_NODEV | MS_RDONLY);
  assert.equal(r.bind, true);
  assert.equal(r.recursiveBind, true);
  assert.equal(r.data, '');
});

test('later options win; clearing options are recorded', () => {
  const m = parseMountOptions(['ro', 'rw', 'nosuid', 'suid', 'exec', 'noexec']);
  assert.equal(m.flags, MS_NOEXEC);
  assert.equal(m.clearFlags, MS_RDONLY | MS_NOSUID);
  const n = parseMountOptions(['dev', 'nodev']);
  assert.equal(n.flags, MS_NODEV);
  assert.equal(n.clearFlags, 0n);
});

test('every flag option runc knows', () => {
  const cases: Array<[string, bigint, bigint]> = [
    ['ro', MS_RDONLY, 0n], ['rw', 0n, MS_RDONLY], ['suid', 0n, MS_NOSUID], ['nosuid', MS_NOSUID, 0n],
    ['dev', 0n, MS_NODEV], ['nodev', MS_NODEV, 0n], ['exec', 0n, MS_NOEXEC], ['noexec', MS_NOEXEC, 0n],
    ['sync', MS_SYNCHRONOUS, 0n], ['async', 0n, MS_SYNCHRONOUS], ['dirsync', MS_DIRSYNC, 0n],
    ['remount', MS_REMOUNT, 0n], ['mand', MS_MANDLOCK, 0n], ['nomand', 0n, MS_MANDLOCK],
    ['atime', 0n, MS_NOATIME], ['noatime', MS_NOATIME, 0n], ['diratime', 0n, MS_NODIRATIME],
    ['nodiratime', MS_NODIRATIME, 0n], ['bind', MS_BIND, 0n], ['rbind', MS_BIND | MS_REC, 0n],
    ['relatime', MS_RELATIME, 0n], ['norelatime', 0n, MS_RELATIME], ['strictatime', MS_STRICTATIME, 0n],
    ['nostrictatime', 0n, MS_STRICTATIME], ['silent', MS_SILENT, 0n], ['loud', 0n, MS_SILENT],
    ['iversion', MS_I_VERSION, 0n], ['noiversion', 0n, MS_I_VERSION], ['lazytime', MS_LAZYTIME, 0n],
    ['nolazytime', 0n, MS_LAZYTIME], ['nosymfollow', MS_NOSYMFOLLOW, 0n], ['symfollow', 0n, MS_NOSYMFOLLOW],
    ['defaults', 0n, 0n],
  ];
  for (const [opt, flags, clear] of cases) {
    const m = parseMountOptions([opt]);
    assert.equal(m.flags, flags, opt);
    assert.equal(m.clearFlags, clear, opt);
    assert.equal(m.data, '', opt);
  }
});

test('propagation options, in order', () => {
  const m = parseMountOptions(['private', 'rprivate', 'shared', 'rshared', 'slave', 'rslave', 'unbindable', 'runbindable']);
  assert.deepEqual(m.propagation, [
    MS_PRIVATE, MS_PRIVATE | MS_REC, MS_SHARED, MS_SHARED | MS_REC,
    MS_SLAVE, MS_SLAVE | MS_REC, MS_UNBINDABLE, MS_UNBINDABLE | MS_REC,
  ]);
  assert.equal(m.flags, 0n);
  assert.equal(propagationFlags('rslave'), MS_SLAVE | MS_REC);
  assert.equal(propagationFlags('bogus'), undefined);
});

test('recursive attributes for mount_setattr', () => {
  const m = parseMountOptions(['rbind', 'rro', 'rnosuid', 'rnodev', 'rnoexec', 'rnosymfollow', 'rnodiratime']);
  assert.equal(m.attrSet, MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC
    | MOUNT_ATTR_NOSYMFOLLOW | MOUNT_ATTR_NODIRATIME);
  assert.equal(m.attrClr, 0n);
  const c = parseMountOptions(['rrw', 'rsuid', 'rdev', 'rexec', 'rsymfollow', 'rdiratime']);
  assert.equal(c.attrSet, 0n);
  assert.equal(c.attrClr, MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC
    | MOUNT_ATTR_NOSYMFOLLOW | MOUNT_ATTR_NODIRATIME);
  const o = parseMountOptions(['rro', 'rrw']);
  assert.equal(o.attrSet, 0n);
  assert.equal(o.attrClr, MOUNT_ATTR_RDONLY);
});

test('recursive access-time options also clear MOUNT_ATTR__ATIME', () => {
  assert.deepEqual([parseMountOptions(['rnoatime']).attrSet, parseMountOptions(['rnoatime']).attrClr], [MOUNT_ATTR_NOATIME, MOUNT_ATTR__ATIME]);
  assert.deepEqual([parseMountOptions(['rstrictatime']).attrSet, parseMountOptions(['rstrictatime']).attrClr], [MOUNT_ATTR_STRICTATIME, MOUNT_ATTR__ATIME]);
  assert.deepEqual([parseMountOptions(['rrelatime']).attrSet, parseMountOptions(['rrelatime']).attrClr], [0n, MOUNT_ATTR__ATIME]);
  assert.equal(parseMountOptions(['ratime']).attrClr, MOUNT_ATTR_NOATIME);
});

test('idmap, ridmap and tmpcopyup', () => {
  const i = parseMountOptions(['bind', 'idmap']);
  assert.equal(i.idmap, true);
  assert.equal(i.ridmap, false);
  assert.equal(i.data, '');
  assert.equal(parseMountOptions(['rbind', 'ridmap']).ridmap, true);
  const t = parseMountOptions(['mode=755', 'tmpcopyup'], 'mounts[2].options');
  assert.equal(t.tmpcopyup, true);
  assert.equal(t.data, 'mode=755');
  assert.deepEqual(t.problems, []); // only tmpfs takes it: the validator checks the type
});

test('knownMountOptions lists every option with a meaning', () => {
  const known = knownMountOptions();
  for (const o of ['ro', 'rbind', 'rprivate', 'rro', 'ridmap', 'tmpcopyup', 'nosymfollow', 'defaults']) assert.ok(known.includes(o), o);
  assert.ok(!known.includes('mode=755'));
  assert.deepEqual(known, [...known].sort());
  for (const o of known) {
    if (o === 'tmpcopyup') continue;
    assert.equal(parseMountOptions([o]).data, '', o);
  }
});

test('option lookup (one table map): prototype names are data, holes skipped, later options win', () => {
  const m = parseMountOptions(['toString', '__proto__', 'constructor', 'hasOwnProperty', 'ro', 'rw', 'rprivate', 'rro', 'rrw', 'idmap']);
  assert.equal(m.data, 'toString,__proto__,constructor,hasOwnProperty');
  assert.equal(m.flags, 0n);
  assert.equal(m.clearFlags, MS_RDONLY);
  assert.deepEqual(m.propagation, [MS_PRIVATE | MS_REC]);
  assert.equal(m.attrSet, 0n);
  assert.equal(m.attrClr, MOUNT_ATTR_RDONLY);
  assert.equal(m.idmap, true);
  // eslint-disable-next-line no-sparse-arrays
  assert.equal(parseMountOptions(['nosuid', , 'mode=755'] as string[]).data, 'mode=755');
  // A non-string (unvalidated input) is looked up as its string form, as before.
  assert.equal(parseMountOptions([1 as unknown as string, 'bind']).flags, MS_BIND);
});
