/**
 * Namespaces as runc 1.3 handles them (issue 17): a container without a mount namespace of
 * its own runs, hooks included. Like runc, runts then mounts in the caller's mount
 * namespace (the mounts stay after the container) and enters the rootfs with chroot, so
 * each run happens in a throw-away mount namespace (`unshare -m`): the host's mount table
 * is never touched. Same bundle through runts and runc; what the process and the hooks
 * print, the exit status and the refusals are compared.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { RUNTS, SKIP_NOT_ROOT, until, type Workspace } from './helpers.js';
import { both, RUNC, SKIP_NO_RUNC, type Runtime, withWs } from './runc-side.js';
import type { Spec } from '../../src/spec/types.js';

const skip = SKIP_NOT_ROOT || SKIP_NO_RUNC;


/** No mount namespace; no masked or read-only paths (both runtimes refuse them then). */
const hostMnt = (s: Spec) => {
  s.linux!.namespaces = s.linux!.namespaces!.filter((n) => n.type !== 'mount');
  delete s.linux!.maskedPaths;
  delete s.linux!.readonlyPaths;
};

/**
 * `run` in a private throw-away mount namespace whose "/" starts shared; prints the
 * process's output, then `rc=N`, then the propagation of "/" and how many mounts the run
 * left under the rootfs.
 */
function runIsolated(ws: Workspace, rt: Runtime, id: string, rootfs: string): { status: number | null; stdout: string; stderr: string } {
  const bin = rt === 'runts' ? RUNTS : RUNC;
  const root = rt === 'runts' ? ws.root : join(ws.dir, 'runc-state');
  const script = `cd ${ws.bundle} && ${bin} --root ${root} run ${id}; echo "rc=$?"; grep " / / " /proc/self/mountinfo | grep -q shared: && echo "/ shared" || echo "/ not shared"; grep -c " ${rootfs}[ /]" /proc/self/mountinfo`;
  return spawnSync('unshare', ['-m', '--propagation', 'shared', 'sh', '-c', script], { encoding: 'utf8', timeout: 30_000 });
}

test('a container without its own mount namespace runs in both, hooks included, and leaves the same traces', { skip }, withWs('nomntns', (ws) => {
  const rootfs = ws.privateRootfs();
  const log = join(ws.dir, 'hooks');
  const hook = (name: string) => ({ path: '/bin/sh', args: ['sh', '-c', `echo ${name} >> ${log}`] });
  const outputs: Partial<Record<Runtime, string>> = {};
  for (const rt of ['runts', 'runc'] as const) {
    ws.writeSpec(ws.spec(['sh', '-c', 'cat /dev/shm/started; ls /; echo pid $$; touch /x && echo writable; rm -f /x'], (s) => {
      hostMnt(s);
      s.root = { path: rootfs, readonly: false };
      s.hooks = {
        prestart: [hook('prestart')],
        createRuntime: [hook('createRuntime')],
        createContainer: [hook('createContainer')],
        // runs inside the container, after the chroot: its own /bin/sh, its /dev/shm
        startContainer: [{ path: '/bin/sh', args: ['sh', '-c', 'echo startContainer > /dev/shm/started'] }],
        poststart: [hook('poststart')],
        poststop: [hook('poststop')],
      };
    }));
    const r = runIsolated(ws, rt, ws.id(), rootfs);
    assert.equal(r.status, 0, r.stderr);
    outputs[rt] = r.stdout;
    const hooks = readFileSync(log, 'utf8');
    assert.equal(hooks, 'prestart\ncreateRuntime\ncreateContainer\npoststart\npoststop\n', `${rt} hooks`);
    spawnSync('rm', ['-f', log]);
  }
  // What the process saw: the rootfs as "/" (chroot), pid 1 of its pid namespace.
  assert.match(outputs.runts!, /^startContainer\nbin\ndev\n(.*\n)*pid 1\nwritable\nrc=0\n/);
  // Both changed the throw-away namespace the same way: "/" made private (runc's rslave of
  // a mount without a master), the container's mounts left behind under the rootfs.
  const [a, b] = [outputs.runts!, outputs.runc!].map((o) => o.split('rc=0\n'));
  assert.equal(a![0], b![0], 'the process printed the same');
  const tail = (t: string) => t.trim().split('\n');
  assert.equal(tail(a![1]!)[0], '/ not shared');
  assert.equal(tail(b![1]!)[0], '/ not shared');
  assert.ok(Number(tail(a![1]!)[1]) > 5 && Number(tail(b![1]!)[1]) > 5, `mounts left: runts ${tail(a![1]!)[1]}, runc ${tail(b![1]!)[1]}`);
}));

