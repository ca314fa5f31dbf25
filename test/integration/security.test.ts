/**
 * Known container escapes, each tried from inside a real container: the init shim's
 * binary (CVE-2019-5736), leaked fds and a cwd outside the root (CVE-2024-21626),
 * symlinks that redirect mounts, masks, devices and read-only paths out of the rootfs
 * (CVE-2021-30465, CVE-2025-31133), and /proc and /sys masking.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, readlinkSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { release } from 'node:os';
import { basename, join } from 'node:path';
import { allCapabilities, capNumber } from '../../src/spec/capabilities.js';
import type { Spec } from '../../src/spec/types.js';
import { mountsUnder, RUNTS, SHIM, SKIP_NOT_ROOT, workspace, type Workspace } from './helpers.js';

/**
 * What a container sees as the shim's /proc/<pid>/exe (native/cloned.c): the binary on a
 * detached read-only overlayfs, named from that mount's root ("/runts"), where the kernel
 * has lowerdir+/datadir+ (6.8+) and we are root; a sealed memfd otherwise.
 */
const [major, minor] = release().split('.').map(Number) as [number, number];
const SHIM_EXE = major > 6 || (major === 6 && minor >= 8) ? `/${basename(RUNTS)}` : '/memfd:runts-init';
/** Overlayfs mounts in this mount namespace: a detached one must never show up here. */
const overlays = () => readFileSync('/proc/self/mountinfo', 'utf8').split('\n').filter((l) => / - overlay /.test(l)).sort();
/** Every capability the host itself has (this machine lacks CAP_SYS_RESOURCE). */
function allCaps(s: Spec) {
  const bnd = BigInt(`0x${/CapBnd:\s+([0-9a-f]+)/.exec(readFileSync('/proc/self/status', 'utf8'))![1]}`);
  const all = allCapabilities().filter((c) => bnd & (1n << BigInt(capNumber(c)!)));
  s.process!.capabilities = { bounding: all, effective: all, permitted: all, inheritable: all };
}

const sha256 = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex');

