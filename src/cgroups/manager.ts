/**
 * The cgroup manager seam. The container lifecycle talks to CgroupManager only; behind it
 * sit a cgroup v1 implementation (v1/manager.ts, also driving hybrid hosts) and a v2 one
 * (v2/manager.ts). What to write comes from the pure planner (resources.ts); these
 * classes only touch /sys/fs/cgroup. The third, systemd/manager.ts, has systemd make the
 * cgroup as a transient unit over D-Bus (`--systemd-cgroup`), then works as the v2 one;
 * on v1/hybrid hosts systemd/legacy.ts does the same and then works as the v1 one.
 *
 *   newCgroupManager(cfg) ── create() ── apply(initPid) ── [set/freeze/thaw/stats]* ── destroy()
 *            │                                                    ▲
 *            └── state() → state.json ── loadCgroupManager(st) ───┘   (a later runts process)
 */
import * as fs from '../sys/fs.js';
import { join } from '../sys/path.js';
import { RuntsError } from '../errors.js';
import type { LinuxResources } from '../spec/types.js';
import { freezerFrozen, TIMEOUTS } from './common.js';
import { containerPaths, hostView, innerPath } from './paths.js';
import type { Stats } from './stats.js';
import { V1Manager } from './v1/manager.js';
import { V2Manager } from './v2/manager.js';
import { SystemdManager, type SystemdState } from './systemd/manager.js';
import { systemdUnit, type SystemdUnit } from './systemd/unit.js';
import { legacyPaths, pid1Cgroups, SystemdV1Manager } from './systemd/legacy.js';

export type { Stats } from './stats.js';
export { watchOom, type OomEvent } from './oom.js';
export { defaultDeviceRules, deviceRulesFor } from './devices.js';

/** The host's cgroup layout: v1 controllers, v1 plus cgroup2 at unified (hybrid), or pure v2. */
export type CgroupLayout = 'v1' | 'hybrid' | 'v2';

/** Options that a loaded manager needs as well as a new one. */
export interface ManagerOptions {
  /** The runts-init binary; needed on cgroup v2 to attach the device filter (`runts-init bpf-devices DIR`). */
  shimPath?: string;
  /** Time limits in ms (defaults: freeze 5 s, destroy 10 s). */
  timeouts?: { freeze?: number; destroy?: number };
  /** Resources create() applies. */
  resources?: LinuxResources;
  /**
   * cgroup v2: create() does not attach the device filter but leaves it to the caller
   * (pendingDevices()), which hands it to the init shim: no helper process per container.
   */
  deferDevices?: boolean;
}

export interface CgroupConfig {
  id: string;
  cgroupsPath?: string;
  resources?: LinuxResources;
  /** test hook; default '/sys/fs/cgroup' */
  root?: string;
  shimPath?: string;
  timeouts?: { freeze?: number; destroy?: number };
  /** See ManagerOptions.deferDevices. */
  deferDevices?: boolean;
  /** The systemd driver: systemd makes the cgroup as a transient unit (cgroupsPath `slice:prefix:name`). */
  systemd?: boolean;
  /** With `systemd`: the user's instance (rootless) on this bus address rather than the system's. */
  systemdUserBus?: string;
}

/** What state.json persists so a later process can load the manager. Plain JSON. */
export interface CgroupState {
  /** The host's cgroup layout when the cgroup was made. */
  layout: CgroupLayout;
  /** controller (or '' for unified) → absolute dir */
  paths: Record<string, string>;
  /** parent cgroups create() made; destroy() removes them when nobody else uses them */
  created?: string[];
  /** With the systemd driver: the unit and its slice. */
  systemd?: SystemdState;
}

export interface CgroupManager {
  readonly layout: CgroupLayout;
  /** Controller → absolute directory. */
  readonly paths: Record<string, string>;
  /**
   * mkdir the cgroup(s) and apply resources; on any failure remove what it made and throw.
   * `pid`: a process to put in it at once (the systemd driver needs one to start a scope).
   */
  create(pid?: number): void;
  /** Move pid into the cgroup(s) (cgroup.procs). */
  apply(pid: number): void;
  /** The cgroup.procs files a process writes its own pid to, to join (one per hierarchy). */
  procsFiles(): string[];
  /** Apply resources (update). Validates first; throws EINVALID naming the field for unsupported ones. */
  set(resources: LinuxResources): void;
  /** Kill every process left (all nested cgroups), then rmdir bottom-up. Idempotent. */
  destroy(): void;
  freeze(): void;
  thaw(): void;
  /** true when frozen */
  isFrozen(): boolean;
  /** Every pid in the cgroup (recursive). */
  pids(): number[];
  /** Stats in runc's events `data` shape (cpu, memory, pids, blkio, hugetlb). */
  stats(): Stats;
  /** For state.json. */
  state(): CgroupState;
  /**
   * With deferDevices: the eBPF device program create() left unattached (raw struct
   * bpf_insn bytes for the v2 directory paths['']), or undefined when there is none.
   */
  pendingDevices(): Uint8Array | undefined;
}

