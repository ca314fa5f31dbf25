/**
 * SASL EXTERNAL as rootless callers do it, against a private dbus-daemon (the reference
 * implementation): as an ordinary user (the euid as identity), and as uid 0 of a user
 * namespace (no identity: the daemon takes the uid SO_PEERCRED gives it). The bus says
 * whom it took us for (GetConnectionUnixUser of our own name).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { SKIP_NOT_ROOT } from './helpers.js';

const has = (cmd: string) => spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;
const skip = SKIP_NOT_ROOT || (!has('dbus-daemon') ? 'dbus-daemon is missing (apt-get install dbus-daemon)' : !has('unshare') || !has('setpriv') ? 'unshare/setpriv (util-linux) missing' : false);
const dbusModule = resolve(import.meta.dirname, '../../../src/cgroups/systemd/dbus.js');

// Connect, and print the uid the bus took us for and what /proc/self/uid_map says.
const probe = `
const { DBus } = await import(${JSON.stringify(dbusModule)});
const { readFileSync } = await import('node:fs');
const b = DBus.connect(process.argv[2]);
const [uid] = b.call('org.freedesktop.DBus', '/org/freedesktop/DBus', 'org.freedesktop.DBus', 'GetConnectionUnixUser', 's', [b.uniqueName]);
b.close();
console.log(JSON.stringify({ uid, euid: process.geteuid(), map: readFileSync('/proc/self/uid_map', 'utf8').trim().split(/\\s+/).map(Number) }));
`;

test('SASL EXTERNAL from a user and from uid 0 of a user namespace', { skip, timeout: 60_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'runts-dbus-user-'));
  chmodSync(dir, 0o777);
  const address = `unix:path=${join(dir, 'bus')}`;
  // A session bus admits its own user only: the daemon runs as nobody, as its clients.
  const r = spawnSync('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', 'dbus-daemon', '--session', `--address=${address}`, '--fork', '--print-pid'], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const daemon = Number(r.stdout.trim());
  // A file, not -e: a worker thread (the socket's, on Node) would inherit --input-type=module.
  writeFileSync(join(dir, 'probe.mjs'), probe);
  const run = (wrap: string[]) => {
    const p = spawnSync(wrap[0]!, [...wrap.slice(1), process.execPath, join(dir, 'probe.mjs'), address], { encoding: 'utf8', env: { ...process.env, NODE_EXTRA_CA_CERTS: '' }, timeout: 30_000 });
    assert.equal(p.status, 0, `${wrap.join(' ')}: ${p.stderr}`);
    return JSON.parse(p.stdout) as { uid: number; euid: number; map: number[] };
  };
  try {
    // An ordinary user (nobody): claims its euid, the bus agrees.
    const user = run(['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups']);
    assert.deepEqual([user.euid, user.uid], [65534, 65534]);
    // uid 0 of a user namespace whose 0 is nobody outside: claiming 0 would be refused;
    // without an identity the bus takes 65534.
    const inNs = run(['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups', 'unshare', '--user', '--map-root-user']);
    assert.deepEqual([inNs.euid, inNs.map], [0, [0, 65534, 1]]);
    assert.equal(inNs.uid, 65534);
  } finally {
    if (daemon > 0) process.kill(daemon, 'SIGTERM');
    rmSync(dir, { recursive: true, force: true });
  }
});
