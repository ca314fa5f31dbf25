/**
 * seccomp from inside real containers: each action (errno with errnoRet, kill, trap,
 * trace, log, notify), argument conditions, unknown names, flags, Docker's default
 * profile (containers-common's seccomp.json), the compiled-program cache, and bad input.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { release } from 'node:os';
import { join } from 'node:path';
import { seccompCacheDir, seccompPlan } from '../../src/plan/seccomp.js';
import { seccompFromProfile, type SeccompProfile } from '../../src/spec/seccomp-profile.js';
import type { Seccomp, Spec } from '../../src/spec/types.js';
import { REPO, SKIP_NOT_ROOT, until, workspace, type Workspace } from './helpers.js';

const DOCKER_PROFILE = '/usr/share/containers/seccomp.json';
const SIGSYS_EXIT = 128 + 31;
type Rule = NonNullable<Seccomp['syscalls']>[number];

const allowBut = (...syscalls: Rule[]): Seccomp => ({ defaultAction: 'SCMP_ACT_ALLOW', syscalls });
const mkdirRule = (action: string, extra: Partial<Rule> = {}): Rule => ({ names: ['mkdir', 'mkdirat'], action, ...extra });

function dockerProfile(spec: Spec): Seccomp {
  const profile = JSON.parse(readFileSync(DOCKER_PROFILE, 'utf8')) as SeccompProfile;
  return seccompFromProfile(profile, { capabilities: spec.process!.capabilities!.bounding!, arch: process.arch, kernel: release() });
}

describe('seccomp', { skip: SKIP_NOT_ROOT }, () => {
  let ws: Workspace;
  before(() => {
    ws = workspace('seccomp');
  });
  after(() => ws.cleanup());

  function run(script: string, seccomp: Seccomp | ((s: Spec) => Seccomp), edit?: (s: Spec) => void) {
    ws.writeSpec(ws.spec(['sh', '-c', script], (s) => {
      s.linux!.seccomp = typeof seccomp === 'function' ? seccomp(s) : seccomp;
      edit?.(s);
    }));
    const r = ws.runts(['run', ws.id()]);
    return { code: r.status, out: r.stdout, err: r.stderr };
  }

  it('a denied syscall returns the configured errno (errnoRet), and the filter is on', () => {
    const r = run('mkdir /dev/shm/x; echo rc=$?; grep -E "^(Seccomp|Seccomp_filters|NoNewPrivs):" /proc/self/status',
      allowBut(mkdirRule('SCMP_ACT_ERRNO', { errnoRet: 18 })));
    assert.match(r.err, /Invalid cross-device link/);
    assert.match(r.out, /rc=1\nSeccomp:\s+2\nNoNewPrivs:\s+1\nSeccomp_filters:\s+1\n|rc=1\nNoNewPrivs:\s+1\nSeccomp:\s+2\nSeccomp_filters:\s+1\n/);
    assert.equal(r.code, 0);
  });

  it('SCMP_ACT_ERRNO without errnoRet is EPERM', () => {
    const r = run('mkdir /dev/shm/x', allowBut(mkdirRule('SCMP_ACT_ERRNO')));
    assert.match(r.err, /Operation not permitted/);
    assert.equal(r.code, 1);
  });

  it('SCMP_ACT_KILL_PROCESS, KILL_THREAD, KILL and TRAP end the process with SIGSYS', () => {
    for (const action of ['SCMP_ACT_KILL_PROCESS', 'SCMP_ACT_KILL_THREAD', 'SCMP_ACT_KILL', 'SCMP_ACT_TRAP']) {
      ws.writeSpec(ws.spec(['mkdir', '/dev/shm/x'], (s) => (s.linux!.seccomp = allowBut(mkdirRule(action)))));
      const r = ws.runts(['run', ws.id()]);
      assert.equal(r.status, SIGSYS_EXIT, `${action}: ${r.stderr}`);
    }
  });

  it('SCMP_ACT_TRACE without a tracer fails the syscall with ENOSYS; SCMP_ACT_LOG allows it', () => {
    assert.match(run('mkdir /dev/shm/x', allowBut(mkdirRule('SCMP_ACT_TRACE'))).err, /Function not implemented/);
    const r = run('mkdir /dev/shm/x && echo made', allowBut(mkdirRule('SCMP_ACT_LOG')));
    assert.equal(r.out, 'made\n', r.err);
  });

  it('argument conditions: MASKED_EQ, EQ, and one argument compared twice (OR)', () => {
    const r = run(
      'touch /dev/shm/f; chmod 640 /dev/shm/f; echo a=$?; chmod 647 /dev/shm/f; echo b=$?; ' +
        'sleep 100 & p=$!; kill -0 $p; echo c=$?; kill -10 $p; echo d=$?; kill -12 $p; echo e=$?; kill -9 $p; echo f=$?',
      allowBut(
        { names: ['chmod'], action: 'SCMP_ACT_ERRNO', args: [{ index: 1, value: 0o007, valueTwo: 0o007, op: 'SCMP_CMP_MASKED_EQ' }] },
        { names: ['fchmodat', 'fchmodat2'], action: 'SCMP_ACT_ERRNO', args: [{ index: 2, value: 0o007, valueTwo: 0o007, op: 'SCMP_CMP_MASKED_EQ' }] },
        { names: ['kill'], action: 'SCMP_ACT_ERRNO', args: [{ index: 1, value: 10, op: 'SCMP_CMP_EQ' }, { index: 1, value: 12, op: 'SCMP_CMP_EQ' }] },
      ),
    );
    assert.equal(r.out, 'a=0\nb=1\nc=0\nd=1\ne=1\nf=0\n', r.err);
  });

  it('runts exec applies the container filter to the new process too', () => {
    const id = ws.id();
    ws.writeSpec(ws.spec(['sleep', '30'], (s) => (s.linux!.seccomp = allowBut(mkdirRule('SCMP_ACT_ERRNO', { errnoRet: 18 })))));
    assert.equal(ws.runts(['run', '-d', id]).status, 0);
    const r = ws.runts(['exec', id, 'sh', '-c', 'grep ^Seccomp: /proc/self/status; mkdir /dev/shm/e']);
    ws.runts(['delete', '--force', id]);
    assert.match(r.stdout, /Seccomp:\s+2/);
    assert.match(r.stderr, /Invalid cross-device link/);
    assert.equal(r.status, 1);
  });

  it('names unknown to this architecture are skipped, as runc does', () => {
    const r = run('mkdir /dev/shm/x', allowBut({ names: ['runts_no_such_syscall', 'mkdir', 'mkdirat'], action: 'SCMP_ACT_ERRNO', errnoRet: 18 }));
    assert.match(r.err, /Invalid cross-device link/);
  });

  it('accepts the TSYNC, LOG and SPEC_ALLOW flags and several architectures', () => {
    const r = run('mkdir /dev/shm/x', {
      ...allowBut(mkdirRule('SCMP_ACT_ERRNO', { errnoRet: 18 })),
      architectures: ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86', 'SCMP_ARCH_X32', 'SCMP_ARCH_AARCH64'],
      flags: ['SECCOMP_FILTER_FLAG_TSYNC', 'SECCOMP_FILTER_FLAG_LOG', 'SECCOMP_FILTER_FLAG_SPEC_ALLOW'],
    });
    assert.match(r.err, /Invalid cross-device link/);
  });

  it('without noNewPrivileges, the filter is loaded before the capabilities are dropped (user 1000)', () => {
    const r = run('grep -E "^(NoNewPrivs|Seccomp):" /proc/self/status; id -u; mkdir /dev/shm/x',
      allowBut(mkdirRule('SCMP_ACT_ERRNO', { errnoRet: 18 })), (s) => {
        s.process!.noNewPrivileges = false;
        s.process!.user = { uid: 1000, gid: 1000 };
      });
    assert.match(r.out, /NoNewPrivs:\s+0\nSeccomp:\s+2\n1000\n/);
    assert.match(r.err, /Invalid cross-device link/);
  });

  describe("Docker's default profile", { skip: existsSync(DOCKER_PROFILE) ? false : `${DOCKER_PROFILE} missing (apt-get install golang-github-containers-common)` }, () => {
    it('runs a normal busybox workload, denies setns (EPERM) and the unlisted (defaultErrnoRet ENOSYS)', () => {
      const r = run(
        'ls / >/dev/null && echo hi > /dev/shm/f && cat /dev/shm/f && ps >/dev/null && sort /proc/self/status >/dev/null && ' +
          'date >/dev/null && wc -c /dev/shm/f && grep ^Seccomp: /proc/self/status; nsenter -t 1 -n true; echo nsenter=$?; ' +
          'mkdir /dev/shm/d; echo mkdir=$?',
        (s) => {
          const sc = dockerProfile(s);
          for (const rule of sc.syscalls ?? []) rule.names = rule.names.filter((n) => n !== 'mkdir' && n !== 'mkdirat');
          return sc;
        },
      );
      assert.equal(r.out, 'hi\n3 /dev/shm/f\nSeccomp:\t2\nnsenter=1\nmkdir=1\n', r.err);
      assert.match(r.err, /setns.*Operation not permitted/);
      assert.match(r.err, /mkdir: can't create directory '\/dev\/shm\/d': Function not implemented/);
    });

    it('caches the compiled program; a corrupt cache file is replaced and the filter still holds', () => {
      const script = 'nsenter -t 1 -n true 2>&1; echo rc=$?';
      assert.match(run(script, dockerProfile).out, /Operation not permitted\nrc=1/);
      const file = seccompPlan(dockerProfile(ws.spec([])), { id: '', bundle: '', cacheDir: seccompCacheDir(ws.root) })!.cachePath;
      assert.equal(readFileSync(file).subarray(0, 8).toString(), 'RUNTSBPF');
      writeFileSync(file, Buffer.alloc(64, 0xff), { mode: 0o600 });
      assert.match(run(script, dockerProfile).out, /Operation not permitted\nrc=1/);
      assert.equal(readFileSync(file).subarray(0, 8).toString(), 'RUNTSBPF');
    });
  });

  it('SCMP_ACT_NOTIFY: the listener gets the notify fd and the container process state, and answers', async () => {
    const bin = join(ws.dir, 'seccomp-listener');
    const cc = spawnSync('gcc', ['-O2', '-o', bin, join(REPO, 'test', 'integration', 'fixtures', 'seccomp-listener.c')], { encoding: 'utf8' });
    assert.equal(cc.status, 0, cc.stderr);
    const sock = join(ws.dir, 'listener.sock');
    const out = join(ws.dir, 'listener.out');
    const listener = spawn(bin, [sock, out, '123'], { stdio: ['ignore', 'pipe', 'inherit'] });
    const done = new Promise((res) => listener.on('close', res));
    await new Promise((res) => listener.stdout!.once('data', res));
    const id = ws.id();
    const shared = join(ws.dir, 'shared');
    mkdirSync(shared);
    ws.writeSpec(ws.spec(['sh', '-c', 'mkdir /dev/shm/x 2>/shared/err; echo rc=$? >>/shared/err'], (s) => {
      s.linux!.seccomp = { ...allowBut(mkdirRule('SCMP_ACT_NOTIFY')), listenerPath: sock, listenerMetadata: 'meta 1' };
      s.annotations = { 'org.example': 'yes' };
      s.mounts!.push({ destination: '/shared', type: 'bind', source: shared, options: ['rbind', 'rw'] });
    }));
    assert.equal(ws.runts(['create', id]).status, 0);
    const pid = JSON.parse(ws.runts(['state', id]).stdout).pid as number;
    await until(() => existsSync(out) && readFileSync(out, 'utf8').includes('\n'), 5000, 'the listener state');
    const r = ws.runts(['start', id]);
    assert.equal(r.status, 0, r.stderr);
    await done;
    const [stateLine, ...calls] = readFileSync(out, 'utf8').trim().split('\n');
    const state = JSON.parse(stateLine!);
    assert.deepEqual(state.fds, ['seccompFd']);
    assert.equal(state.pid, pid);
    assert.equal(state.metadata, 'meta 1');
    assert.equal(state.state.id, id);
    assert.equal(state.state.pid, pid);
    assert.equal(state.state.status, 'creating');
    assert.equal(state.state.bundle, ws.bundle);
    assert.deepEqual(state.state.annotations, { 'org.example': 'yes' });
    assert.ok(calls.length >= 1 && calls.every((c) => /^syscall \d+$/.test(c)), calls.join(','));
    await until(() => ws.runts(['state', id]).stdout.includes('"stopped"'), 5000, 'stopped');
    ws.runts(['delete', id]);
    // the listener's answer (errno 123) is what the container saw
    assert.match(readFileSync(join(shared, 'err'), 'utf8'), /No medium found\nrc=1\n$/);
  });

  it('bad input: an unknown action names its field, exits 1 and leaves nothing', () => {
    const id = ws.id();
    ws.writeSpec(ws.spec(['true'], (s) => (s.linux!.seccomp = allowBut(mkdirRule('SCMP_ACT_BOGUS')))));
    const r = ws.runts(['run', id]);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /linux\.seccomp\.syscalls\[0\]\.action/);
    assert.equal(ws.runts(['list', '-q']).stdout, '');
  });
});