describe('known escapes, tried from inside', { skip: SKIP_NOT_ROOT }, () => {
  let ws: Workspace;
  before(() => {
    ws = workspace('security');
  });
  after(() => ws.cleanup());

  function run(script: string, edit?: (s: Spec) => void) {
    ws.writeSpec(ws.spec(['sh', '-c', script], edit));
    const r = ws.runts(['run', ws.id()]);
    return { code: r.status, out: r.stdout, err: r.stderr };
  }

  it('CVE-2019-5736: the init shim seen from another container cannot be written or replaced', () => {
    const before = sha256(SHIM);
    const victim = ws.id('victim');
    ws.writeSpec(ws.spec(['true']));
    assert.equal(ws.runts(['create', victim]).status, 0);
    const pid = JSON.parse(ws.runts(['state', victim]).stdout).pid as number;
    // The parked init keeps no directory of the host (it reopens exec.fifo through the container's /proc).
    const hostProc = /^(\d+) \d+ \S+ \S+ \/proc /m.exec(readFileSync('/proc/self/mountinfo', 'utf8'))![1];
    for (const fd of readdirSync(`/proc/${pid}/fd`)) {
      const mnt = /mnt_id:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/fdinfo/${fd}`, 'utf8'))![1];
      assert.notEqual(mnt, hostProc, `fd ${fd} of the parked init is on the host's /proc`);
    }
    // The attacker shares the victim's pid namespace (where the parked shim is pid 1)
    // and holds every capability, CAP_SYS_PTRACE included, so it may open /proc/1/exe.
    const r = run(
      'for p in /proc/[0-9]*; do e=$(readlink $p/exe); echo "exe $e"; ' +
        'case "$e" in *runts*) { echo pwned >> $p/exe; } 2>/dev/null && echo WROTE-APPEND; ' +
        '{ echo pwned 1<> $p/exe; } 2>/dev/null && echo WROTE-RDWR; ' +
        'cp /bin/busybox $p/exe 2>/dev/null && echo REPLACED;; esac; done; ' +
        // the parked shim's fds (the host /proc it keeps for the barrier among them) lead nowhere
        'for f in /proc/1/fd/* /proc/1/cwd /proc/1/root; do [ -e $f/1/root/etc/os-release ] && echo "HOSTROOT $f"; ' +
        '[ -e $f/etc/os-release ] && echo "HOSTROOT $f"; done; true',
      (s) => {
        allCaps(s);
        s.linux!.namespaces = s.linux!.namespaces!.map((n) => (n.type === 'pid' ? { type: 'pid', path: `/proc/${pid}/ns/pid` } : n));
      },
    );
    assert.ok(r.out.split('\n').includes(`exe ${SHIM_EXE}`), `the attacker must see the shim at ${SHIM_EXE}:\n${r.out}${r.err}`);
    assert.doesNotMatch(r.out, /WROTE|REPLACED|HOSTROOT/);
    assert.equal(sha256(SHIM), before);
    ws.runts(['delete', '--force', victim]);
  });

  it('CVE-2019-5736: the shim\'s read-only overlayfs cannot be made writable from a container, and no mount is left', () => {
    const before = sha256(RUNTS);
    const mounts = overlays();
    const victim = ws.id('victim');
    ws.writeSpec(ws.spec(['true']));
    assert.equal(ws.runts(['create', victim]).status, 0);
    try {
      const pid = JSON.parse(ws.runts(['state', victim]).stdout).pid as number;
      assert.equal(readFileSync(`/proc/${pid}/comm`, 'utf8').trim(), 'runts:init');
      // With every capability, in the victim's pid namespace: bind the parked shim's exe
      // somewhere, remount that bind read-write, and write through it.
      const r = run(
        'e=/proc/1/exe; echo "exe $(readlink $e)"; mount -t tmpfs none /tmp && touch /tmp/f || echo NOTMPFS; ' +
          // (the kernel refuses to bind from another mount namespace, a detached one too)
          'mount --bind $e /tmp/f 2>/dev/null && { echo BOUND; mount -o remount,rw,bind /tmp/f && echo REMOUNTED; ' +
          '{ echo pwned >> /tmp/f; } 2>/dev/null && echo WROTE-BIND; }; { echo pwned >> $e; } 2>/dev/null && echo WROTE-EXE; ' +
          'echo pwned 2>/dev/null 1<> $e && echo WROTE-RDWR; true',
        (s) => {
          allCaps(s);
          s.linux!.namespaces = s.linux!.namespaces!.map((n) => (n.type === 'pid' ? { type: 'pid', path: `/proc/${pid}/ns/pid` } : n));
        },
      );
      assert.equal(r.code, 0, r.err);
      assert.ok(r.out.includes(`exe ${SHIM_EXE}\n`), `the attacker must see the shim at ${SHIM_EXE}:\n${r.out}${r.err}`);
      assert.doesNotMatch(r.out, /NOTMPFS|WROTE/, r.out);
      // The host sees the same image, and cannot write it either (EROFS, or EPERM from the seals).
      assert.equal(readlinkSync(`/proc/${pid}/exe`).replace(/ \(deleted\)$/, ''), SHIM_EXE);
      assert.throws(() => writeFileSync(`/proc/${pid}/exe`, 'pwned', { flag: 'r+' }), /EROFS|EPERM/);
    } finally {
      ws.runts(['delete', '--force', victim]);
    }
    assert.equal(sha256(RUNTS), before);
    assert.deepEqual(overlays(), mounts, 'no overlayfs mount is left in (or ever attached to) this mount namespace');
  });

  it('CVE-2024-21626: a cwd through /proc/self/fd/N never lands outside the root', () => {
    for (let fd = 3; fd <= 7; fd++) {
      for (const verb of ['run', 'create'] as const) {
        const id = ws.id();
        ws.writeSpec(ws.spec(['sh', '-c', 'echo "cwd=$(pwd)"; ls ..'], (s) => (s.process!.cwd = `/proc/self/fd/${fd}`)));
        const r = ws.runts([verb, id]);
        if (r.status === 0 && verb === 'create') {
          const started = ws.runts(['start', id]);
          assert.equal(started.status, 0);
        }
        ws.runts(['delete', '--force', id]);
        assert.doesNotMatch(r.stdout, /container_info|boot|home/, `fd ${fd} (${verb}) reached the host:\n${r.stdout}`);
        if (r.status !== 0) assert.match(r.stderr, /cwd \/proc\/self\/fd\/\d+/);
        else assert.match(r.stdout, /^cwd=\//);
      }
    }
  });

  it('CVE-2024-21626: the container process holds no host fd, only stdio', () => {
    const r = run('for f in /proc/self/fd/*; do echo "$f $(readlink $f)"; done; echo "cwd=$(readlink /proc/self/cwd)"');
    const fds = r.out.trim().split('\n').filter((l) => l.startsWith('/proc/self/fd/'));
    // 0-2, plus the shell's own open of /proc/self/fd (which readlink shows as gone or as the dir)
    for (const l of fds) {
      const n = Number(l.split(' ')[0]!.split('/').pop());
      if (n <= 2) continue;
      assert.match(l, / (\/proc\/\d+\/fd|)$/, `unexpected fd: ${l}`);
    }
    assert.match(r.out, /cwd=\/\n/);
  });

  it('CVE-2021-30465: a mount destination through a symlink to the host lands inside the rootfs', () => {
    const host = join(ws.dir, 'host-side');
    mkdirSync(host);
    const root = ws.privateRootfs();
    symlinkSync(host, join(root, 'evil-abs'));
    symlinkSync(`../../../../../../../../..${host}`, join(root, 'evil-rel'));
    const r = run('grep -E " /(evil-abs|evil-rel|tmp/host-side|.*host-side)/m " /proc/self/mounts | wc -l; ls -d /evil-abs/m /evil-rel/m', (s) => {
      s.root = { path: root, readonly: false };
      s.mounts!.push({ destination: '/evil-abs/m', type: 'tmpfs', source: 'tmpfs', options: ['size=1m'] });
      s.mounts!.push({ destination: '/evil-rel/m', type: 'tmpfs', source: 'tmpfs', options: ['size=1m'] });
    });
    assert.equal(r.code, 0, r.err);
    assert.deepEqual(readdirSync(host), [], 'nothing was created on the host side');
    assert.deepEqual(mountsUnder(host), []);
    assert.ok(existsSync(join(root, host, 'm')), 'the mount point was made inside the rootfs');
  });

  it('CVE-2025-31133: a /dev/null symlink in the rootfs is never bound over a masked path', () => {
    const root = ws.privateRootfs();
    rmSync(join(root, 'dev'), { recursive: true, force: true });
    mkdirSync(join(root, 'dev'));
    symlinkSync('/proc/sys/kernel/core_pattern', join(root, 'dev', 'null'));
    const before = readFileSync('/proc/sys/kernel/core_pattern', 'utf8');
    const r = run('echo "|/bin/pwned" > /proc/kcore && echo WROTE', (s) => {
      s.root = { path: root, readonly: false };
      s.mounts = s.mounts!.filter((m) => m.destination !== '/dev' && !m.destination.startsWith('/dev/'));
    });
    assert.doesNotMatch(r.out, /WROTE/);
    assert.equal(readFileSync('/proc/sys/kernel/core_pattern', 'utf8'), before);
    if (r.code !== 0) assert.match(r.err, /\/dev\/null/);
  });

  it('masked and read-only paths that are symlinks to the host resolve inside the rootfs', () => {
    const host = join(ws.dir, 'host-masks');
    mkdirSync(host);
    const root = ws.privateRootfs();
    symlinkSync(host, join(root, 'masked-link'));
    symlinkSync(host, join(root, 'ro-link'));
    const r = run('true', (s) => {
      s.root = { path: root, readonly: false };
      s.linux!.maskedPaths = ['/masked-link'];
      s.linux!.readonlyPaths = ['/ro-link'];
    });
    assert.equal(r.code, 0, r.err);
    assert.deepEqual(mountsUnder(host), []);
  });

  it('a device path through a symlinked /dev is created inside the rootfs', () => {
    const host = join(ws.dir, 'host-dev');
    mkdirSync(host);
    const root = ws.privateRootfs();
    rmSync(join(root, 'dev'), { recursive: true, force: true });
    symlinkSync(host, join(root, 'dev'));
    const r = run('ls /dev/', (s) => {
      s.root = { path: root, readonly: false };
      s.mounts = s.mounts!.filter((m) => m.destination !== '/dev' && !m.destination.startsWith('/dev/'));
      s.linux!.devices = [{ path: '/dev/evil', type: 'c', major: 1, minor: 7, fileMode: 0o666 }];
    });
    assert.deepEqual(readdirSync(host), [], `devices reached the host dir: ${r.out}${r.err}`);
  });

  it('each container gets a new session keyring (_ses.ID), unless --no-new-keyring', { skip: existsSync('/proc/keys') ? false : 'no /proc/keys (kernel without CONFIG_KEYS)' }, () => {
    const [a, b] = [ws.id('keys'), ws.id('keys')];
    ws.writeSpec(ws.spec(['sleep', '30']));
    assert.equal(ws.runts(['run', '-d', a]).status, 0);
    assert.equal(ws.runts(['run', '-d', '--no-new-keyring', b]).status, 0);
    const keys = readFileSync('/proc/keys', 'utf8');
    ws.runts(['delete', '--force', a, b]);
    assert.match(keys, new RegExp(` keyring +_ses\\.${a}: `));
    assert.doesNotMatch(keys, new RegExp(`_ses\\.${b}:`));
  });

  it('/proc and /sys: masked files read empty, read-only paths refuse writes, no remount or umount', (t) => {
    // This kernel may lack some of them (no kcore, no sysrq here): test the ones the host has.
    const masked = ['/proc/kcore', '/proc/keys', '/proc/timer_list', '/proc/latency_stats', '/proc/sched_debug'].filter((f) => existsSync(f));
    const readonly = ['/proc/sysrq-trigger', '/proc/sys/kernel/ns_last_pid', '/proc/irq/default_smp_affinity'].filter((f) => existsSync(f));
    const missing = ['/proc/kcore', '/proc/sysrq-trigger'].filter((f) => !existsSync(f));
    if (missing.length) t.diagnostic(`not on this kernel, not tested: ${missing.join(', ')}`);
    const script = [
      ...masked.map((f) => `echo "${f} $(wc -c < ${f})"`),
      ...readonly.map((f) => `echo 1 > ${f}; echo "${f} write=$?"`),
      'echo 1 > /sys/kernel/profiling; echo "sysfs write=$?"',
      'ls /proc/acpi | wc -l',
      `umount ${masked[0] ?? '/proc/keys'}; echo "umount=$?"`,
      'mount -o remount,rw /proc/sys; echo "remount=$?"',
    ].join('; ');
    const r = run(script);
    const want = [
      ...masked.map((f) => `${f} 0`),
      ...readonly.map((f) => `${f} write=1`),
      'sysfs write=1',
      '0',
      'umount=1',
      'remount=1',
    ];
    assert.equal(r.out, want.join('\n') + '\n', r.err);
    assert.match(r.err, /Read-only file system/);
  });
});
