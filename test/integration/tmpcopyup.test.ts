/**
 * The `tmpcopyup` mount option (podman --read-only puts it on /tmp, /var/tmp and /run):
 * a tmpfs mounted over a directory of the image starts with a copy of what the image
 * had there (files, directories, symlinks as symlinks, fifos; modes, owners and times),
 * seen from inside a real container with a read-only rootfs. The copy is writable and
 * the image is untouched; `ro` is applied after the copy; in a user namespace mapped
 * owners are kept; tmpcopyup on anything but a tmpfs is refused before anything exists.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, lchownSync, mkdirSync, readdirSync, readFileSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Spec } from '../../src/spec/types.js';
import { SKIP_NOT_ROOT, mountsUnder, workspace, type Workspace } from './helpers.js';

describe('tmpcopyup', { skip: SKIP_NOT_ROOT }, () => {
  let ws: Workspace;
  let rootfs: string;
  let data: string;
  before(() => {
    ws = workspace('copyup');
    chmodSync(ws.dir, 0o755); // a user namespace's root must reach the rootfs
    rootfs = ws.privateRootfs();
    data = join(rootfs, 'opt', 'data');
    mkdirSync(join(data, 'sub', 'deeper'), { recursive: true });
    writeFileSync(join(data, 'a.txt'), 'hello from the image\n');
    writeFileSync(join(data, 'sub', 'deeper', 'b.txt'), 'nested\n');
    writeFileSync(join(data, 'secret'), 'for uid 1000 only\n');
    chmodSync(join(data, 'secret'), 0o700);
    chownSync(join(data, 'secret'), 1000, 1000);
    chmodSync(join(data, 'sub'), 0o751); // o+x: the container's root has no CAP_DAC_OVERRIDE
    chownSync(join(data, 'sub'), 1000, 1001);
    utimesSync(join(data, 'a.txt'), 1_000_000_000, 1_000_000_000);
    symlinkSync('a.txt', join(data, 'link'));
    lchownSync(join(data, 'link'), 1000, 1000);
    symlinkSync('/etc/passwd', join(data, 'abs-link')); // must stay a link, never be followed
    assert.equal(spawnSync('mkfifo', ['-m', '0620', join(data, 'fifo')]).status, 0);
    // Owned by ids a user namespace mapping 0 -> 100000 covers (uid 1000 inside = 101000).
    const pub = join(rootfs, 'opt', 'pub');
    mkdirSync(join(pub, 'dir'), { recursive: true });
    writeFileSync(join(pub, 'dir', 'f'), 'in userns\n');
    chmodSync(join(pub, 'dir', 'f'), 0o604);
    chownSync(join(pub, 'dir', 'f'), 101000, 101002);
    chownSync(join(pub, 'dir'), 100000, 100000);
    chownSync(pub, 100000, 100000);
  });
  after(() => {
    for (const m of mountsUnder(ws.dir).reverse()) spawnSync('umount', ['-l', m]);
    ws.cleanup();
  });

  function run(script: string, edit: (s: Spec) => void) {
    ws.writeSpec(ws.spec(['sh', '-c', script], (s) => {
      s.root = { path: rootfs, readonly: true };
      edit(s);
    }));
    const r = ws.runts(['run', ws.id()]);
    return { code: r.status, out: r.stdout.trim(), err: r.stderr };
  }

  const tmpfs = (destination: string, ...options: string[]) => ({ destination, type: 'tmpfs', source: 'tmpfs', options });

  it('the tmpfs starts with the image\'s tree: contents, modes, owners, times, symlinks, fifo; it is a writable tmpfs', () => {
    const r = run([
      'cd /opt/data',
      'for f in a.txt secret sub sub/deeper sub/deeper/b.txt link abs-link fifo; do stat -c "%n %a %u %g %F" $f; done',
      'cat a.txt sub/deeper/b.txt; readlink link; readlink abs-link',
      'stat -c "mtime %Y" a.txt',
      'grep " /opt/data " /proc/self/mountinfo | cut -d" " -f9',
      'echo new > made-inside && cat made-inside',
      'touch /opt/other 2>/dev/null || echo rootfs-read-only',
    ].join('; '), (s) => s.mounts!.push(tmpfs('/opt/data', 'nosuid', 'nodev', 'mode=755', 'tmpcopyup')));
    assert.equal(r.code, 0, r.err);
    assert.equal(r.err, '');
    assert.deepEqual(r.out.split('\n'), [
      'a.txt 644 0 0 regular file',
      'secret 700 1000 1000 regular file',
      'sub 751 1000 1001 directory',
      'sub/deeper 755 0 0 directory',
      'sub/deeper/b.txt 644 0 0 regular file',
      'link 777 1000 1000 symbolic link',
      'abs-link 777 0 0 symbolic link',
      'fifo 620 0 0 fifo',
      'hello from the image',
      'nested',
      'a.txt',
      '/etc/passwd',
      'mtime 1000000000',
      'tmpfs',
      'new',
      'rootfs-read-only',
    ]);
    assert.ok(!existsSync(join(data, 'made-inside')), 'the write went to the tmpfs, not the image');
    assert.equal(readFileSync(join(data, 'a.txt'), 'utf8'), 'hello from the image\n');
  });

  it('without tmpcopyup the same tmpfs is empty', () => {
    const r = run('ls -A /opt/data | wc -l', (s) => s.mounts!.push(tmpfs('/opt/data', 'mode=755')));
    assert.equal(r.code, 0, r.err);
    assert.equal(r.out, '0');
  });

  it('ro: copied first, read-only after', () => {
    const r = run('cat /opt/data/a.txt; touch /opt/data/x 2>&1 || echo refused; grep " /opt/data " /proc/self/mountinfo | cut -d" " -f6,9',
      (s) => s.mounts!.push(tmpfs('/opt/data', 'ro', 'tmpcopyup')));
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /^hello from the image\n.*Read-only file system\nrefused\nro,\S* tmpfs$/);
  });

  it('a destination missing from the image: an empty tmpfs', () => {
    const r = run('ls -A /opt/none | wc -l; grep -c " /opt/none " /proc/self/mountinfo', (s) => s.mounts!.push(tmpfs('/opt/none', 'tmpcopyup')));
    assert.equal(r.code, 0, r.err);
    assert.equal(r.out, '0\n1');
  });

  it('in a user namespace: mapped owners are kept', () => {
    const r = run('stat -c "%n %a %u %g" /opt/pub/dir /opt/pub/dir/f; cat /opt/pub/dir/f', (s) => {
      s.linux!.namespaces!.push({ type: 'user' });
      s.linux!.uidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
      s.linux!.gidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
      s.mounts!.push(tmpfs('/opt/pub', 'tmpcopyup'));
    });
    assert.equal(r.code, 0, r.err);
    assert.deepEqual(r.out.split('\n'), ['/opt/pub/dir 755 0 0', '/opt/pub/dir/f 604 1000 1002', 'in userns']);
  });

  it('a copy that fails names the mount and the entry', () => {
    // Host root's 0700 file, owned by an id the user namespace does not map: unreadable there.
    const r = run('true', (s) => {
      s.linux!.namespaces!.push({ type: 'user' });
      s.linux!.uidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
      s.linux!.gidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
      s.mounts!.push(tmpfs('/opt/data', 'tmpcopyup'));
    });
    assert.equal(r.code, 1);
    assert.match(r.err, /tmpcopyup \/opt\/data: openat secret: permission denied/);
  });

  it('tmpcopyup on a bind mount is refused before anything is created', () => {
    const id = ws.id();
    ws.writeSpec(ws.spec(['true'], (s) => {
      s.root = { path: rootfs, readonly: true };
      s.mounts!.push({ destination: '/opt/data', type: 'bind', source: data, options: ['rbind', 'tmpcopyup'] });
    }));
    const r = ws.runts(['create', id]);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /mounts\[\d+\]\.options\[1\]: mount option tmpcopyup is only supported on tmpfs mounts/);
    assert.ok(!existsSync(join(ws.root, id)), 'no state dir left');
    for (const ctrl of ['memory', 'pids']) assert.ok(!readdirSync(`/sys/fs/cgroup/${ctrl}`).includes(id), `${ctrl} cgroup left`);
  });
});
