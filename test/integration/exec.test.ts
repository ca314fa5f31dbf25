/**
 * runts exec (and Container.exec): what an exec'd process sees and how it ends. Each
 * check looks from inside the container, or at what a caller of the CLI gets (status,
 * stderr wording, pid files).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Runtime } from '../../src/index.js';
import { RUNTS, SHIM, SKIP_NOT_ROOT, until, workspace, type Workspace } from './helpers.js';

describe('exec', { skip: SKIP_NOT_ROOT }, () => {
  let ws: Workspace;
  let id: string;
  before(() => {
    ws = workspace('exec');
    id = ws.id();
    ws.writeSpec(ws.spec(['sleep', '1000'], (s) => {
      s.hostname = 'exec-box';
      s.linux!.namespaces!.push({ type: 'cgroup' });
    }));
    const r = ws.runts(['run', '-d', id]);
    assert.equal(r.status, 0, r.stderr);
  });
  after(() => ws.cleanup());

  const exec = (args: string[], opts?: { input?: string }) => {
    const r = ws.runts(['exec', ...args], opts);
    return { code: r.status, out: r.stdout, err: r.stderr };
  };

  it('sees the container: hostname, pid namespace, mounts, every namespace of the init, its cgroup', () => {
    const r = exec([id, 'sh', '-c', [
      'hostname', 'cat /proc/1/cmdline | tr "\\0" " "; echo',
      'for n in pid mnt net uts ipc cgroup user; do [ "$(readlink /proc/self/ns/$n)" = "$(readlink /proc/1/ns/$n)" ] || echo "ns $n differs"; done',
      'cmp /proc/self/mountinfo /proc/1/mountinfo >/dev/null 2>&1 || diff /proc/self/mounts /proc/1/mounts && echo same-mounts',
      'cmp /proc/self/cgroup /proc/1/cgroup && echo same-cgroup',
    ].join('; ')]);
    assert.equal(r.err, '');
    assert.equal(r.code, 0);
    const lines = r.out.trim().split('\n');
    assert.equal(lines[0], 'exec-box');
    assert.equal(lines[1], 'sleep 1000 ', 'pid 1 of its pid namespace is the init');
    assert.ok(!r.out.includes('differs'), r.out);
    assert.ok(lines.includes('same-mounts'), r.out);
    assert.ok(lines.includes('same-cgroup'), r.out);
  });

  it('is in the container\'s cgroup on the host, and gone after it ends (no zombie)', () => {
    const pidFile = join(ws.dir, 'exec-cg.pid');
    const r = exec(['--pid-file', pidFile, id, 'sh', '-c', 'cat /proc/self/cgroup >/dev/null; echo ok']);
    assert.equal(r.code, 0, r.err);
    const pid = Number(readFileSync(pidFile, 'utf8'));
    assert.ok(pid > 0);
    assert.ok(!existsSync(`/proc/${pid}`) || !/^State:\s+Z/m.test(readFileSync(`/proc/${pid}/status`, 'utf8')), 'no zombie left');
    const ps = ws.runts(['ps', '--format', 'json', id]);
    assert.deepEqual(JSON.parse(ps.stdout).length, 1, 'only the init remains');
  });

  it('exits with the process status: 0, 3, 137 when killed, 255 when exec fails', async () => {
    assert.equal(exec([id, 'true']).code, 0);
    assert.equal(exec([id, 'sh', '-c', 'exit 3']).code, 3);
    const missing = exec([id, 'no-such-binary']);
    assert.equal(missing.code, 255);
    assert.match(missing.err, /exec failed: .*no-such-binary.*no such file or directory/);

    const pidFile = join(ws.dir, 'killed.pid');
    const child = spawn(RUNTS, ['--root', ws.root, 'exec', '--pid-file', pidFile, id, 'sleep', '100'], { stdio: 'ignore' });
    const code = new Promise((res) => child.on('close', res));
    await until(() => existsSync(pidFile), 5000, 'pid file');
    process.kill(Number(readFileSync(pidFile, 'utf8')), 'SIGKILL');
    assert.equal(await code, 137);
  });

  it('fails with runc\'s wording on a missing or stopped container', () => {
    const missing = exec(['no-such-container', 'true']);
    assert.equal(missing.code, 255);
    assert.match(missing.err, /does not exist/);
    const stopped = ws.id();
    ws.writeSpec(ws.spec(['true']));
    assert.equal(ws.runts(['run', '--keep', stopped]).status, 0);
    const r = exec([stopped, 'true']);
    assert.equal(r.code, 255);
    assert.match(r.err, /container not running/);
    assert.equal(ws.runts(['delete', stopped]).status, 0);
    assert.equal(exec([id]).code, 1, 'a usage error (no command) exits 1');
  });

  it('runs as --user with --additional-gids and --cap, HOME from the container\'s passwd', () => {
    const r = exec(['--user', '1000', '--additional-gids', '29', '--cap', 'CAP_NET_RAW', '--cap', 'CAP_SYS_TIME', id,
      'sh', '-c', 'id; echo HOME=$HOME; grep -E "^Cap(Eff|Bnd)" /proc/self/status']);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /^uid=1000\(user\) gid=1000\(user\) groups=.*29\(audio\)/m);
    assert.match(r.out, /^HOME=\/home\/user$/m);
    // As runc: --cap goes to the bounding, effective and permitted sets only, so a
    // non-root user keeps it in the bounding set alone after execve.
    const bnd = BigInt('0x' + /CapBnd:\s+([0-9a-f]+)/.exec(r.out)![1]);
    assert.ok(bnd & (1n << 13n) && bnd & (1n << 25n), 'CAP_NET_RAW and CAP_SYS_TIME bounding for uid 1000');
    const asRoot = exec(['--cap', 'CAP_SYS_TIME', id, 'grep', 'CapEff', '/proc/self/status']);
    assert.ok(BigInt('0x' + /CapEff:\s+([0-9a-f]+)/.exec(asRoot.out)![1]) & (1n << 25n), 'CAP_SYS_TIME effective for root');
    // As runc 1.3: names are exact; `sys_time` is unknown, ignored with a warning naming it.
    const lower = exec(['--cap', 'sys_time', id, 'grep', 'CapEff', '/proc/self/status']);
    assert.equal(lower.code, 0, lower.err);
    assert.match(lower.err, /sys_time/);
    assert.ok(!(BigInt('0x' + /CapEff:\s+([0-9a-f]+)/.exec(lower.out)![1]) & (1n << 25n)), 'sys_time is not CAP_SYS_TIME');
    const root = exec([id, 'sh', '-c', 'grep CapEff /proc/self/status']);
    assert.ok(!(BigInt('0x' + /CapEff:\s+([0-9a-f]+)/.exec(root.out)![1]) & (1n << 25n)), 'without --cap, the container\'s set');
    const named = exec(['-u', 'daemon:audio', id, 'id']);
    assert.equal(named.out.trim(), 'uid=1(daemon) gid=29(audio)');
    const bad = exec(['-u', 'nobody-here', id, 'id']);
    assert.equal(bad.code, 255);
    assert.match(bad.err, /unable to find user nobody-here/);
  });

  it('takes --env (added to the container\'s, same key replaced), --cwd and --no-new-privs', () => {
    const r = exec(['-e', 'FOO=bar', '--env', 'PATH=/bin', '--cwd', '/proc/self', '--no-new-privs', id,
      'sh', '-c', 'echo $FOO $PATH $TERM; pwd -P; grep NoNewPrivs /proc/self/status']);
    assert.equal(r.code, 0, r.err);
    const lines = r.out.trim().split('\n');
    assert.equal(lines[0], 'bar /bin xterm');
    assert.match(lines[1] ?? '', /^\/proc\/\d+$/);
    assert.match(lines[2] ?? '', /NoNewPrivs:\s+1/);
    const bad = exec(['--cwd', 'relative', id, 'true']);
    assert.equal(bad.code, 255);
    assert.match(bad.err, /process\.cwd/);
  });

  it('runs a complete OCI process from --process FILE', () => {
    const file = join(ws.dir, 'process.json');
    writeFileSync(file, JSON.stringify({ args: ['sh', '-c', 'id -u; echo $ONLY; echo $TERM'], env: ['ONLY=this', 'PATH=/bin'], cwd: '/tmp', user: { uid: 2, gid: 2 } }));
    const r = exec(['--process', file, id]);
    assert.equal(r.code, 0, r.err);
    assert.deepEqual(r.out.split('\n'), ['2', 'this', '', '']);
    writeFileSync(file, '{"args": []}');
    const bad = exec(['-p', file, id]);
    assert.equal(bad.code, 255);
    assert.match(bad.err, /process\.args/);
  });

  it('detaches with -d: returns at once, the process runs in the container', async () => {
    const pidFile = join(ws.dir, 'detached.pid');
    const t0 = Date.now();
    const r = exec(['-d', '--pid-file', pidFile, id, 'sleep', '30']);
    assert.equal(r.code, 0, r.err);
    assert.ok(Date.now() - t0 < 5000);
    const pid = Number(readFileSync(pidFile, 'utf8'));
    assert.ok(readFileSync(`/proc/${pid}/cmdline`, 'utf8').startsWith('sleep'));
    const ps = JSON.parse(ws.runts(['ps', '--format', 'json', id]).stdout) as number[];
    assert.ok(ps.includes(pid), 'listed in the container');
    process.kill(pid, 'SIGKILL');
    const tty = exec(['-d', '-t', id, 'true']);
    assert.equal(tty.code, 255);
    assert.match(tty.err, /console socket/);
  });

  it('passes --preserve-fds and nothing else', () => {
    const file = join(ws.dir, 'preserved.txt');
    writeFileSync(file, 'preserved content\n');
    const fd = openSync(file, 'r');
    const out = join(ws.dir, 'pfd.out');
    const ofd = openSync(out, 'w');
    try {
      const r = spawnSync(RUNTS, ['--root', ws.root, 'exec', '--preserve-fds', '1', id, 'sh', '-c', 'cat <&3; ls /proc/self/fd | tr "\\n" " "'], {
        stdio: ['ignore', ofd, 'inherit', fd],
      });
      assert.equal(r.status, 0);
    } finally {
      closeSync(fd);
      closeSync(ofd);
    }
    const lines = readFileSync(out, 'utf8').split('\n');
    assert.equal(lines[0], 'preserved content');
    // ls has its own directory fd open (3 is taken, so 4): nothing else
    assert.equal(lines[1], '0 1 2 3 4 ');
  });

  it('runs in an existing sub-cgroup with --cgroup, refuses a missing one', () => {
    const st = JSON.parse(readFileSync(join(ws.root, id, 'state.json'), 'utf8'));
    const pidsDir: string | undefined = st.cgroup?.paths?.pids ?? st.cgroup?.paths?.[''];
    if (!pidsDir) return assert.fail('the container has no pids cgroup');
    const sub = join(pidsDir, 'sub');
    mkdirSync(sub);
    try {
      const key = st.cgroup.layout === 'v2' ? 'sub' : 'pids:sub';
      const r = exec(['--cgroup', key, id, 'cat', '/proc/self/cgroup']);
      assert.equal(r.code, 0, r.err);
      assert.match(r.out, st.cgroup.layout === 'v2' ? /^0::\/sub$/m : /:pids:\/sub$/m);
      const missing = exec(['--cgroup', 'pids:nope', id, 'true']);
      assert.equal(missing.code, 255);
      assert.match(missing.err, /sub-cgroup .*nope does not exist/);
      assert.equal(exec(['--cgroup', '../escape', id, 'true']).code, 255);
    } finally {
      rmdirSync(sub);
    }
  });

  it('refuses a paused container unless --ignore-paused', async () => {
    assert.equal(ws.runts(['pause', id]).status, 0);
    try {
      const r = exec([id, 'true']);
      assert.equal(r.code, 255);
      assert.match(r.err, /paused/);
      const child = spawn(RUNTS, ['--root', ws.root, 'exec', '--ignore-paused', id, 'echo', 'thawed'], { stdio: ['ignore', 'pipe', 'inherit'] });
      let out = '';
      child.stdout.on('data', (d) => (out += d));
      const code = new Promise((res) => child.on('close', res));
      await new Promise((r2) => setTimeout(r2, 300));
      assert.equal(out, '', 'frozen with the container');
      assert.equal(ws.runts(['resume', id]).status, 0);
      assert.equal(await code, 0);
      assert.equal(out, 'thawed\n');
    } finally {
      ws.runts(['resume', id]);
    }
  });

  it('joins a user namespace container as its root', () => {
    const uid = ws.id();
    ws.writeSpec(ws.spec(['sleep', '1000'], (s) => {
      s.linux!.namespaces!.push({ type: 'user' });
      s.linux!.uidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
      s.linux!.gidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
    }));
    assert.equal(ws.runts(['run', '-d', uid]).status, 0);
    const r = exec([uid, 'sh', '-c', 'id -u; cat /proc/self/uid_map; [ "$(readlink /proc/self/ns/user)" = "$(readlink /proc/1/ns/user)" ] && echo same-userns']);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /^0\n\s*0\s+100000\s+65536\nsame-userns\n$/);
    ws.runts(['delete', '-f', uid]);
  });

  it('gets the container\'s seccomp filter', () => {
    const sid = ws.id();
    ws.writeSpec(ws.spec(['sleep', '1000'], (s) => {
      s.linux!.seccomp = { defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['mkdir', 'mkdirat'], action: 'SCMP_ACT_ERRNO' }] };
    }));
    assert.equal(ws.runts(['run', '-d', sid]).status, 0);
    const r = exec([sid, 'sh', '-c', 'mkdir /dev/shm/denied 2>&1; echo rc=$?; grep Seccomp: /proc/self/status']);
    assert.match(r.out, /Operation not permitted/);
    assert.match(r.out, /rc=1/);
    assert.match(r.out, /Seccomp:\s+2/);
    assert.match(exec([id, 'sh', '-c', 'mkdir /dev/shm/allowed && echo made']).out, /made/, 'without a filter, mkdir works');
    ws.runts(['delete', '-f', sid]);
  });

  it('library: container.exec gives pid, streams, wait() and signal()', async () => {
    const rt = new Runtime({ root: ws.root, shimPath: SHIM });
    const c = rt.load(id);
    const p = await c.exec({ args: ['sh', '-c', 'read x; echo "got $x as $(id -un)"; exit 5'], user: 'daemon' });
    assert.ok(p.pid > 0);
    p.stdin!.end('line\n');
    let out = '';
    for await (const chunk of p.stdout!) out += chunk;
    assert.equal(out, 'got line as daemon\n');
    assert.deepEqual(await p.wait(), { code: 5 });

    const s = await c.exec({ args: ['sleep', '100'] }, { stdio: ['ignore', 'ignore', 'ignore'] });
    s.signal('SIGTERM');
    assert.deepEqual(await s.wait(), { code: 143, signal: 'SIGTERM' });
    await assert.rejects(c.exec({ args: ['/nope'] }), /\/nope/);
  });
});
