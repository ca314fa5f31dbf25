/**
 * restore --manage-cgroups-mode strict (issue 17), the same bundle and checkpoint flow
 * through runts and the reference runc (both driving CRIU 4): in strict mode CRIU restores
 * the container's cgroups itself and aborts when they exist, so runts leaves them to it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, rmdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { SKIP_NOT_ROOT, until, type Workspace } from './helpers.js';
import { pairIds, runc, SKIP_NO_RUNC, type Runtime, withWs } from './runc-side.js';
import { COUNTER, usableCriu } from './criu-helpers.js';
import { detectLayout } from '../../src/cgroups/manager.js';

const CRIU = usableCriu();
const layout = detectLayout();
const skip = SKIP_NOT_ROOT || SKIP_NO_RUNC || CRIU.skip || (layout === 'v2' ? 'the checks read cgroup v1 files' : false);
// runc finds criu on PATH.
if (CRIU.path) process.env['PATH'] = `${dirname(CRIU.path)}:${process.env['PATH'] ?? ''}`;


const cli = (ws: Workspace, rt: Runtime, args: string[]) => (rt === 'runts' ? ws.runts(['--criu', CRIU.path!, ...args], { timeout: 60_000 }) : runc(ws, args, { timeout: 60_000, devNull: args[0] === 'restore' }));
const pidOf = (ws: Workspace, rt: Runtime, id: string) => (JSON.parse(cli(ws, rt, ['state', id]).stdout) as { pid: number }).pid;
const count = (ws: Workspace, rt: Runtime, id: string) => {
  try {
    return Number(readFileSync(`/proc/${pidOf(ws, rt, id)}/root/tmp/count`, 'utf8'));
  } catch {
    return 0;
  }
};
const read = (p: string) => readFileSync(p, 'utf8').trim();

function bundle(ws: Workspace): void {
  ws.writeSpec(ws.spec(['sh', '-c', COUNTER], (s) => {
    s.mounts!.push({ destination: '/tmp', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'nodev'] });
    s.linux!.resources = { ...s.linux!.resources, pids: { limit: 77 } };
  }));
}

test('restore --manage-cgroups-mode strict: runts restores (CRIU makes the cgroups, limits and device rules kept); runc 1.3 aborts', { skip }, withWs('strict', async (ws) => {
  bundle(ws);
  const ids = pairIds(ws);
  const up = { runts: ws.runts(['run', '-d', ids.runts]), runc: runc(ws, ['run', '-d', ids.runc], { devNull: true }) };
  assert.deepEqual([up.runts.status, up.runc.status], [0, 0], up.runts.stderr + up.runc.stderr);
  const devices: Partial<Record<Runtime, string>> = {};
  for (const rt of ['runts', 'runc'] as const) {
    await until(() => count(ws, rt, ids[rt]) >= 3, 5000, `${rt}: counter`);
    devices[rt] = read(`/sys/fs/cgroup/devices/${ids[rt]}/devices.list`);
    const ck = cli(ws, rt, ['checkpoint', '--image-path', join(ws.dir, `${rt}.img`), ids[rt]]);
    assert.equal(ck.status, 0, `${rt} checkpoint: ${ck.stderr}`);
  }
  const rsArgs = (rt: Runtime) => ['restore', '-d', '--image-path', join(ws.dir, `${rt}.img`), '--manage-cgroups-mode', 'strict', ids[rt]];
  const rs = { runts: cli(ws, 'runts', rsArgs('runts')), runc: runc(ws, rsArgs('runc'), { devNull: true, timeout: 60_000 }) };
  // runc creates the cgroups before CRIU runs, and CRIU refuses them in strict mode.
  assert.equal(rs.runc.status, 1);
  assert.match(rs.runc.stderr, /Abort restore of existing cgroups/);
  assert.equal(rs.runts.status, 0, rs.runts.stderr);
  const id = ids.runts;
  assert.equal(JSON.parse(cli(ws, 'runts', ['state', id]).stdout).status, 'running');
  const c0 = count(ws, 'runts', id);
  await until(() => count(ws, 'runts', id) > c0 + 3, 5000, 'the restored counter to go on');
  // In its own cgroups, with the limits and the device rules it had.
  const pid = pidOf(ws, 'runts', id);
  assert.match(read(`/proc/${pid}/cgroup`), new RegExp(`^\\d+:pids:/${id}$`, 'm'));
  assert.equal(read(`/sys/fs/cgroup/pids/${id}/pids.max`), '77');
  assert.equal(read(`/sys/fs/cgroup/devices/${id}/devices.list`), devices.runts);
  const ex = ws.runts(['exec', id, 'cat', '/sys/fs/cgroup/pids/pids.max']);
  assert.equal(ex.stdout, '77\n', ex.stderr);
  assert.equal(ws.runts(['delete', '--force', id]).status, 0);
  assert.equal(existsSync(`/sys/fs/cgroup/pids/${id}`), false, 'delete removed what CRIU made');
}));

test('restore strict over a cgroup that already exists is refused early, naming it', { skip }, withWs('strict-exists', async (ws) => {
  bundle(ws);
  const id = ws.id();
  assert.equal(ws.runts(['run', '-d', id]).status, 0);
  await until(() => count(ws, 'runts', id) >= 3, 5000, 'counter');
  assert.equal(cli(ws, 'runts', ['checkpoint', '--image-path', join(ws.dir, 'img'), id]).status, 0);
  const restore = () => cli(ws, 'runts', ['restore', '-d', '--image-path', join(ws.dir, 'img'), '--manage-cgroups-mode', 'strict', id]);
  const taken = `/sys/fs/cgroup/pids/${id}`;
  mkdirSync(taken); // left by someone
  try {
    const r = restore();
    assert.equal(r.status, 1);
    assert.equal(r.stderr, `runts: restore --manage-cgroups-mode strict: cgroup ${taken} already exists (in strict mode CRIU creates the container's cgroups itself)\n`);
    assert.ok(existsSync(taken), 'left as it was');
    assert.match(cli(ws, 'runts', ['state', id]).stderr, /does not exist/);
  } finally {
    rmdirSync(taken);
  }
  const r = restore();
  assert.equal(r.status, 0, r.stderr);
  assert.equal(JSON.parse(cli(ws, 'runts', ['state', id]).stdout).status, 'running');
}));

test('restore strict of a dump made with --manage-cgroups-mode ignore (no cgroups in the images) works in both', { skip }, withWs('strict-ignore', async (ws) => {
  bundle(ws);
  const ids = pairIds(ws);
  assert.equal(ws.runts(['run', '-d', ids.runts]).status, 0);
  assert.equal(runc(ws, ['run', '-d', ids.runc], { devNull: true }).status, 0);
  for (const rt of ['runts', 'runc'] as const) {
    await until(() => count(ws, rt, ids[rt]) >= 3, 5000, `${rt}: counter`);
    const ck = cli(ws, rt, ['checkpoint', '--manage-cgroups-mode', 'ignore', '--image-path', join(ws.dir, `${rt}.img`), ids[rt]]);
    assert.equal(ck.status, 0, `${rt} checkpoint: ${ck.stderr}`);
  }
  for (const rt of ['runts', 'runc'] as const) {
    const r = cli(ws, rt, ['restore', '-d', '--image-path', join(ws.dir, `${rt}.img`), '--manage-cgroups-mode', 'strict', ids[rt]]);
    assert.equal(r.status, 0, `${rt}: ${r.stderr}`);
    assert.equal(JSON.parse(cli(ws, rt, ['state', ids[rt]]).stdout).status, 'running', rt);
    assert.equal(read(`/sys/fs/cgroup/pids/${ids[rt]}/pids.max`), '77', rt);
  }
}));
