/**
 * Containers in a pure cgroup v2 view of this machine (a private mount namespace with
 * cgroup2 on /sys/fs/cgroup, as v2-view.test does for the manager). On cgroup v2 the init
 * and every exec'd process are born in the container's cgroup (clone3 with
 * CLONE_INTO_CGROUP): no task is migrated, and the shim that clones them (the monitor of
 * a foreground run) stays outside, so the container's cgroup holds only its processes.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { detectLayout } from '../../../src/cgroups/manager.js';
import { RUNTS, SKIP_NOT_ROOT, workspace } from '../helpers.js';

const skip = SKIP_NOT_ROOT || (detectLayout() === 'v2' ? 'the host is pure cgroup v2 already (every container test covers it)' : false);
const ws = workspace('v2ctr');
after(() => ws.cleanup());

/** Run a shell script in a fresh pure-v2 view; the script sees $R (runts --root ...). */
function inV2View(script: string): { code: number | null; out: string; err: string } {
  const r = spawnSync('unshare', ['-m', 'sh', '-ec', `mount --make-rprivate / && umount -l /sys/fs/cgroup && mount -t cgroup2 none /sys/fs/cgroup\n${script}`], {
    cwd: ws.bundle,
    encoding: 'utf8',
    timeout: 60_000,
    env: { ...process.env, R: `${RUNTS} --root ${ws.root}`, NODE_EXTRA_CA_CERTS: '' },
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

test('v2: init, exec and a foreground run are born in the container cgroup, the monitor is not', { skip }, () => {
  ws.writeSpec(ws.spec(['sleep', '1000']));
  const [a, b] = [ws.id(), ws.id()];
  const r = inV2View(`
$R run -d ${a}
echo "procs=$(cat /sys/fs/cgroup/${a}/cgroup.procs | tr '\\n' ' ')"
echo "pid=$($R state ${a} | sed -n 's/.*"pid": \\([0-9]*\\).*/\\1/p')"
echo "exec=$($R exec ${a} cat /proc/self/cgroup | grep "^0::")"
$R run ${b} >/dev/null 2>&1 &
for i in $(seq 50); do [ -s /sys/fs/cgroup/${b}/cgroup.procs ] && break; sleep 0.1; done
echo "fg=$(wc -l < /sys/fs/cgroup/${b}/cgroup.procs)"
$R delete -f ${a}
$R delete -f ${b}
wait
[ ! -e /sys/fs/cgroup/${a} ] && [ ! -e /sys/fs/cgroup/${b} ] && echo gone
`);
  assert.equal(r.code, 0, `${r.out}\n${r.err}`);
  const line = (k: string) => new RegExp(`^${k}=(.*)$`, 'm').exec(r.out)?.[1]?.trim();
  assert.equal(line('procs'), line('pid'), `the detached container's cgroup holds exactly its init\n${r.out}`);
  assert.equal(line('exec'), `0::/${a}`, 'the exec process is in the container cgroup (seen from inside)');
  assert.equal(line('fg'), '1', `a foreground run's cgroup holds the init only, not the runts monitor\n${r.out}`);
  assert.match(r.out, /^gone$/m);
});

test('v2: the device filter is in place from the start (attached by the shim, no helper process)', { skip }, () => {
  ws.writeSpec(ws.spec(['sh', '-c', 'head -c0 /dev/zero && echo zero-ok; mknod /mnt/sda b 8 0 && echo mknod-ok; head -c1 /mnt/sda 2>&1 | head -1'], (s) => {
    for (const set of ['bounding', 'effective', 'permitted'] as const) s.process!.capabilities![set] = [...(s.process!.capabilities![set] ?? []), 'CAP_MKNOD'];
    s.mounts = [...(s.mounts ?? []), { destination: '/mnt', type: 'tmpfs', source: 'tmpfs', options: ['rw'] }];
  }));
  const id = ws.id();
  const r = inV2View(`$R run ${id}\nls /sys/fs/cgroup | grep -c '^${id}$' || true`);
  assert.equal(r.code, 0, `${r.out}\n${r.err}`);
  // /dev/zero is allowed; creating a block node is (runc's default `b *:* m`), using it is not.
  assert.match(r.out, /^zero-ok\nmknod-ok\n.*\/mnt\/sda: Operation not permitted\n0\n$/);
});
