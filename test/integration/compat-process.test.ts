/**
 * Process set-up as runc does it, compared on the same bundles with runc 1.3 (and
 * Debian's 1.1.5 where the two agree): the environment (HOME from the container's
 * passwd, duplicates, no env, no PATH), exec --process defaults, cwd (root-only,
 * missing), CPU affinity (the caller's does not leak in; execCPUAffinity), exec'd
 * processes getting the personality and the time namespace's offsets, exec --cap, and
 * the environment of startContainer hooks.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import type { Process, Spec } from '../../src/spec/types.js';
import { SKIP_NOT_ROOT, workspace, type Workspace } from './helpers.js';
import { cleanupRuntimes, cli, missingRuntimes, RUNC, RUNC_OLD, RUNTS_RT, visible, type Runtime } from './runc-compat.js';

const SKIP = SKIP_NOT_ROOT || missingRuntimes();
const PATH = 'PATH=/usr/sbin:/usr/bin:/sbin:/bin';

describe('process set-up compatibility with runc', { skip: SKIP }, () => {
  let ws: Workspace;
  let rootfs: string;
  let outDir: string;
  const both = (): Runtime[] => [RUNTS_RT, RUNC];
  const three = (): Runtime[] => [RUNTS_RT, RUNC, ...(existsSync(RUNC_OLD.bin) ? [RUNC_OLD] : [])];
  before(() => {
    ws = workspace('compat-proc');
    rootfs = ws.privateRootfs();
    mkdirSync(join(rootfs, 'secret'), { mode: 0o700 });
    chmodSync(join(rootfs, 'secret'), 0o700);
    outDir = join(ws.dir, 'out');
    mkdirSync(outDir);
    chmodSync(outDir, 0o777);
  });
  after(() => {
    cleanupRuntimes(ws);
    ws.cleanup();
  });

  function spec(args: string[], edit?: (s: Spec) => void): Spec {
    return ws.spec(args, (s) => {
      s.root = { path: rootfs, readonly: false };
      s.mounts!.push({ destination: '/out', type: 'bind', source: outDir, options: ['rbind', 'rw'] });
      edit?.(s);
    });
  }

  /** `run` the spec on each runtime. */
  function runEach(s: Spec, runtimes: Runtime[], prefix?: string[]) {
    ws.writeSpec(s);
    return runtimes.map((rt) => ({ rt, seen: cli(ws, rt, ['run', ws.id()], prefix ? { prefix } : {}) }));
  }

  function assertSame(results: ReturnType<typeof runEach>, what: string) {
    const [mine, ...refs] = results;
    for (const r of refs) {
      assert.deepEqual(visible(mine!.seen), visible(r.seen), `${what}: runts vs ${r.rt.name} (${r.rt.name}: ${r.seen.stderr.trim()}; runts: ${mine!.seen.stderr.trim()})`);
    }
  }

  /** Start `sleep` on each runtime, call fn(rt, id), delete. */
  function withRunning(s: Spec, runtimes: Runtime[], fn: (rt: Runtime, id: string) => void) {
    ws.writeSpec(s);
    for (const rt of runtimes) {
      const id = ws.id();
      const r = cli(ws, rt, ['run', '-d', id]);
      assert.equal(r.status, 0, `${rt.name} run -d: ${r.stderr}`);
      try {
        fn(rt, id);
      } finally {
        cli(ws, rt, ['delete', '--force', id]);
      }
    }
  }

  /** Each runtime's results of the same exec calls, compared with runts's. */
  function execEach(s: Spec, runtimes: Runtime[], calls: string[][], prefix?: string[]) {
    const seen = new Map<string, ReturnType<typeof cli>[]>();
    withRunning(s, runtimes, (rt, id) => {
      seen.set(rt.name, calls.map((c) => cli(ws, rt, ['exec', ...c.map((a) => (a === '{id}' ? id : a))], prefix ? { prefix } : {})));
    });
    const mine = seen.get(RUNTS_RT.name)!;
    for (const rt of runtimes.slice(1)) {
      seen.get(rt.name)!.forEach((r, i) => assert.deepEqual(visible(mine[i]!), visible(r), `exec ${calls[i]!.join(' ')}: runts vs ${rt.name} (${rt.name}: ${r.stderr.trim()}; runts: ${mine[i]!.stderr.trim()})`));
    }
    return mine;
  }

  const sleeper = (edit?: (s: Spec) => void) => spec(['sleep', '100'], edit);
  const procFile = (p: Omit<Partial<Process>, 'user'> & Record<string, unknown>) => {
    const f = join(ws.dir, `process-${Math.random().toString(36).slice(2)}.json`);
    writeFileSync(f, JSON.stringify(p));
    return f;
  };

  it('run: HOME from the container\'s passwd when absent or empty (last), duplicates dropped, no env no HOME', () => {
    const cases: Array<[Partial<Spec['process']>, string]> = [
      [{ env: [PATH, 'FOO=bar', 'FOO=baz'], user: { uid: 1000, gid: 1000 } }, `${PATH}\0FOO=baz\0HOME=/home/user\0`],
      [{ env: ['A=1', 'HOME=', PATH, 'B=2'], user: { uid: 1234, gid: 1234 } }, `A=1\0${PATH}\0B=2\0HOME=/\0`],
      [{ env: [PATH, 'HOME=/elsewhere'] }, `${PATH}\0HOME=/elsewhere\0`],
      [{ env: undefined }, ''],
    ];
    for (const [over, expected] of cases) {
      const r = runEach(spec(['/bin/cat', '/proc/self/environ'], (s) => {
        Object.assign(s.process!, over);
        if (over!.env === undefined) delete s.process!.env;
      }), both());
      assert.equal(r[0]!.seen.stdout, expected, r[0]!.seen.stderr);
      assertSame(r, JSON.stringify(over));
    }
  });

  it('a FIFO planted at /etc/passwd does not block the init: HOME is "/" (runts-only: runc would wait on it)', () => {
    const fifoRoot = join(ws.dir, 'rootfs-fifo');
    cpSync(rootfs, fifoRoot, { recursive: true, verbatimSymlinks: true });
    rmSync(join(fifoRoot, 'etc', 'passwd'));
    const mk = spawnSync('mkfifo', [join(fifoRoot, 'etc', 'passwd')]);
    assert.equal(mk.status, 0);
    ws.writeSpec(spec(['/bin/cat', '/proc/self/environ'], (s) => {
      s.root = { path: fifoRoot, readonly: true };
      s.process!.env = [PATH];
      s.process!.user = { uid: 1000, gid: 1000 };
    }));
    const r = cli(ws, RUNTS_RT, ['run', ws.id()], { timeout: 15_000 });
    assert.deepEqual(visible(r), { status: 0, stdout: `${PATH}\0HOME=/\0`, error: false }, r.stderr);
  });

  it('exec and exec --process: the same HOME and env rules; process.json defaults (user, gid, env) as runc', () => {
    const s = sleeper((x) => { x.process!.env = [PATH, 'HOME=']; });
    const noEnv = procFile({ args: ['/bin/cat', '/proc/self/environ'], cwd: '/' });
    const emptyEnv = procFile({ args: ['/bin/cat', '/proc/self/environ'], cwd: '/', user: { uid: 1000 }, env: [] });
    const noUser = procFile({ args: ['/bin/id'], cwd: '/', env: [PATH] });
    const noGid = procFile({ args: ['/bin/id'], cwd: '/', user: { uid: 1000 }, ignoredField: true });
    const noCwd = procFile({ args: ['/bin/id'] });
    const out = execEach(s, both(), [
      ['{id}', 'cat', '/proc/self/environ'],
      ['-u', '1000', '{id}', 'cat', '/proc/self/environ'],
      ['-p', noEnv, '{id}'],
      ['-p', emptyEnv, '{id}'],
      ['-p', noUser, '{id}'],
      ['-p', noGid, '{id}'],
      ['-p', noCwd, '{id}'],
    ]);
    assert.deepEqual(out.map((o) => o.stdout), [
      `${PATH}\0HOME=/root\0`, `${PATH}\0HOME=/home/user\0`, '', 'HOME=/home/user\0',
      'uid=0(root) gid=0(root)\n', 'uid=1000(user) gid=0(root)\n', '',
    ], out.map((o) => o.stderr).join(''));
    assert.equal(out[6]!.status, 255, 'a process without cwd is refused, as runc');
  });

  it('run: process.user and user.gid may be left out (uid 0, gid 0), unknown process fields are ignored', () => {
    for (const user of [undefined, { uid: 1000 }]) {
      const r = runEach(spec(['/bin/id'], (s) => {
        if (user) (s.process as unknown as { user: unknown }).user = user;
        else delete (s.process as Partial<Process>).user;
        (s.process as unknown as Record<string, unknown>)['someFutureField'] = { x: 1 };
      }), three());
      assert.equal(r[0]!.seen.stdout, user ? 'uid=1000(user) gid=0(root)\n' : 'uid=0(root) gid=0(root)\n', r[0]!.seen.stderr);
      assertSame(r, `user ${JSON.stringify(user)}`);
    }
  });

  it('without PATH in the env a bare name is not found, as runc (no default PATH)', () => {
    const r = runEach(spec(['sh', '-c', 'echo ran'], (s) => { s.process!.env = ['A=1']; }), three());
    assert.notEqual(r[0]!.seen.status, 0);
    assert.match(r[0]!.seen.stderr, /executable file not found/);
    assertSame(r, 'no PATH');
  });

  it('cwd: a root-only cwd works for a non-root user (run and exec), a missing one is created by run', () => {
    const r = runEach(spec(['sh', '-c', 'pwd; ls . >/dev/null 2>&1 || echo denied'], (s) => {
      s.process!.user = { uid: 1000, gid: 1000 };
      s.process!.cwd = '/secret';
    }), three());
    assert.equal(r[0]!.seen.stdout, '/secret\ndenied\n', r[0]!.seen.stderr);
    assertSame(r, 'root-only cwd');
    execEach(sleeper(), three(), [
      ['-u', '1000:1000', '--cwd', '/secret', '{id}', 'sh', '-c', 'pwd; ls . >/dev/null 2>&1 || echo denied'],
      ['--cwd', '/not/there', '{id}', 'true'],
    ]);
    for (const rt of three()) {
      rmSync(join(rootfs, 'made'), { recursive: true, force: true });
      const m = runEach(spec(['sh', '-c', 'pwd'], (s) => { s.process!.cwd = '/made/here'; }), [rt])[0]!;
      assert.deepEqual(visible(m.seen), { status: 0, stdout: '/made/here\n', error: false }, `${rt.name}: ${m.seen.stderr}`);
    }
    rmSync(join(rootfs, 'made'), { recursive: true, force: true });
  });

  it('CPU affinity: the caller\'s (taskset) does not leak into run or exec; execCPUAffinity is for exec only', { skip: cpus().length < 2 ? 'needs two CPUs' : false }, () => {
    const show = ['/bin/grep', 'Cpus_allowed_list', '/proc/self/status'];
    const all = `Cpus_allowed_list:\t0-${cpus().length - 1}\n`;
    const r1 = runEach(spec(show), both(), ['taskset', '-c', '0']);
    assert.equal(r1[0]!.seen.stdout, all, r1[0]!.seen.stderr);
    assertSame(r1, 'taskset -c 0');
    // "not applicable to the container's init process" (runtime-spec), as runc 1.3
    const r2 = runEach(spec(show, (s) => { s.process!.execCPUAffinity = { initial: '0', final: '1' }; }), both(), ['taskset', '-c', '0']);
    assert.equal(r2[0]!.seen.stdout, all, r2[0]!.seen.stderr);
    assertSame(r2, 'init with execCPUAffinity');
    const final = procFile({ args: show, cwd: '/', execCPUAffinity: { final: '1' } });
    const initial = procFile({ args: show, cwd: '/', execCPUAffinity: { initial: '1' } });
    const both01 = procFile({ args: show, cwd: '/', execCPUAffinity: { initial: '0', final: '1' } });
    const e = execEach(sleeper(), both(), [['{id}', ...show], ['-p', final, '{id}'], ['-p', initial, '{id}'], ['-p', both01, '{id}']], ['taskset', '-c', '0']);
    assert.deepEqual(e.map((x) => x.stdout), [all, 'Cpus_allowed_list:\t1\n', 'Cpus_allowed_list:\t1\n', 'Cpus_allowed_list:\t1\n']);
  });

  it('exec\'d processes get the container\'s personality, its time namespace\'s offsets, scheduler and ioPriority', () => {
    const tenDays = 10 * 86400;
    const s = sleeper((x) => {
      x.linux!.personality = { domain: 'LINUX32' };
      x.linux!.namespaces!.push({ type: 'time' });
      x.linux!.timeOffsets = { monotonic: { secs: tenDays, nanosecs: 0 }, boottime: { secs: tenDays, nanosecs: 0 } };
    });
    s.process!.scheduler = { policy: 'SCHED_BATCH', nice: 5 };
    s.process!.ioPriority = { class: 'IOPRIO_CLASS_IDLE', priority: 0 };
    const seen: string[] = [];
    withRunning(s, both(), (rt, id) => {
      const attrs = cli(ws, rt, ['exec', id, 'sh', '-c', 'cut -d" " -f19,41 /proc/self/stat; ionice']);
      assert.deepEqual(visible(attrs), { status: 0, stdout: '5 3\nidle\n', error: false }, `${rt.name} scheduler and ioPriority: ${attrs.stderr}`);
      const r = cli(ws, rt, ['exec', id, 'sh', '-c', 'uname -m; cut -d. -f1 /proc/uptime']);
      assert.equal(r.status, 0, `${rt.name}: ${r.stderr}`);
      const [arch, up] = r.stdout.trim().split('\n');
      assert.ok(Number(up) >= tenDays, `${rt.name}: uptime ${up} inside a time namespace ${tenDays}s ahead`);
      seen.push(arch!);
    });
    assert.deepEqual(seen, ['i686', 'i686']);
  });

  it('exec\'d processes get linux.memoryPolicy too (runts-only: runc 1.3 does not implement it)', { skip: existsSync('/proc/self/numa_maps') ? false : 'no NUMA support in this kernel (/proc/self/numa_maps)' }, () => {
    for (const [mp, want] of [[{ mode: 'MPOL_BIND', nodes: '0' }, /^\S+ bind:0 /], [undefined, /^\S+ default /]] as const) {
      withRunning(sleeper((x) => { if (mp) x.linux!.memoryPolicy = mp; }), [RUNTS_RT], (_rt, id) => {
        const r = cli(ws, RUNTS_RT, ['exec', id, 'head', '-1', '/proc/self/numa_maps']);
        assert.equal(r.status, 0, r.stderr);
        assert.match(r.stdout, want);
      });
    }
  });

  it('exec --cap adds to the bounding, effective and permitted sets only, as runc', () => {
    const caps = ['sh', '-c', 'grep -E "^Cap(Inh|Prm|Eff|Bnd|Amb)" /proc/self/status'];
    const out = execEach(sleeper(), three(), [
      ['-u', '1000:1000', '--cap', 'CAP_SYS_ADMIN', '{id}', ...caps],
      ['--cap', 'CAP_SYS_ADMIN', '--cap', 'CAP_NET_ADMIN', '{id}', ...caps],
    ]);
    assert.match(out[0]!.stdout, /CapEff:\t0000000000000000/);
    assert.match(out[1]!.stdout, /CapAmb:\t0000000000000000/);
  });

  it('exec -d returns once the program runs: the pid file names it at once (runts-only: runc 1.3 may still be "runc init" then)', () => {
    withRunning(sleeper(), [RUNTS_RT], (rt, id) => {
      for (let i = 0; i < 5; i++) {
        const pidFile = join(ws.dir, `exec-${rt.name}-${i}.pid`);
        const r = cli(ws, rt, ['exec', '-d', '--pid-file', pidFile, id, 'sleep', '30']);
        assert.equal(r.status, 0, `${rt.name}: ${r.stderr}`);
        const pid = Number(readFileSync(pidFile, 'utf8'));
        assert.equal(readFileSync(`/proc/${pid}/cmdline`, 'utf8'), 'sleep\x0030\x00', rt.name);
      }
    });
  });

  it('startContainer hooks without env see the process environment, as runc', () => {
    const files: string[] = [];
    for (const rt of both()) {
      const f = `/out/hookenv-${rt.name}`;
      const r = runEach(spec(['true'], (s) => {
        s.process!.env = [PATH, 'FOO=bar'];
        s.hooks = { startContainer: [{ path: '/bin/sh', args: ['sh', '-c', `env | sort > ${f}`] }] };
      }), [rt])[0]!;
      assert.equal(r.seen.status, 0, `${rt.name}: ${r.seen.stderr}`);
      files.push(readFileSync(join(outDir, f.slice('/out/'.length)), 'utf8'));
    }
    assert.match(files[0]!, /^FOO=bar$/m);
    assert.match(files[0]!, /^HOME=\/root$/m);
    assert.equal(files[0], files[1]);
  });

});
