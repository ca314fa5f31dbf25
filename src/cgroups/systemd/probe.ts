/**
 * Whether the systemd driver works here, for `features`: a cgroup v2 host, or a v1/hybrid
 * one with systemd's name=systemd hierarchy, whose system bus is reachable and has
 * systemd's name on it. No socket file: false at once.
 */
import * as fs from '../../sys/fs.js';
import { detectLayout } from '../manager.js';
import { DBus, busSocketPath, systemBusAddress } from './dbus.js';

export function systemdAvailable(address = systemBusAddress()): boolean {
  try {
    // v1/hybrid (systemd/legacy.ts): systemd as init mounts its name=systemd hierarchy.
    if (detectLayout() !== 'v2' && !fs.exists('/sys/fs/cgroup/systemd/cgroup.procs')) return false;
    if (!fs.exists(busSocketPath(address))) return false;
    const b = DBus.connect(address, 2000);
    try {
      return b.call('org.freedesktop.DBus', '/org/freedesktop/DBus', 'org.freedesktop.DBus', 'NameHasOwner', 's', ['org.freedesktop.systemd1'])[0] === true;
    } finally {
      b.close();
    }
  } catch {
    return false;
  }
}
