/**
 * The cgroup manager seam. The container lifecycle talks to CgroupManager only; behind it
 * sit a cgroup v1 implementation (v1/manager.ts, also driving hybrid hosts) and a v2 one
 * (v2/manager.ts). What to write comes from the pure planner (resources.ts); these
 * classes only touch /sys/fs/cgroup. The third, systemd/manager.ts, has systemd make the
 * cgroup as a transient unit over D-Bus (`--systemd-cgroup`), then works as the v2 one;
 * on v1/hybrid hosts systemd/legacy.ts does the same and then works as the v1 one. The
 * systemd driver is not imported here: systemd/driver.ts registers it (registerSystemdDriver)
 * when it is imported, which the library's entry (index.ts) does statically and the CLI
 * only when a command needs it (cli/main.ts), so other commands do not load its code.
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
import type { SystemdState } from './systemd/manager.js';

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

/**
 * The systemd driver (systemd/driver.ts): what newCgroupManager, loadCgroupManager and
 * create need of it. Registered by importing systemd/driver.ts.
 */
export interface SystemdDriver {
  /** newCgroupManager for cfg.systemd on a host of this layout. */
  newManager(cfg: CgroupConfig, root: string, layout: CgroupLayout): CgroupManager;
  /** loadCgroupManager for a state that records the systemd driver (st.systemd). */
  loadManager(st: CgroupState & { systemd: SystemdState }, opts: Omit<ManagerOptions, 'resources'>): CgroupManager;
  /** The D-Bus address of the user's systemd instance (rootless). */
  userBusAddress(): string;
}

let systemd: SystemdDriver | undefined;

/** Called by systemd/driver.ts when it is imported. */
export function registerSystemdDriver(d: SystemdDriver): void {
  systemd = d;
}

/**
 * The registered systemd driver. Its absence is a bug of the caller (the CLI imports the
 * driver before a command that needs it runs; the library's entry imports it statically):
 * an error, never a fallback to the cgroupfs driver.
 */
export function systemdDriver(): SystemdDriver {
  if (!systemd) throw new RuntsError('EUNSUPPORTED', 'internal error: the systemd cgroup driver is not loaded (import cgroups/systemd/driver.js before using --systemd-cgroup or a container made with it)');
  return systemd;
}

/** The error for a linux.cgroupsPath the driver cannot use. */
export function badCgroupsPath(e: unknown): RuntsError {
  return new RuntsError('EINVALID', `linux.cgroupsPath: ${(e as Error).message}`, { problems: [{ path: 'linux.cgroupsPath', message: (e as Error).message }] });
}

export function newCgroupManager(cfg: CgroupConfig): CgroupManager {
  const root = cfg.root ?? DEFAULT_ROOT;
  const layout = detectLayout(root);
  if (cfg.systemd) return systemdDriver().newManager(cfg, root, layout);
  let inner;
  try {
    inner = innerPath(cfg.cgroupsPath, cfg.id);
  } catch (e) {
    throw badCgroupsPath(e);
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

/** A manager for a container created earlier (from its state.json). */
export function loadCgroupManager(st: CgroupState, _root = DEFAULT_ROOT, opts: Omit<ManagerOptions, 'resources'> = {}): CgroupManager {
  if (st.systemd) return systemdDriver().loadManager(st as CgroupState & { systemd: SystemdState }, opts);
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
