/**
 * What a user checks from inside a container started with `runts run`: hostname, pid 1,
 * network, mounts, masked and read-only paths, ids and groups, capabilities, rlimits,
 * and that no host fd leaks in.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { RUNTS, SKIP_NOT_ROOT, until, workspace, type Workspace } from './helpers.js';

describe('inside a container (runts run)', { skip: SKIP_NOT_ROOT }, () => {
  let ws: Workspace;
  before(() => {
    ws = workspace('inside');
  });
  after(() => ws.cleanup());

  function run(script: string, edit?: Parameters<Workspace['spec']>[1]) {
    ws.writeSpec(ws.spec(['sh', '-c', script], edit));
    const r = ws.runts(['run', ws.id()]);
    return { code: r.status, out: r.stdout, err: r.stderr };
  }

  it('has the spec hostname and is pid 1', () => {
    const r = run('hostname; echo $$', (s) => (s.hostname = 'boxy'));
    assert.equal(r.err, '');
    assert.deepEqual(r.out.trim().split('\n'), ['boxy', '1']);
    assert.equal(r.code, 0);
  });

  it('exits with the container status', () => {
    assert.equal(run('exit 42').code, 42);
  });

  it('reports 128+signal when the process is killed', async () => {
    const id = ws.id();
    ws.writeSpec(ws.spec(['sleep', '100']));
    const child = spawn(RUNTS, ['--root', ws.root, 'run', id], { cwd: ws.bundle, stdio: 'ignore' });
    const code = new Promise((res) => child.on('close', res));
    await until(() => ws.runts(['state', id]).stdout.includes('"running"'), 5000, 'running');
    assert.equal(ws.runts(['kill', id, 'KILL']).status, 0);
    assert.equal(await code, 137);
  });

  it('sees only lo, up, in a new network namespace', () => {
    const r = run('ls /sys/class/net; cat /sys/class/net/lo/operstate /sys/class/net/lo/flags');
    const lines = r.out.trim().split('\n');
    assert.equal(lines[0], 'lo');
    assert.equal(lines.length, 3, r.out);
    assert.equal(Number(lines[2]) & 1, 1, 'IFF_UP set on lo');
  });

  it('has the default mounts and devices', () => {
    const r = run('cat /proc/self/mounts; ls -l /dev');
    for (const m of [' /proc proc ', ' /dev tmpfs ', ' /dev/pts devpts ', ' /dev/shm tmpfs ', ' /dev/mqueue mqueue ', ' /sys sysfs ']) {
      assert.ok(r.out.includes(m), `mount${m}missing in:\n${r.out}`);
    }
    for (const d of ['null', 'zero', 'full', 'random', 'urandom', 'tty']) assert.match(r.out, new RegExp(`^c.* ${d}$`, 'm'));
    assert.match(r.out, /ptmx -> pts\/ptmx/);
    assert.match(r.out, /fd -> \/proc\/self\/fd/);
    assert.match(r.out, /stdin -> \/proc\/self\/fd\/0/);
  });

  it('has a read-only root when root.readonly is set', () => {
    const r = run('touch /x 2>&1; echo rc=$?');
    assert.match(r.out, /Read-only file system/);
    assert.match(r.out, /rc=1/);
  });

  it('masks maskedPaths and keeps readonlyPaths read-only', () => {
    // /proc/kcore and /proc/scsi do not exist on every kernel: /proc/keys (file) and
    // /sys/firmware (directory) do.
    const r = run('wc -c < /proc/keys; ls /sys/firmware | wc -l; echo 1 > /proc/sysrq-trigger 2>&1; echo rc=$?; echo 1 > /proc/sys/kernel/domainname 2>&1; echo rc2=$?');
    const lines = r.out.trim().split('\n');
    assert.equal(lines[0], '0', '/proc/keys reads as /dev/null');
    assert.equal(lines[1], '0', '/sys/firmware is an empty tmpfs');
    assert.match(r.out, /rc=1/);
    assert.match(r.out, /rc2=1/);
  });

  it('runs as the configured uid, gid and additional groups', () => {
    const r = run('id', (s) => (s.process!.user = { uid: 1000, gid: 1000, additionalGids: [10, 29] }));
    // busybox id prints getgroups(2): the additional gids only, as runc sets them
    assert.equal(r.out.trim(), 'uid=1000(user) gid=1000(user) groups=10(wheel),29(audio)');
  });

  it('has exactly the configured capabilities', () => {
    const r = run('grep ^Cap /proc/self/status', (s) => {
      const caps = ['CAP_KILL', 'CAP_NET_BIND_SERVICE', 'CAP_CHOWN'];
      s.process!.capabilities = { bounding: caps, effective: caps, permitted: caps, inheritable: [], ambient: [] };
    });
    const get = (k: string) => /^(\w+):\s+([0-9a-f]+)$/m.exec(r.out.split('\n').find((l) => l.startsWith(k)) ?? '')?.[2];
    const want = ((1n << 5n) | (1n << 10n) | (1n << 0n)).toString(16).padStart(16, '0');
    assert.equal(get('CapEff'), want, r.out);
    assert.equal(get('CapPrm'), want);
    assert.equal(get('CapBnd'), want);
    assert.equal(get('CapInh'), '0000000000000000');
    assert.equal(get('CapAmb'), '0000000000000000');
  });

  it('sets ambient capabilities for a non-root user and no_new_privs', () => {
    const r = run('grep -E "^(CapEff|CapAmb|NoNewPrivs)" /proc/self/status', (s) => {
      s.process!.user = { uid: 1000, gid: 1000 };
      const caps = ['CAP_NET_BIND_SERVICE'];
      s.process!.capabilities = { bounding: caps, effective: caps, permitted: caps, inheritable: caps, ambient: caps };
      s.process!.noNewPrivileges = true;
    });
    assert.match(r.out, /CapEff:\s+0000000000000400/);
    assert.match(r.out, /CapAmb:\s+0000000000000400/);
    assert.match(r.out, /NoNewPrivs:\s+1/);
  });

  it('applies rlimits', () => {
    const r = run('ulimit -n; ulimit -Hn', (s) => (s.process!.rlimits = [{ type: 'RLIMIT_NOFILE', soft: 123, hard: 456 }]));
    assert.deepEqual(r.out.trim().split('\n'), ['123', '456']);
  });

  it('applies cwd, env and umask', () => {
    const r = run('pwd; echo $FOO; umask', (s) => {
      s.process!.cwd = '/tmp';
      s.process!.env = ['PATH=/bin', 'FOO=bar'];
      s.process!.user.umask = 0o077;
    });
    assert.deepEqual(r.out.trim().split('\n'), ['/tmp', 'bar', '0077']);
  });

  it('leaks no host fd into the container', () => {
    const r = run('ls /proc/self/fd');
    // 0 1 2 and the fd ls itself opens for the directory (3)
    assert.deepEqual(r.out.trim().split('\n').map(Number).sort(), [0, 1, 2, 3]);
  });

  it('sets sysctls and the domainname', () => {
    const r = run('cat /proc/sys/net/ipv4/ip_forward /proc/sys/kernel/domainname', (s) => {
      s.linux!.sysctl = { 'net.ipv4.ip_forward': '1' };
      s.domainname = 'example.org';
    });
    assert.equal(r.err, '');
    assert.deepEqual(r.out.trim().split('\n'), ['1', 'example.org']);
  });

  it('bind-mounts a host directory read-only', () => {
    writeFileSync(join(ws.dir, 'hello'), 'hi from the host\n');
    const r = run('cat /data/hello; echo x > /data/new 2>&1; echo rc=$?', (s) => {
      s.mounts!.push({ destination: '/data', type: 'bind', source: ws.dir, options: ['bind', 'ro'] });
    });
    assert.match(r.out, /^hi from the host$/m);
    assert.match(r.out, /rc=1/);
  });

  it('runs in a user namespace with the mapped ids', () => {
    const r = run('id -u; cat /proc/self/uid_map', (s) => {
      s.linux!.namespaces!.push({ type: 'user' });
      s.linux!.uidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
      s.linux!.gidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
    });
    assert.equal(r.err, '');
    const lines = r.out.trim().split('\n');
    assert.equal(lines[0], '0');
    assert.match(lines[1] ?? '', /^\s*0\s+100000\s+65536$/);
  });
});
