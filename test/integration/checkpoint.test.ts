/**
 * checkpoint / restore with CRIU, through the CLI and the library: a counter survives and
 * continues, --leave-running, a new id, a paused container, bind mounts and tmpfs, TCP
 * with --tcp-established, and a failed dump that leaves the container running and says
 * why in one line. Skips (saying why) when no CRIU passes `criu check` here; CI installs
 * one (scripts/deps.sh -> ../shared/tools/install-criu4.sh -> /opt/criu4).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Runtime } from '../../src/runtime.js';
import { COUNTER, usableCriu } from './criu-helpers.js';
import { RUNTS, SHIM, SKIP_NOT_ROOT, stateOf, until, workspace, type Workspace } from './helpers.js';

const CRIU = usableCriu();
if (CRIU.skip) console.log(`# checkpoint tests skipped: ${CRIU.skip}`);

describe('checkpoint and restore', { skip: CRIU.skip }, () => {
  let ws: Workspace;
  const criu = () => ['--criu', CRIU.path as string];
  before(() => {
    ws = workspace('criu');
  });
  after(() => ws.cleanup());

  const withTmp = (args: string[], edit?: (s: ReturnType<Workspace['spec']>) => void) =>
    ws.spec(args, (s) => {
      s.mounts!.push({ destination: '/tmp', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'nodev'] });
      edit?.(s);
    });
  const pidOf = (id: string) => stateOf(ws, id).pid;
  const count = (id: string) => Number(readFileSync(`/proc/${pidOf(id)}/root/tmp/count`, 'utf8'));
  const start = async (id: string) => {
    const r = ws.runts(['run', '-d', id]);
    assert.equal(r.status, 0, r.stderr);
    await until(() => {
      try {
        return count(id) >= 3;
      } catch {
        return false;
      }
    }, 5000, 'the counter');
  };
  const run = (args: string[]) => {
    const r = ws.runts([...criu(), ...args], { timeout: 60_000 });
    assert.equal(r.status, 0, `${args.join(' ')}: ${r.stderr}`);
    return r;
  };

  it('a counter survives checkpoint and restore and continues where it was', async () => {
    const id = ws.id();
    ws.writeSpec(withTmp(['sh', '-c', COUNTER]));
    await start(id);
    const img = join(ws.dir, `${id}.img`);
    const t0 = Date.now();
    const before = count(id);
    run(['checkpoint', '--image-path', img, id]);
    await new Promise((r) => setTimeout(r, 1000)); // stopped: the counter must not advance now
    const gone = ws.runts(['state', id]);
    assert.match(gone.stderr, /does not exist/, 'without --leave-running the container is gone, as with runc');
    assert.ok(existsSync(join(img, 'runts-checkpoint.json')));

    const pidFile = join(ws.dir, `${id}.pid`);
    run(['restore', '-d', '--image-path', img, '--bundle', ws.bundle, '--pid-file', pidFile, id]);
    const st = stateOf(ws, id);
    assert.equal(st.status, 'running');
    assert.equal(Number(readFileSync(pidFile, 'utf8')), st.pid);
    const resumed = count(id);
    // each step sleeps 50 ms: at most (time it could run) / 50 steps, and it could not run during the 1 s gap
    const most = before + Math.ceil((Date.now() - t0 - 1000) / 50) + 2;
    assert.ok(resumed >= before && resumed <= most, `continued from ${before} (read ${resumed}, at most ${most})`);
    await until(() => count(id) > resumed + 3, 5000, 'the restored counter to go on');
    // restored like a created one: pid namespace (it is pid 1 inside), its own cgroup, not our child
    assert.equal(readFileSync(`/proc/${st.pid}/status`, 'utf8').match(/^NSpid:\s+\d+\s+(\d+)/m)?.[1], '1');
    assert.match(readFileSync(`/proc/${st.pid}/cgroup`, 'utf8'), new RegExp(`/${id}$`, 'm'));
    assert.notEqual(Number(readFileSync(`/proc/${st.pid}/stat`, 'utf8').split(') ')[1]!.split(' ')[1]), process.pid);
    const full = JSON.parse(ws.runts(['state', id]).stdout) as { bundle: string; rootfs: string };
    assert.equal(full.bundle, ws.bundle);
    assert.equal(ws.runts(['delete', '--force', id]).status, 0);
  });

  it('--leave-running keeps the original; restore under a new id runs both', async () => {
    const id = ws.id();
    const copy = `${id}-copy`;
    ws.writeSpec(withTmp(['sh', '-c', COUNTER]));
    await start(id);
    const img = join(ws.dir, `${id}.img`);
    run(['checkpoint', '--leave-running', '--image-path', img, id]);
    assert.equal(stateOf(ws, id).status, 'running');
    const c0 = count(id);
    await until(() => count(id) > c0 + 3, 5000, 'the original to go on');
    run(['restore', '-d', '--image-path', img, '--bundle', ws.bundle, copy]);
    assert.equal(stateOf(ws, copy).status, 'running');
    assert.notEqual(pidOf(copy), pidOf(id));
    assert.match(readFileSync(`/proc/${pidOf(copy)}/cgroup`, 'utf8'), new RegExp(`/${copy}$`, 'm'));
    const c1 = count(copy);
    await until(() => count(copy) > c1 + 3, 5000, 'the copy to count');
    assert.equal(ws.runts(['delete', '--force', id, copy]).status, 0);
  });

  it('checkpoints a paused container (it stays paused) and restores it running', async () => {
    const id = ws.id();
    ws.writeSpec(withTmp(['sh', '-c', COUNTER]));
    await start(id);
    assert.equal(ws.runts(['pause', id]).status, 0);
    const img = join(ws.dir, `${id}.img`);
    run(['checkpoint', '--leave-running', '--image-path', img, id]);
    assert.equal(stateOf(ws, id).status, 'paused');
    const frozen = count(id);
    run(['restore', '-d', '--image-path', img, '--bundle', ws.bundle, `${id}-r`]);
    assert.equal(stateOf(ws, `${id}-r`).status, 'running');
    await until(() => count(`${id}-r`) > frozen + 3, 5000, 'the restored copy to count');
    assert.equal(count(id), frozen, 'the original is still frozen');
    // resume first: delete --force of a paused container does not thaw it (see report)
    assert.equal(ws.runts(['resume', id]).status, 0);
    assert.equal(ws.runts(['delete', '--force', id, `${id}-r`]).status, 0);
  });

  it('keeps a bind mount (still the host directory) and a tmpfs (with its files)', async () => {
    const id = ws.id();
    const data = join(ws.dir, `${id}-data`);
    mkdirSync(data);
    ws.writeSpec(withTmp(['sh', '-c', `echo kept > /tmp/file; ${COUNTER.replace('/tmp/count;', '/tmp/count; echo $i > /data/count;')}`], (s) => {
      s.mounts!.push({ destination: '/data', type: 'bind', source: data, options: ['rbind', 'rw'] });
    }));
    await start(id);
    const img = join(ws.dir, `${id}.img`);
    run(['checkpoint', '--image-path', img, id]);
    run(['restore', '-d', '--image-path', img, '--bundle', ws.bundle, id]);
    const pid = pidOf(id);
    const mounts = readFileSync(`/proc/${pid}/mountinfo`, 'utf8');
    assert.match(mounts, / \/data rw[^\n]* - ext4 /, 'the bind mount is back');
    assert.match(mounts, / \/tmp rw[^\n]* - tmpfs /, 'the tmpfs is back');
    assert.equal(readFileSync(`/proc/${pid}/root/tmp/file`, 'utf8'), 'kept\n');
    const host = Number(readFileSync(join(data, 'count'), 'utf8'));
    await until(() => Number(readFileSync(join(data, 'count'), 'utf8')) > host + 3, 5000, 'writes through the bind mount');
    assert.equal(ws.runts(['delete', '--force', id]).status, 0);
  });

  it('a container with a listening and an established TCP socket needs --tcp-established', async (t) => {
    const id = ws.id();
    ws.writeSpec(withTmp(['sh', '-c', `nc -ll -p 8080 -e cat & sleep 0.3; sleep 1000 | nc 127.0.0.1 8080 & ${COUNTER}`]));
    await start(id);
    await until(() => / 01 /.test(readFileSync(`/proc/${pidOf(id)}/net/tcp`, 'utf8')), 5000, 'the connection');
    const img = join(ws.dir, `${id}.img`);
    const refused = ws.runts([...criu(), 'checkpoint', '--image-path', img, id], { timeout: 60_000 });
    assert.equal(refused.status, 1);
    if (/Can't get 1:16 opt: Operation not supported/.test(refused.stderr)) {
      // Linux >= 6.16 answers getsockopt(SO_PASSCRED) on inet sockets with EOPNOTSUPP and
      // CRIU 4.1 gives up on every TCP socket; nothing runts can do about it.
      assert.equal(stateOf(ws, id).status, 'running');
      assert.equal(ws.runts(['delete', '--force', id]).status, 0);
      t.skip(`this CRIU cannot dump TCP sockets on this kernel: ${refused.stderr.trim()}`);
      return;
    }
    assert.match(refused.stderr, /tcp-established/);
    assert.equal(stateOf(ws, id).status, 'running');
    run(['checkpoint', '--tcp-established', '--image-path', img, id]);
    run(['restore', '-d', '--tcp-established', '--image-path', img, '--bundle', ws.bundle, id]);
    const tcp = readFileSync(`/proc/${pidOf(id)}/net/tcp`, 'utf8');
    assert.match(tcp, /:1F90 00000000:0000 0A /, 'still listening on 8080');
    assert.equal((tcp.match(/ 01 /g) ?? []).length, 2, 'both ends of the connection are back');
    assert.equal(ws.runts(['delete', '--force', id]).status, 0);
  });

  it('a failed checkpoint leaves the container running and says why in one line, with the log', async () => {
    const id = ws.id();
    ws.writeSpec(withTmp(['sh', '-c', COUNTER]));
    // the container's stdout is a unix socket whose peer (this test) is outside it
    const child = spawn(RUNTS, ['--root', ws.root, 'run', '-d', id], { cwd: ws.bundle, stdio: ['ignore', 'pipe', 'inherit'] });
    await new Promise((res) => child.once('exit', res));
    await until(() => {
      try {
        return count(id) >= 3;
      } catch {
        return false;
      }
    }, 5000, 'the counter');
    assert.match(readlinkSync(`/proc/${pidOf(id)}/fd/1`), /^socket:/);
    const img = join(ws.dir, `${id}.img`);
    const r = ws.runts([...criu(), 'checkpoint', '--image-path', img, id], { timeout: 60_000 });
    assert.equal(r.status, 1);
    const lines = r.stderr.trim().split('\n');
    assert.equal(lines.length, 1, r.stderr);
    assert.match(lines[0]!, new RegExp(`^runts: checkpoint ${id}: criu failed: unix: Unix socket \\d+ not found \\(a unix socket whose peer is outside the container.*\\); see ${img}/dump\\.log$`));
    assert.ok(existsSync(join(img, 'dump.log')));
    assert.equal(stateOf(ws, id).status, 'running');
    const c = count(id);
    await until(() => count(id) > c + 3, 5000, 'the counter to go on after the failure');
    child.stdout!.destroy();
    assert.equal(ws.runts(['delete', '--force', id]).status, 0);
  });

  it('library: container.checkpoint and runtime.restore', async () => {
    const rt = new Runtime({ root: ws.root, shimPath: SHIM });
    const id = ws.id();
    const c = await rt.create(id, withTmp(['sh', '-c', COUNTER]), { bundle: ws.bundle, stdio: ['ignore', 'ignore', 'ignore'] });
    c.start();
    await until(() => {
      try {
        return count(id) >= 3;
      } catch {
        return false;
      }
    }, 5000, 'the counter');
    const img = join(ws.dir, `${id}.img`);
    await c.checkpoint({ imagePath: img, leaveRunning: true, criuPath: CRIU.path! });
    assert.equal(c.status(), 'running');
    const r = await rt.restore(`${id}-lib`, { imagePath: img, criuPath: CRIU.path! });
    assert.equal(r.status(), 'running');
    assert.notEqual(r.state().pid, c.state().pid);
    const before = count(`${id}-lib`);
    await until(() => count(`${id}-lib`) > before + 3, 5000, 'the library restore to count');
    r.delete({ force: true });
    c.delete({ force: true });
  });

  it('restore refuses a directory that is not a runts checkpoint, leaving nothing behind', () => {
    const dir = join(ws.dir, 'not-an-image');
    mkdirSync(dir);
    writeFileSync(join(dir, 'x'), '');
    const r = ws.runts([...criu(), 'restore', '-d', '--image-path', dir, 'nothing-here']);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /not a runts checkpoint/);
    assert.match(ws.runts(['state', 'nothing-here']).stderr, /does not exist/);
  });

  it('--systemd-cgroup restore: strict mode is refused; no system bus is a D-Bus error; nothing left either way', async () => {
    // The systemd guest's lane (cgroups/systemd/40-devices-oom.sh) restores into a scope;
    // here (no systemd) only the refusals, and that they leave no state, cgroup or process.
    const id = ws.id();
    ws.writeSpec(withTmp(['sh', '-c', COUNTER]));
    await start(id);
    const img = join(ws.dir, `${id}.img`);
    run(['checkpoint', '--image-path', img, id]);
    const strict = ws.runts([...criu(), '--systemd-cgroup', 'restore', '-d', '--manage-cgroups-mode', 'strict', '--image-path', img, id], { timeout: 60_000 });
    assert.equal(strict.status, 1, strict.stderr);
    assert.match(strict.stderr, /strict with --systemd-cgroup: in strict mode CRIU makes the cgroup itself/);
    assert.match(ws.runts(['state', id]).stderr, /does not exist/);
    const bus = join(ws.dir, 'no-bus');
    const old = process.env.DBUS_SYSTEM_BUS_ADDRESS;
    process.env.DBUS_SYSTEM_BUS_ADDRESS = `unix:path=${bus}`;
    let nobus;
    try {
      nobus = ws.runts([...criu(), '--systemd-cgroup', 'restore', '-d', '--image-path', img, id], { timeout: 60_000 });
    } finally {
      if (old === undefined) delete process.env.DBUS_SYSTEM_BUS_ADDRESS;
      else process.env.DBUS_SYSTEM_BUS_ADDRESS = old;
    }
    assert.equal(nobus.status, 1, nobus.stderr);
    assert.match(nobus.stderr, new RegExp(`start systemd unit runts-${id}\\.scope: connect to D-Bus ${bus}`));
    assert.match(ws.runts(['state', id]).stderr, /does not exist/);
    assert.equal(ws.runts(['list', '-q']).stdout.split('\n').filter((l) => l === id).length, 0);
    const scopes = ['', ...readdirSync('/sys/fs/cgroup')].map((h) => join('/sys/fs/cgroup', h, 'system.slice', `runts-${id}.scope`)).filter((d) => existsSync(d));
    assert.deepEqual(scopes, [], 'no cgroup left');
    // the image still restores without the driver (and the container is cleaned up by the workspace)
    run(['restore', '-d', '--image-path', img, '--bundle', ws.bundle, id]);
    assert.equal(stateOf(ws, id).status, 'running');
    assert.equal(ws.runts(['delete', '-f', id]).status, 0);
  });
});

describe('checkpoint without a usable CRIU', { skip: SKIP_NOT_ROOT }, () => {
  it('fails at once with a clear error; checkpoint --help exits 0', () => {
    const ws = workspace('nocriu');
    try {
      const id = ws.id();
      ws.writeSpec(ws.spec(['sleep', '100']));
      assert.equal(ws.runts(['create', id]).status, 0);
      const r = ws.runts(['--criu', '/nonexistent/criu', 'checkpoint', '--image-path', join(ws.dir, 'img'), id]);
      assert.equal(r.status, 1);
      assert.equal(r.stderr, 'runts: criu is not usable: /nonexistent/criu is not an executable file\n');
      assert.ok(!existsSync(join(ws.dir, 'img')), 'nothing written');
      assert.equal(stateOf(ws, id).status, 'created');
      const rr = ws.runts(['--criu', '/nonexistent/criu', 'restore', '-d', '--image-path', join(ws.dir, 'img'), `${id}-r`]);
      assert.equal(rr.status, 1);
      assert.match(rr.stderr, /criu is not usable/);
      assert.match(ws.runts(['state', `${id}-r`]).stderr, /does not exist/);
      const h = ws.runts(['checkpoint', '--help']);
      assert.equal(h.status, 0);
      assert.match(h.stdout, /--leave-running/);
      assert.equal(ws.runts(['restore', '--help']).status, 0);
    } finally {
      ws.cleanup();
    }
  });
});
