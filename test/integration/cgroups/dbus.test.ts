/**
 * The D-Bus client against a real bus: a private dbus-daemon (the reference
 * implementation) on a socket of its own. Hello, method replies, error replies, signals
 * (NameAcquired after RequestName), the features probe on a bus without systemd.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DBus, DBusError } from '../../../src/cgroups/systemd/dbus.js';
import { systemdAvailable } from '../../../src/cgroups/systemd/probe.js';

const hasDaemon = spawnSync('sh', ['-c', 'command -v dbus-daemon'], { encoding: 'utf8' }).status === 0;
const skip = hasDaemon ? false : 'dbus-daemon is missing (apt-get install dbus-daemon)';
const DBUS = ['org.freedesktop.DBus', '/org/freedesktop/DBus', 'org.freedesktop.DBus'] as const;

test('D-Bus client against a private dbus-daemon', { skip, timeout: 60_000 }, (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'runts-dbus-'));
  const address = `unix:path=${join(dir, 'bus')}`;
  const r = spawnSync('dbus-daemon', ['--session', `--address=${address}`, '--fork', '--print-pid'], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const daemon = Number(r.stdout.trim());
  try {
    const t0 = performance.now();
    const b = DBus.connect(address);
    t.diagnostic(`connect + auth + Hello: ${(performance.now() - t0).toFixed(1)} ms`);
    try {
      assert.match(b.uniqueName, /^:\d+\.\d+$/);
      const t1 = performance.now();
      const n = 50;
      for (let i = 0; i < n; i++) assert.deepEqual(b.call(...DBUS, 'NameHasOwner', 's', ['org.freedesktop.systemd1']), [false]);
      t.diagnostic(`method call round trip: ${(((performance.now() - t1) / n) * 1000).toFixed(0)} us`);
      assert.deepEqual(b.call(...DBUS, 'GetNameOwner', 's', [b.uniqueName]), [b.uniqueName]);
      assert.throws(() => b.call(...DBUS, 'GetNameOwner', 's', ['org.example.Nobody']), (e: unknown) => e instanceof DBusError && e.name === 'org.freedesktop.DBus.Error.NameHasNoOwner');
      // A signal: the bus tells us we own a name we asked for.
      assert.deepEqual(b.call(...DBUS, 'RequestName', 'su', ['org.example.Runts', 0]), [1]);
      const sig = b.waitSignal((m) => m.member === 'NameAcquired' && m.body[0] === 'org.example.Runts');
      assert.equal(sig.iface, 'org.freedesktop.DBus');
    } finally {
      b.close();
    }
    assert.equal(systemdAvailable(address), false, 'a bus without systemd on it (or a host that is not cgroup v2)');
    assert.equal(systemdAvailable(`unix:path=${join(dir, 'nothing')}`), false, 'no bus');
  } finally {
    if (daemon > 0) process.kill(daemon, 'SIGTERM');
    rmSync(dir, { recursive: true, force: true });
  }
});
