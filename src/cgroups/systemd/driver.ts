/**
 * The systemd cgroup driver, registered with the manager seam (../manager.ts) when this
 * module is imported. Kept out of manager.ts so that only who needs the driver loads its
 * code (D-Bus wire, unit properties, the managers): the library's entry (index.ts)
 * imports this module statically; the CLI (cli/main.ts) imports it only for
 * `--systemd-cgroup` or a container whose state.json records the systemd driver.
 */
import { RuntsError } from '../../errors.js';
import { badCgroupsPath, registerSystemdDriver, type CgroupConfig, type CgroupLayout, type CgroupManager, type SystemdDriver } from '../manager.js';
import { hostView } from '../paths.js';
import { userBusAddress } from './dbus.js';
import { legacyPaths, pid1Cgroups, SystemdV1Manager } from './legacy.js';
import { SystemdManager } from './manager.js';
import { systemdUnit, type SystemdUnit } from './unit.js';

/** newCgroupManager with cfg.systemd: systemd makes the cgroup as a transient unit. */
function newManager(cfg: CgroupConfig, root: string, layout: CgroupLayout): CgroupManager {
  let unit;
  try {
    unit = systemdUnit(cfg.cgroupsPath, cfg.id, cfg.systemdUserBus !== undefined);
  } catch (e) {
    throw badCgroupsPath(e);
  }
  if (cfg.systemdUserBus !== undefined) {
    // runc: "cannot use rootless systemd cgroups manager on cgroup v1"
    if (layout !== 'v2') throw new RuntsError('EUNSUPPORTED', `--systemd-cgroup: rootless, the systemd driver needs a cgroup v2 host (this one is ${layout}: systemd delegates nothing to a user's instance there)`);
    return SystemdManager.forUserUnit(unit, root, { ...cfg, id: cfg.id }, cfg.systemdUserBus);
  }
  if (layout !== 'v2') return legacySystemdManager(unit, root, layout, cfg);
  return SystemdManager.forUnit(unit, root, { ...cfg, id: cfg.id });
}

/** The systemd driver on a v1 or hybrid host: the unit's directory in every hierarchy (legacy.ts). */
function legacySystemdManager(unit: SystemdUnit, root: string, layout: 'v1' | 'hybrid', cfg: CgroupConfig): CgroupManager {
  const view = hostView(root, layout);
  const paths = legacyPaths(view.v1, view.unified, pid1Cgroups(), unit.path);
  if (!paths['name=systemd']) throw new RuntsError('EUNSUPPORTED', `--systemd-cgroup: no name=systemd hierarchy under ${root} (is systemd the init?)`);
  const tops: Record<string, string> = {};
  for (const m of view.v1) for (const c of m.controllers) if (paths[c]) tops[paths[c]!] = m.mountpoint;
  if (view.unified && paths['']) tops[paths['']] = view.unified.mountpoint;
  if (layout === 'v1') delete paths[''];
  return new SystemdV1Manager({ unit: unit.unit, slice: unit.slice }, layout, paths, { ...cfg, id: cfg.id }, tops);
}

/** The driver this module registers. */
export const driver: SystemdDriver = {
  newManager,
  loadManager(st, opts) {
    if (st.layout !== 'v2') return new SystemdV1Manager(st.systemd, st.layout, { ...st.paths }, opts, {}, st.created ?? []);
    return new SystemdManager(st.systemd, st.paths['']!, opts);
  },
  userBusAddress: () => userBusAddress(),
};

registerSystemdDriver(driver);