export const DEFAULT_ROOT = '/sys/fs/cgroup';

let hostLayout: CgroupLayout | undefined;

/**
 * v2 when root is a cgroup2 mount, hybrid when root/unified is, else v1. The host's
 * (DEFAULT_ROOT) is probed once per process; other roots (tests) every time.
 */
export function detectLayout(root = DEFAULT_ROOT): CgroupLayout {
  if (root === DEFAULT_ROOT && hostLayout) return hostLayout;
  let layout: CgroupLayout = 'v1';
  if (fs.exists(join(root, 'cgroup.controllers'))) layout = 'v2';
  else if (fs.exists(join(root, 'unified', 'cgroup.controllers'))) layout = 'hybrid';
  if (root === DEFAULT_ROOT) hostLayout = layout;
  return layout;
}

export function newCgroupManager(cfg: CgroupConfig): CgroupManager {
  const root = cfg.root ?? DEFAULT_ROOT;
  const badPath = (e: unknown) => new RuntsError('EINVALID', `linux.cgroupsPath: ${(e as Error).message}`, { problems: [{ path: 'linux.cgroupsPath', message: (e as Error).message }] });
  const layout = detectLayout(root);
  if (cfg.systemd) {
    let unit;
    try {
      unit = systemdUnit(cfg.cgroupsPath, cfg.id, cfg.systemdUserBus !== undefined);
    } catch (e) {
      throw badPath(e);
    }
    if (cfg.systemdUserBus !== undefined) {
      // runc: "cannot use rootless systemd cgroups manager on cgroup v1"
      if (layout !== 'v2') throw new RuntsError('EUNSUPPORTED', `--systemd-cgroup: rootless, the systemd driver needs a cgroup v2 host (this one is ${layout}: systemd delegates nothing to a user's instance there)`);
      return SystemdManager.forUserUnit(unit, root, { ...cfg, id: cfg.id }, cfg.systemdUserBus);
    }
    if (layout !== 'v2') return legacySystemdManager(unit, root, layout, cfg);
    return SystemdManager.forUnit(unit, root, { ...cfg, id: cfg.id });
  }
  let inner;
  try {
    inner = innerPath(cfg.cgroupsPath, cfg.id);
  } catch (e) {
    throw badPath(e);
  }
  const view = hostView(root, layout);
  const paths = containerPaths(view, layout, inner);
  const opts: ManagerOptions = {};
  if (cfg.shimPath) opts.shimPath = cfg.shimPath;
  if (cfg.timeouts) opts.timeouts = cfg.timeouts;
  if (cfg.resources) opts.resources = cfg.resources;
  if (cfg.deferDevices) opts.deferDevices = true;
  if (layout === 'v2') return new V2Manager(paths['']!, view.unified!.mountpoint, opts);
  const tops: Record<string, string> = {};
  for (const m of view.v1) for (const c of m.controllers) if (paths[c]) tops[paths[c]!] = m.mountpoint;
  if (view.unified && paths['']) tops[paths['']] = view.unified.mountpoint;
  if (layout === 'v1') delete paths[''];
  return new V1Manager(layout, paths, tops, opts);
}

/** The systemd driver on a v1 or hybrid host: the unit's directory in every hierarchy (systemd/legacy.ts). */
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

/** A manager for a container created earlier (from its state.json). */
export function loadCgroupManager(st: CgroupState, _root = DEFAULT_ROOT, opts: Omit<ManagerOptions, 'resources'> = {}): CgroupManager {
  if (st.systemd && st.layout !== 'v2') return new SystemdV1Manager(st.systemd, st.layout, { ...st.paths }, opts, {}, st.created ?? []);
  if (st.systemd) return new SystemdManager(st.systemd, st.paths['']!, opts);
  if (st.layout === 'v2') return new V2Manager(st.paths['']!, '', opts, st.created ?? []);
  return new V1Manager(st.layout, { ...st.paths }, {}, opts, st.created ?? []);
}

/** Cheap check used on every `state` call: reads one file. */
export function isFrozen(st: CgroupState): boolean {
  if (st.layout !== 'v2' && st.paths.freezer) return freezerFrozen({ dir: st.paths.freezer, v2: false });
  const u = st.paths[''];
  return u !== undefined && freezerFrozen({ dir: u, v2: true });
}

export { TIMEOUTS };
