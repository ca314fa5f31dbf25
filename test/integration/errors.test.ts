/**
 * Bad input and failing creates: one clear error naming the field or argument, exit
 * status 1, and nothing left behind (state dir, cgroup, mount, process).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SKIP_NOT_ROOT, mountsUnder, workspace, type Workspace } from './helpers.js';

describe('errors leave nothing behind', { skip: SKIP_NOT_ROOT }, () => {
  let ws: Workspace;
  before(() => {
    ws = workspace('err');
  });
  after(() => ws.cleanup());

  function nothingLeft(id: string) {
    assert.ok(!existsSync(join(ws.root, id)), `state dir of ${id} left`);
    assert.deepEqual(mountsUnder(ws.dir), []);
    for (const ctrl of ['memory', 'pids', 'freezer']) {
      const dir = `/sys/fs/cgroup/${ctrl}`;
      if (existsSync(dir)) assert.ok(!readdirSync(dir).includes(id), `${ctrl} cgroup ${id} left`);
    }
  }

  it('lists every config problem with its JSON path', () => {
    const id = ws.id();
    const s = ws.spec(['sh']) as unknown as Record<string, any>;
    s.process.args = ['sh', 5];
    s.process.cwd = 'relative';
    s.process.rlimits = [{ type: 'RLIMIT_BOGUS', soft: 1, hard: 1 }];
    s.linux.namespaces.push({ type: 'bogus' });
    writeFileSync(join(ws.bundle, 'config.json'), JSON.stringify(s));
    const r = ws.runts(['create', id]);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /process\.args\[1\]/);
    assert.match(r.stderr, /process\.cwd/);
    assert.match(r.stderr, /process\.rlimits\[0\]/);
    assert.match(r.stderr, /linux\.namespaces\[\d+\]/);
    nothingLeft(id);
  });

  it('reports malformed JSON with the file name', () => {
    const id = ws.id();
    writeFileSync(join(ws.bundle, 'config.json'), '{"ociVersion": ');
    const r = ws.runts(['create', id]);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /config\.json/);
    nothingLeft(id);
  });

  it('a missing rootfs names root.path', () => {
    const id = ws.id();
    ws.writeSpec(ws.spec(['sh'], (s) => (s.root = { path: '/nonexistent/rootfs' })));
    const r = ws.runts(['create', id]);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /root\.path/);
    nothingLeft(id);
  });

  it('a missing binary fails at create, naming it', () => {
    const id = ws.id();
    ws.writeSpec(ws.spec(['/no/such/binary']));
    const r = ws.runts(['create', id]);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /\/no\/such\/binary/);
    assert.match(r.stderr, /no such file or directory/);
    nothingLeft(id);
  });

  it('a cwd that cannot be made fails at create (a missing one is created, as runc: compat-process.test.ts)', () => {
    const id = ws.id();
    ws.writeSpec(ws.spec(['sh'], (s) => (s.process!.cwd = '/bin/busybox/not-a-dir')));
    const r = ws.runts(['create', id]);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /\/bin\/busybox\/not-a-dir/);
    nothingLeft(id);
  });

  it('a mount that fails in the shim comes back as one line naming the mount', () => {
    const id = ws.id();
    ws.writeSpec(ws.spec(['sh'], (s) => s.mounts!.push({ destination: '/mnt', type: 'bogusfs', source: 'none' })));
    const r = ws.runts(['create', id]);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /mount.*\/mnt.*: no such device/);
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    nothingLeft(id);
  });

  it('writes a JSON error line to --log with --log-format json', () => {
    const id = ws.id();
    const log = join(ws.dir, 'log.json');
    const r = ws.runts(['--log', log, '--log-format', 'json', 'state', id]);
    assert.equal(r.status, 1);
    const last = JSON.parse(readFileSync(log, 'utf8').trim().split('\n').pop()!);
    assert.equal(last.level, 'error');
    assert.match(last.msg, /does not exist/);
    assert.ok(last.time);
  });

  it('rejects bad ids', () => {
    ws.writeSpec(ws.spec(['sh']));
    for (const bad of ['../x', 'a/b', '..', 'x'.repeat(1025), '.hidden']) {
      const r = ws.runts(['create', bad]);
      assert.equal(r.status, 1, bad);
      assert.match(r.stderr, /container id/, bad);
    }
    assert.deepEqual(existsSync(ws.root) ? readdirSync(ws.root) : [], []);
  });

  it('rejects unknown flags and commands with a usage message', () => {
    const f = ws.runts(['create', '--bogus', 'x']);
    assert.equal(f.status, 1);
    assert.match(f.stderr, /unknown flag --bogus/);
    const c = ws.runts(['frobnicate']);
    assert.equal(c.status, 1);
    assert.match(c.stderr, /unknown command/);
  });

  it('prints the version as runc does', () => {
    const r = ws.runts(['--version']);
    assert.equal(r.status, 0);
    assert.match(r.stdout, /^runts version \d+\.\d+\.\d+\nspec: 1\.\d+\.\d+/);
  });
});