test('without a mount namespace, masked or read-only paths are refused by both, nothing mounted', { skip }, withWs('nomntns-masks', (ws) => {
  const rootfs = ws.privateRootfs();
  ws.writeSpec(ws.spec(['true'], (s) => {
    s.linux!.namespaces = s.linux!.namespaces!.filter((n) => n.type !== 'mount');
    s.root = { path: rootfs, readonly: false };
  }));
  for (const rt of ['runts', 'runc'] as const) {
    const r = runIsolated(ws, rt, ws.id(), rootfs);
    assert.match(r.stdout, /^rc=1\n/, `${rt}: ${r.stdout} ${r.stderr}`);
    if (rt === 'runc') assert.match(r.stderr, /unable to restrict sys entries without a private MNT namespace/);
    else assert.match(r.stderr, /linux\.maskedPaths: masking or making paths read-only needs a mount namespace in linux\.namespaces/);
    assert.match(r.stdout, /\n0\n$/, `${rt} mounted nothing`);
  }
}));

/** A process holding a new user namespace (ids 0-65535 -> host 100000+) and a network namespace owned by it. */
async function userNetHolder(): Promise<{ pid: number; stop: () => Promise<void> }> {
  const child = spawn('unshare', ['--user', '--net', 'sleep', '120'], { stdio: 'ignore' });
  const pid = child.pid!;
  // The maps can be written once the child is in its namespace (its user ns differs from ours).
  await until(() => {
    try {
      return readlinkSync(`/proc/${pid}/ns/user`) !== readlinkSync('/proc/self/ns/user');
    } catch {
      return false;
    }
  }, 5000, 'the user namespace');
  writeFileSync(`/proc/${pid}/uid_map`, '0 100000 65536\n');
  writeFileSync(`/proc/${pid}/gid_map`, '0 100000 65536\n');
  return {
    pid,
    stop: async () => {
      child.kill('SIGKILL');
      await new Promise((res) => (child.exitCode !== null || child.signalCode !== null ? res(null) : child.once('exit', res)));
    },
  };
}

test('joining a user namespace and a network namespace it owns, with idmapped binds, works in both', { skip }, withWs('joinuser', async (ws) => {
  const holder = await userNetHolder();
  try {
    const src = join(ws.dir, 'src');
    mkdirSync(src);
    writeFileSync(join(src, 'f'), 'data\n'); // owned by host root: id 0 through the idmap
    chmodSync(ws.dir, 0o755);
    ws.writeSpec(ws.spec(['sh', '-c', 'id -u; cat /proc/self/uid_map; readlink /proc/self/ns/net; ls /sys/class/net; ls -ln /home/f /root/f | cut -c1-40; cat /home/f'], (s) => {
      s.linux!.namespaces = [
        ...s.linux!.namespaces!.filter((n) => n.type !== 'network' && n.type !== 'user'),
        { type: 'user', path: `/proc/${holder.pid}/ns/user` },
        { type: 'network', path: `/proc/${holder.pid}/ns/net` },
      ];
      s.mounts = [
        ...(s.mounts ?? []),
        // `idmap` without maps: the container's (joined) user namespace; and explicit maps
        { destination: '/home', type: 'bind', source: src, options: ['bind', 'idmap'] },
        { destination: '/root', type: 'bind', source: src, options: ['bind'], uidMappings: [{ containerID: 0, hostID: 100000, size: 65536 }], gidMappings: [{ containerID: 0, hostID: 100000, size: 65536 }] },
      ];
    }));
    const r = both(ws, (rt) => ['run', `${ws.id()}-${rt}`]);
    assert.equal(r.runc.status, 0, r.runc.stderr);
    assert.deepEqual({ status: r.runts.status, stdout: r.runts.stdout }, { status: r.runc.status, stdout: r.runc.stdout }, r.runts.stderr);
    const net = readlinkSync(`/proc/${holder.pid}/ns/net`);
    assert.match(r.runts.stdout, new RegExp(`^0\\n +0 +100000 +65536\\n${net.replace(/[[\]]/g, '\\$&')}\\nlo\\n-rw-r--r-- +1 0 +0 .*\\n-rw-r--r-- +1 0 +0 .*\\ndata\\n$`));
  } finally {
    await holder.stop();
  }
}));
