/**
 * Whether the systemd driver works here, for `features`: a cgroup v2 host, or a v1/hybrid
 * one with systemd's name=systemd hierarchy, whose system bus is reachable and has
 * systemd's name on it; systemdUserAvailable: the user's bus, cgroup v2 only. No socket
 * file: false at once.
 */
import * as fs from '../../sys/fs.js';
import { detectLayout } from '../manager.js';
import { DBus, busSocketPath, systemBusAddress, userBusAddress } from './dbus.js';

export function systemdAvailable(address = systemBusAddress()): boolean {
  try {
    // v1/hybrid (systemd/legacy.ts): systemd as init mounts its name=systemd hierarchy.
    if (detectLayout() !== 'v2' && !fs.exists('/sys/fs/cgroup/systemd/cgroup.procs')) return false;
    if (!fs.exists(busSocketPath(address))) return false;
    // The usual deadline (10 s, RUNTS_DBUS_TIMEOUT_MS): a socket-activated dbus-daemon may
    // be starting on this very call (seconds in an emulated guest), and a shorter wait made
    // `features` say false on a host where the driver works.
    const b = DBus.connect(address);
    try {
      return b.call('org.freedesktop.DBus', '/org/freedesktop/DBus', 'org.freedesktop.DBus', 'NameHasOwner', 's', ['org.freedesktop.systemd1'])[0] === true;
    } finally {
      b.close();
    }
  } catch {
    return false;
  }
}

/** The user's systemd instance answers on the user's bus (rootless `--systemd-cgroup`). */
export function systemdUserAvailable(): boolean {
  let address;
  try {
    address = userBusAddress();
  } catch {
    return false; // no user bus known
  }
  return detectLayout() === 'v2' && systemdAvailable(address);
}
