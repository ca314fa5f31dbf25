/**
 * User namespaces and rootless containers. As root: a uid-mapped container sees root
 * while the host sees the mapped ids. Rootless: a real unprivileged user (made with
 * useradd for the test, removed after; its /etc/subuid range comes with it) runs the CLI
 * through setpriv: `spec --rootless` runs as printed, state goes under XDG_RUNTIME_DIR,
 * several ranges are written by newuidmap/newgidmap, and bad maps fail clearly.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chownSync, chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, readlinkSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Spec } from '../../src/spec/types.js';
import { RUNTS, SKIP_NOT_ROOT, until, workspace, type Workspace } from './helpers.js';

const HAS_HELPERS = existsSync('/usr/bin/newuidmap') && existsSync('/usr/bin/newgidmap');

describe('user namespaces and rootless', { skip: SKIP_NOT_ROOT }, () => {
  let ws: Workspace;
  let user = '';
  let uid = 0;
  let sub = 0; // first subordinate id of the user
  let home = '';
  before(() => {
    ws = workspace('rootless');
    chmodSync(ws.dir, 0o755);
    user = `runts-rl-${process.pid}`;
    home = join(ws.dir, 'home');
    mkdirSync(home);
    const r = spawnSync('useradd', ['-M', '-d', home, '-s', '/usr/sbin/nologin', user], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    uid = Number(spawnSync('id', ['-u', user], { encoding: 'utf8' }).stdout);
    const line = readFileSync('/etc/subuid', 'utf8').split('\n').find((l) => l.startsWith(`${user}:`));
    sub = line ? Number(line.split(':')[1]) : 0;
    chownSync(home, uid, uid);
  });
  after(() => {
    // containers of the user live in its own state root
    const root = join(home, 'xdg', 'runts');
    if (existsSync(root)) for (const id of readdirSync(root).filter((d) => !d.startsWith('.'))) asUser(['delete', '--force', id]);
    spawnSync('userdel', [user]);
    ws.cleanup();
  });

  /** The CLI as the test user, with its own XDG_RUNTIME_DIR and no --root. */
  function asUser(args: string[], cwd = home) {
    mkdirSync(join(home, 'xdg'), { recursive: true, mode: 0o700 });
    chownSync(join(home, 'xdg'), uid, uid);
    return spawnSync('setpriv', [`--reuid=${uid}`, `--regid=${uid}`, '--clear-groups', 'env', '-i', 'PATH=/usr/bin:/bin',
      `XDG_RUNTIME_DIR=${join(home, 'xdg')}`, `HOME=${home}`, RUNTS, ...args], { cwd, encoding: 'utf8', timeout: 30_000 });
  }

  /** A bundle owned by the user, from `runts spec --rootless` run as the user, then edited. */
  function userBundle(name: string, edit: (s: Spec) => void): string {
    const bundle = join(home, name);
    mkdirSync(bundle);
    chownSync(bundle, uid, uid);
    const r = asUser(['spec', '--rootless'], bundle);
    assert.equal(r.status, 0, r.stderr);
    const s = JSON.parse(readFileSync(join(bundle, 'config.json'), 'utf8')) as Spec;
    s.root = { path: ws.spec([]).root!.path, readonly: true };
    s.process!.terminal = false;
    edit(s);
    writeFileSync(join(bundle, 'config.json'), JSON.stringify(s));
    return bundle;
  }

  it('as root, a uid-mapped container sees root while the host sees the mapped ids', () => {
    const data = join(ws.dir, 'data-root');
    mkdirSync(data);
    chownSync(data, 200000, 200000);
    const id = ws.id();
    ws.writeSpec(ws.spec(['sh', '-c', 'echo x > /tmp/f; chown 7:8 /tmp/f; sleep 2'], (s) => {
      s.linux!.namespaces!.push({ type: 'user' });
      s.linux!.uidMappings = [{ containerID: 0, hostID: 200000, size: 1000 }, { containerID: 1000, hostID: 300000, size: 10 }];
      s.linux!.gidMappings = [{ containerID: 0, hostID: 200000, size: 1000 }];
      s.process!.capabilities!.bounding!.push('CAP_CHOWN');
      s.process!.capabilities!.effective!.push('CAP_CHOWN');
      s.process!.capabilities!.permitted!.push('CAP_CHOWN');
      s.mounts!.push({ destination: '/tmp', type: 'bind', source: data, options: ['rbind', 'rw'] });
    }));
    const r = ws.runts(['run', '-d', id]);
    assert.equal(r.status, 0, r.stderr);
    const pid = JSON.parse(ws.runts(['state', id]).stdout).pid as number;
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    assert.match(status, /^Uid:\s+200000\s+200000\s+200000\s+200000$/m);
    assert.match(status, /^Gid:\s+200000\s+200000\s+200000\s+200000$/m);
    // the file made by "root" (then chowned to 7:8) belongs to the mapped ids on the host
    return until(() => existsSync(join(data, 'f')) && statSync(join(data, 'f')).uid === 200007, 5000, 'the chowned file').then(() => {
      assert.equal(statSync(join(data, 'f')).gid, 200008);
      ws.runts(['delete', '--force', id]);
    });
  });

  it('rootless: `spec --rootless` runs as printed, as an unprivileged user, state under XDG_RUNTIME_DIR', () => {
    const bundle = userBundle('simple', (s) => {
      s.process!.args = ['sh', '-c', 'id -u; cat /proc/self/uid_map; grep ^CapEff /proc/self/status'];
    });
    const r = asUser(['run', 'rl-simple'], bundle);
    assert.equal(r.status, 0, r.stderr);
    const [inUid, map] = r.stdout.split('\n');
    assert.equal(inUid, '0');
    assert.deepEqual(map!.trim().split(/\s+/), ['0', String(uid), '1']);
    assert.ok(existsSync(join(home, 'xdg', 'runts')), 'state root under XDG_RUNTIME_DIR');
    const created = asUser(['create', 'rl-listed'], bundle);
    assert.equal(created.status, 0, created.stderr);
    // CVE-2019-5736 without privileges: overlayfs is refused (no CAP_SYS_ADMIN for fsopen),
    // so the parked shim runs from the sealed memfd copy (native/cloned.c), which nobody,
    // root included, can write.
    const pid = JSON.parse(asUser(['state', 'rl-listed']).stdout).pid as number;
    assert.match(readlinkSync(`/proc/${pid}/exe`), /^\/memfd:runts-init/);
    assert.throws(() => writeFileSync(`/proc/${pid}/exe`, 'pwned', { flag: 'r+' }), /EPERM|ETXTBSY/); // written to, or opened while it runs
    assert.match(asUser(['list', '-q']).stdout, /^rl-listed$/m);
    assert.equal(statSync(join(home, 'xdg', 'runts', 'rl-listed')).uid, uid);
    assert.equal(asUser(['delete', '--force', 'rl-listed']).status, 0);
  });

  it('rootless: several ranges go through newuidmap/newgidmap; files are owned as mapped on the host', { skip: HAS_HELPERS ? false : 'newuidmap/newgidmap missing (apt-get install uidmap)' }, (t) => {
    if (!sub) {
      t.skip(`useradd gave ${user} no /etc/subuid range (SUB_UID_COUNT=0 in login.defs?)`);
      return;
    }
    const data = join(home, 'data');
    mkdirSync(data);
    chownSync(data, uid, uid);
    const bundle = userBundle('ranges', (s) => {
      s.linux!.uidMappings = [{ containerID: 0, hostID: uid, size: 1 }, { containerID: 1, hostID: sub, size: 65536 }];
      s.linux!.gidMappings = [{ containerID: 0, hostID: uid, size: 1 }, { containerID: 1, hostID: sub, size: 65536 }];
      s.process!.capabilities = { bounding: ['CAP_CHOWN'], effective: ['CAP_CHOWN'], permitted: ['CAP_CHOWN'] };
      s.mounts!.push({ destination: '/tmp', type: 'bind', source: data, options: ['rbind', 'rw'] });
      s.process!.args = ['sh', '-c', 'cat /proc/self/uid_map /proc/self/gid_map; echo x > /tmp/f; chown 1000:1000 /tmp/f'];
    });
    const r = asUser(['run', 'rl-ranges'], bundle);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout.trim().split('\n').length, 4, r.stdout);
    assert.equal(statSync(join(data, 'f')).uid, sub + 999);
    assert.equal(statSync(join(data, 'f')).gid, sub + 999);
  });

  it('rootless: maps outside the subordinate range fail clearly and leave nothing', { skip: HAS_HELPERS ? false : 'newuidmap missing' }, () => {
    const bundle = userBundle('bad', (s) => {
      s.linux!.uidMappings = [{ containerID: 0, hostID: uid, size: 1 }, { containerID: 1, hostID: 1, size: 10 }];
      s.process!.args = ['true'];
    });
    const r = asUser(['run', 'rl-bad'], bundle);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /linux\.uidMappings: newuidmap failed: .*check \/etc\/subuid/);
    assert.equal(asUser(['list', '-q']).stdout, '');
  });

  it('rootless: a config without a user namespace names linux.namespaces', () => {
    const bundle = userBundle('nouserns', (s) => {
      s.linux!.namespaces = s.linux!.namespaces!.filter((n) => n.type !== 'user');
      delete s.linux!.uidMappings;
      delete s.linux!.gidMappings;
      s.process!.args = ['true'];
    });
    const r = asUser(['run', 'rl-nouserns'], bundle);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /linux\.namespaces.*rootless container needs a user namespace/);
  });

  it('the state root defaults to $XDG_RUNTIME_DIR/runts only when not root', () => {
    const r = spawnSync(RUNTS, ['list'], { env: { ...process.env, XDG_RUNTIME_DIR: join(ws.dir, 'nope') }, encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    assert.ok(!existsSync(join(ws.dir, 'nope')), 'root uses /run/runts');
  });
});
