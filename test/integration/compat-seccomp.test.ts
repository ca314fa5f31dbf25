/**
 * seccomp as runc applies it, compared on the same bundles with runc 1.3 (and Debian's
 * 1.1.5 where it agrees): an old default-deny profile (fixtures/old-seccomp-profile.json:
 * no close_range, faccessat2, clone3, rseq, pidfd_open) must start containers for run,
 * create/start and exec, with and without noNewPrivileges, and with startContainer
 * hooks; syscalls newer than the profile get ENOSYS (a probe program inside shows it,
 * and glibc's clone3/faccessat2 fallbacks work); defaultErrnoRet; NOTIFY on write refused.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Seccomp, Spec } from '../../src/spec/types.js';
import { REPO, SKIP_NOT_ROOT, until, workspace, type Workspace } from './helpers.js';
import { cleanupRuntimes, cli, missingRuntimes, RUNC, RUNTS_RT, references, visible, type Runtime } from './runc-compat.js';

const OLD_PROFILE = join(REPO, 'test', 'integration', 'fixtures', 'old-seccomp-profile.json');
const PROBE_SRC = join(REPO, 'test', 'integration', 'fixtures', 'syscall-probe.c');
const SKIP = SKIP_NOT_ROOT || missingRuntimes() || (process.arch !== 'x64' ? 'the old profile fixture lists x86_64 syscalls' : false);

function oldProfile(): Seccomp {
  const p = JSON.parse(readFileSync(OLD_PROFILE, 'utf8')) as Seccomp & { _comment?: string };
  delete p._comment;
  return p;
}

// x86_64 numbers of the probed syscalls.
const PROBES = ['clone3=435', 'faccessat2=439', 'close_range=436', 'rseq=334', 'pidfd_open=434', 'kexec_load=246', 'mkdir=83'];

describe('seccomp compatibility with runc', { skip: SKIP }, () => {
  let ws: Workspace;
  let probeDir: string;
  let outDir: string;
  const all = (): Runtime[] => [RUNTS_RT, ...references()];
  before(() => {
    ws = workspace('compat-sc');
    probeDir = join(ws.dir, 'probe');
    outDir = join(ws.dir, 'out');
    mkdirSync(probeDir);
    mkdirSync(outDir);
    chmodSync(outDir, 0o777);
    const cc = spawnSync('gcc', ['-O2', '-static', '-o', join(probeDir, 'probe'), PROBE_SRC], { encoding: 'utf8' });
    assert.equal(cc.status, 0, cc.stderr);
  });
  after(() => {
    cleanupRuntimes(ws);
    ws.cleanup();
  });

  function spec(args: string[], seccomp: Seccomp, nnp: boolean, edit?: (s: Spec) => void): Spec {
    return ws.spec(args, (s) => {
      s.process!.noNewPrivileges = nnp;
      s.linux!.seccomp = seccomp;
      s.mounts!.push({ destination: '/probe', type: 'bind', source: probeDir, options: ['rbind', 'ro'] });
      s.mounts!.push({ destination: '/out', type: 'bind', source: outDir, options: ['rbind', 'rw'] });
      edit?.(s);
    });
  }

  /** `run` on every runtime; returns what each showed. */
  function runEach(s: Spec, runtimes = all()) {
    ws.writeSpec(s);
    return runtimes.map((rt) => ({ rt, seen: cli(ws, rt, ['run', ws.id()]) }));
  }

  function assertSame(results: ReturnType<typeof runEach>, what: string) {
    const [mine, ...refs] = results;
    for (const r of refs) assert.deepEqual(visible(mine!.seen), visible(r.seen), `${what}: runts vs ${r.rt.name} (${r.rt.name} said ${r.seen.stderr}; runts said ${mine!.seen.stderr})`);
  }

  for (const nnp of [false, true]) {
    it(`an old default-deny profile runs a container as runc does (noNewPrivileges ${nnp})`, () => {
      const r = runEach(spec(['sh', '-c', 'echo hi; ls /probe; grep -c . /proc/self/status >/dev/null && echo status-read'], oldProfile(), nnp));
      assert.equal(r[0]!.seen.stdout, 'hi\nprobe\nstatus-read\n', r[0]!.seen.stderr);
      assertSame(r, 'run');
    });

    it(`create/start and exec (root and uid 1000) under the old profile as runc (noNewPrivileges ${nnp})`, async () => {
      for (const rt of all()) {
        const id = ws.id();
        const mark = join(outDir, `${rt.name}-${nnp}`);
        ws.writeSpec(spec(['sh', '-c', `echo started > ${'/out/' + `${rt.name}-${nnp}`}; exec sleep 100`], oldProfile(), nnp));
        const c = cli(ws, rt, ['create', id]);
        assert.equal(c.status, 0, `${rt.name} create: ${c.stderr}`);
        const s = cli(ws, rt, ['start', id]);
        assert.equal(s.status, 0, `${rt.name} start: ${s.stderr}`);
        await until(() => existsSync(mark) && readFileSync(mark, 'utf8') === 'started\n', 5000, `${rt.name} container start`);
        const e1 = cli(ws, rt, ['exec', id, 'sh', '-c', 'echo in; id -u']);
        assert.deepEqual(visible(e1), { status: 0, stdout: 'in\n0\n', error: false }, `${rt.name} exec: ${e1.stderr}`);
        const e2 = cli(ws, rt, ['exec', '--user', '1000:1000', id, 'sh', '-c', 'echo in; id -u']);
        assert.deepEqual(visible(e2), { status: 0, stdout: 'in\n1000\n', error: false }, `${rt.name} exec -u: ${e2.stderr}`);
        const e3 = cli(ws, rt, ['exec', '--no-new-privs', id, '/probe/probe', 'spawn']);
        assert.deepEqual(visible(e3), { status: 0, stdout: 'spawn=ok\n', error: false }, `${rt.name} exec --no-new-privs: ${e3.stderr}`);
        const d = cli(ws, rt, ['delete', '--force', id]);
        assert.equal(d.status, 0, `${rt.name} delete: ${d.stderr}`);
      }
    });

    it(`startContainer hooks run under the old profile as with runc (noNewPrivileges ${nnp})`, () => {
      for (const rt of all()) {
        rmSync(join(outDir, 'hook'), { force: true });
        const r = runEach(spec(['true'], oldProfile(), nnp, (s) => {
          s.hooks = { startContainer: [{ path: '/bin/sh', args: ['sh', '-c', 'cat > /out/hook'] }] };
        }), [rt])[0]!;
        assert.equal(r.seen.status, 0, `${rt.name}: ${r.seen.stderr}`);
        assert.match(readFileSync(join(outDir, 'hook'), 'utf8'), /"status":"created"/, rt.name);
      }
    });
  }

  it('syscalls newer than the profile get ENOSYS, older unlisted ones the default action; glibc falls back', () => {
    const r = runEach(spec(['/probe/probe', ...PROBES, 'spawn', 'eaccess'], oldProfile(), true));
    assert.equal(r[0]!.seen.stdout,
      'clone3=ENOSYS\nfaccessat2=ENOSYS\nclose_range=ENOSYS\nrseq=ENOSYS\npidfd_open=ENOSYS\nkexec_load=EPERM\nmkdir=EFAULT\nspawn=ok\neaccess=ok\n', r[0]!.seen.stderr);
    assertSame(r, 'probe');
  });

  it('the ENOSYS bound holds with x86 and x32 in the filter, and without architectures (the native one, as runc 1.3)', () => {
    const expected = 'clone3=ENOSYS\nfaccessat2=ENOSYS\nclose_range=ENOSYS\nrseq=ENOSYS\npidfd_open=ENOSYS\nkexec_load=EPERM\nmkdir=EFAULT\n';
    const multi = { ...oldProfile(), architectures: ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86', 'SCMP_ARCH_X32'] };
    const r1 = runEach(spec(['/probe/probe', ...PROBES], multi, true));
    assert.equal(r1[0]!.seen.stdout, expected, r1[0]!.seen.stderr);
    assertSame(r1, 'x86_64+x86+x32');
    // runc 1.1.5 patches only the listed architectures (EPERM here); runts follows 1.3.
    const { architectures: _drop, ...none } = oldProfile();
    const r2 = runEach(spec(['/probe/probe', ...PROBES], none, true), [RUNTS_RT, RUNC]);
    assert.equal(r2[0]!.seen.stdout, expected, r2[0]!.seen.stderr);
    assertSame(r2, 'no architectures');
  });

  it('no ENOSYS stub for a permissive default, nor when the default is already ENOSYS; defaultErrnoRet is the default errno', () => {
    const allow: Seccomp = { defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['kexec_load', 'mkdir'], action: 'SCMP_ACT_ERRNO' }] };
    const r1 = runEach(spec(['/probe/probe', 'clone3=435', 'kexec_load=246', 'mkdir=83'], allow, true));
    assert.equal(r1[0]!.seen.stdout, 'clone3=EINVAL\nkexec_load=EPERM\nmkdir=EPERM\n', r1[0]!.seen.stderr);
    assertSame(r1, 'allow');
    const exdev = { ...oldProfile(), defaultErrnoRet: 18 };
    const r2 = runEach(spec(['/probe/probe', 'clone3=435', 'kexec_load=246'], exdev, true));
    assert.equal(r2[0]!.seen.stdout, 'clone3=ENOSYS\nkexec_load=EXDEV\n', r2[0]!.seen.stderr);
    assertSame(r2, 'defaultErrnoRet 18');
    const enosys = { ...oldProfile(), defaultErrnoRet: 38 };
    const r3 = runEach(spec(['/probe/probe', 'clone3=435', 'kexec_load=246'], enosys, true));
    assert.equal(r3[0]!.seen.stdout, 'clone3=ENOSYS\nkexec_load=ENOSYS\n', r3[0]!.seen.stderr);
    assertSame(r3, 'defaultErrnoRet 38');
  });

  it('a kill default still kills old unlisted syscalls, after ENOSYS for new ones', () => {
    const kill = { ...oldProfile(), defaultAction: 'SCMP_ACT_KILL_PROCESS' };
    const r = runEach(spec(['/probe/probe', 'clone3=435', 'kexec_load=246', 'mkdir=83'], kill, true));
    assert.equal(r[0]!.seen.status, 128 + 31, r[0]!.seen.stderr);
    assert.equal(r[0]!.seen.stdout, 'clone3=ENOSYS\n');
    assertSame(r, 'kill');
  });

  it('SCMP_ACT_NOTIFY on write is refused naming the field, as runc refuses it; nothing is left', () => {
    const sc: Seccomp = { defaultAction: 'SCMP_ACT_ALLOW', listenerPath: join(ws.dir, 'nobody.sock'), syscalls: [{ names: ['mkdir', 'write'], action: 'SCMP_ACT_NOTIFY' }] };
    const r = runEach(spec(['true'], sc, true));
    assertSame(r, 'notify write');
    assert.equal(r[0]!.seen.status, 1);
    assert.match(r[0]!.seen.stderr, /linux\.seccomp\.syscalls\[0\]\.action: SCMP_ACT_NOTIFY cannot be used for the write syscall/);
    assert.equal(cli(ws, RUNTS_RT, ['list', '-q']).stdout, '');
  });
});

