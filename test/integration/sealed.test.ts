/**
 * A long-running library process spawns later shims straight from the protected image its
 * first shim re-executed from (src/process/sealed.ts): the binary on a detached read-only
 * overlayfs, or a sealed memfd copy where overlayfs is refused (native/cloned.c). The
 * CVE-2019-5736 defence must hold for those shims as it does for the first, and a rebuilt
 * binary must not be shadowed by a stale image.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, fstatSync, readdirSync, readFileSync, readlinkSync, utimesSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { release } from 'node:os';
import { join } from 'node:path';
import { Runtime } from '../../src/index.js';
import { allCapabilities, capNumber } from '../../src/spec/capabilities.js';
import { SHIM, SKIP_NOT_ROOT, workspace, type Workspace } from './helpers.js';

const sha256 = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex');
const [major, minor] = release().split('.').map(Number) as [number, number];
/** The shim's image as /proc names it: its name on a detached overlayfs (kernel 6.8+), or a memfd. */
const IMAGE = major > 6 || (major === 6 && minor >= 8) ? '/runts-init' : '/memfd:runts-init';
/**
 * The protected shim images this process holds an fd to: a memfd by inode number, a file
 * on a detached overlayfs by mount id and the modification time of the binary it shows
 * (mount ids are reused once a mount is gone).
 */
function heldCopies(): string[] {
  const out: string[] = [];
  for (const f of readdirSync('/proc/self/fd')) {
    try {
      const link = readlinkSync(`/proc/self/fd/${f}`);
      const info = readFileSync(`/proc/self/fdinfo/${f}`, 'utf8');
      if (link === IMAGE) out.push(`mnt ${/mnt_id:\s*(\d+)/.exec(info)?.[1] ?? f} ${fstatSync(Number(f)).mtimeMs}`);
      else if (link.startsWith('/memfd:runts-init')) out.push(/ino:\s*(\d+)/.exec(info)?.[1] ?? f);
    } catch {
      /* closed meanwhile */
    }
  }
  return out;
}

async function text(s: NodeJS.ReadableStream | null): Promise<string> {
  let out = '';
  for await (const c of s!) out += c;
  return out;
}

describe('sealed shim copy reused by a library process', { skip: SKIP_NOT_ROOT }, () => {
  let ws: Workspace;
  let rt: Runtime;
  let shim: string;
  before(() => {
    ws = workspace('sealed');
    shim = join(ws.dir, 'runts-init'); // a private copy, so the test can "rebuild" it
    copyFileSync(SHIM, shim);
    rt = new Runtime({ root: ws.root, shimPath: shim });
  });
  after(() => ws.cleanup());

  async function runTo(args: string[], edit?: Parameters<Workspace['spec']>[1]) {
    const { container, process: p } = await rt.run(ws.id(), ws.spec(args, edit), { bundle: ws.bundle, stdio: ['ignore', 'pipe', 'pipe'] });
    const [out, err, st] = await Promise.all([text(p.stdout), text(p.stderr), p.wait()]);
    container.delete();
    return { out, err, code: st.code };
  }

  it('keeps one sealed copy and runs later containers from it', async () => {
    assert.equal((await runTo(['true'])).code, 0);
    assert.equal(heldCopies().length, 1, 'the first shim left its sealed copy with us');
    for (let i = 0; i < 3; i++) assert.equal((await runTo(['sh', '-c', 'exit 4'])).code, 4);
    assert.equal(heldCopies().length, 1, 'later shims reuse it, they do not add copies');
  });

  it('CVE-2019-5736: a shim started from the kept copy cannot be written or replaced from a container', async () => {
    const before = sha256(shim);
    const victim = await rt.create(ws.id('victim'), ws.spec(['true']), { bundle: ws.bundle, stdio: ['ignore', 'ignore', 'ignore'] });
    try {
      const pid = victim.state().pid;
      const r = await runTo(
        ['sh', '-c', 'for p in /proc/[0-9]*; do e=$(readlink $p/exe); echo "exe $e"; ' +
          'case "$e" in *runts*) { echo pwned >> $p/exe; } 2>/dev/null && echo WROTE-APPEND; ' +
          '{ echo pwned 1<> $p/exe; } 2>/dev/null && echo WROTE-RDWR; ' +
          'cp /bin/busybox $p/exe 2>/dev/null && echo REPLACED;; esac; done'],
        (s) => {
          const bnd = BigInt(`0x${/CapBnd:\s+([0-9a-f]+)/.exec(readFileSync('/proc/self/status', 'utf8'))![1]}`);
          const all = allCapabilities().filter((c) => bnd & (1n << BigInt(capNumber(c)!)));
          s.process!.capabilities = { bounding: all, effective: all, permitted: all, inheritable: all };
          s.linux!.namespaces = s.linux!.namespaces!.map((n) => (n.type === 'pid' ? { type: 'pid', path: `/proc/${pid}/ns/pid` } : n));
        },
      );
      assert.ok(r.out.split('\n').some((l) => l.startsWith(`exe ${IMAGE}`)), `the attacker must see the parked shim at ${IMAGE}:\n${r.out}${r.err}`);
      assert.doesNotMatch(r.out, /WROTE|REPLACED/);
    } finally {
      victim.delete({ force: true });
    }
    assert.equal(sha256(shim), before);
    assert.equal((await runTo(['true'])).code, 0, 'the kept copy still runs');
  });

  it('drops the kept copy when the binary on disk changes', async () => {
    const before = heldCopies();
    assert.equal(before.length, 1);
    utimesSync(shim, new Date(), new Date(Date.now() + 5000));
    assert.equal((await runTo(['true'])).code, 0);
    const now = heldCopies();
    assert.equal(now.length, 1, 'the stale copy is closed, the new one kept');
    assert.notEqual(now[0], before[0], 'a fresh copy of the changed binary');
  });
});
