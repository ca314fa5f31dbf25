/**
 * The systemd cgroup driver on cgroup v1 and hybrid hosts (systemd booted with
 * systemd.unified_cgroup_hierarchy=0): systemd makes the transient unit, which it realizes
 * in every v1 hierarchy it manages (name=systemd, cpu,cpuacct, memory, pids, blkio,
 * devices; and cgroup2 at unified on hybrid), with the v1 unit properties (MemoryLimit=,
 * CPUShares=, BlockIOWeight=, TasksMax=, CPUQuotaPerSecUSec=). The hierarchies systemd does
 * not manage (cpuset, freezer, net_cls, perf_event, hugetlb, ...) get a directory at the
 * same relative path, `<slice path>/<unit>`, made by runts, as runc's v1 systemd driver
 * does. From there on it is runts's v1 manager on those paths: the files systemd cannot
 * express, the freezer, stats, pids, kill and rmdir.
 *
 *   create(pid) ─ StartTransientUnit ─ JobRemoved ─ V1Manager.make() (missing dirs, files)
 *   set(r)      ─ validate ─ SetUnitProperties ─ files (exact values win over systemd's)
 *   destroy()   ─ V1Manager.destroy() (kill, rmdir all, parents runts made) ─ StopUnit
 */
import * as fs from '../../sys/fs.js';
import { join } from '../../sys/path.js';
import { RuntsError } from '../../errors.js';
import type { LinuxResources } from '../../spec/types.js';
import type { CgroupManager, CgroupState, ManagerOptions } from '../manager.js';
import { parseProcCgroup, type CgroupMount } from '../paths.js';
import type { Stats } from '../stats.js';
import { V1Manager } from '../v1/manager.js';
import { SystemdManager, type SystemdState } from './manager.js';
import { asBody, deviceProperties, quotaPerSec, type SystemdUnit } from './unit.js';
import type { Variant } from './wire.js';

const SYSTEMD = 'org.freedesktop.systemd1';
const PATH = '/org/freedesktop/systemd1';
const MANAGER = 'org.freedesktop.systemd1.Manager';
const INFINITY = 0xffffffffffffffffn;

/**
 * Controller (or '' for cgroup2 at unified) → the unit's directory in each hierarchy:
 * the hierarchy's mountpoint + where PID 1 (systemd) sits in it minus its own init.scope
 * (`/` on a host; deeper when systemd runs in a container) + the unit's path.
 */
export function legacyPaths(v1: CgroupMount[], unified: CgroupMount | undefined, pid1: Map<string, string>, unitPath: string): Record<string, string> {
  const base = (controllers: string[]): string => {
    const own = controllers.map((c) => pid1.get(c)).find((x) => x !== undefined) ?? '/';
    return own.replace(/\/init\.scope$/, '') || '/';
  };
  const paths: Record<string, string> = {};
  for (const m of v1) {
    const dir = join(m.mountpoint, base(m.controllers), unitPath);
    for (const c of m.controllers) paths[c] = dir;
  }
  if (unified) paths[''] = join(unified.mountpoint, base(['']), unitPath);
  return paths;
}

/**
 * What systemd can express of `r` on cgroup v1, in its v1 vocabulary: MemoryLimit= (not
 * MemoryMax=), CPUShares= (the raw shares, not a weight), CPUQuotaPerSecUSec= (and the
 * period), BlockIOWeight=, TasksMax=. cpuset, swap, reservation, hugetlb, net_*, rdma
 * and the rest have no v1 unit property (systemd's AllowedCPUs= is cgroup v2 only): the
 * v1 writer sets them in the files afterwards.
 */
export function legacyResourceProperties(r: LinuxResources): Array<[string, Variant]> {
  const p: Array<[string, Variant]> = [];
  const lim = r.memory?.limit;
  if (lim !== undefined && lim !== 0) p.push(['MemoryLimit', ['t', lim < 0 ? INFINITY : BigInt(lim)]]);
  const c = r.cpu;
  if (c?.shares) p.push(['CPUShares', ['t', BigInt(c.shares)]]);
  if (c?.quota !== undefined && c.quota !== 0) {
    p.push(['CPUQuotaPerSecUSec', ['t', quotaPerSec(c.quota, c.period || 100000)]]);
    if (c.period) p.push(['CPUQuotaPeriodUSec', ['t', BigInt(c.period)]]);
  }
  const w = r.blockIO?.weight;
  if (w) p.push(['BlockIOWeight', ['t', BigInt(w)]]);
  const pids = r.pids?.limit;
  // TasksMax cannot say 0; 0 means 1 as in the cgroup files (src/cgroups/checks.ts pidsValue)
  if (pids !== undefined) p.push(['TasksMax', ['t', pids < 0 ? INFINITY : BigInt(pids === 0 ? 1 : pids)]]);
  return p;
}

/**
 * StartTransientUnit's properties on v1: as on v2 (where, who, Delegate=yes, no default
 * dependencies), with the v1 accounting switches (BlockIOAccounting=, not IOAccounting=),
 * which make systemd realize the unit in the cpu,cpuacct, memory, blkio and pids
 * hierarchies. The device rules as on v2 (deviceProperties: DevicePolicy=strict and the
 * allowed devices, as runc's v1 driver sends them), so that systemd re-applying its own
 * rules (a daemon-reload) keeps the container's; the v1 writer then puts the exact rules
 * in the devices cgroup, as without systemd. No rules: DevicePolicy=auto.
 */
export function legacyStartProperties(u: SystemdUnit, id: string, pid: number, r: LinuxResources): Array<[string, Variant]> {
  const p: Array<[string, Variant]> = [['Description', ['s', `runts container ${id}`]]];
  if (u.unit.endsWith('.slice')) p.push(['Wants', ['as', [u.slice]]]);
  else {
    p.push(['Slice', ['s', u.slice]], ['Delegate', ['b', true]]);
    if (pid > 0) p.push(['PIDs', ['au', [pid]]]);
  }
  p.push(
    ['MemoryAccounting', ['b', true]],
    ['CPUAccounting', ['b', true]],
    ['BlockIOAccounting', ['b', true]],
    ['TasksAccounting', ['b', true]],
    ['DefaultDependencies', ['b', false]],
  );
  const devices: Array<[string, Variant]> = r.devices ? deviceProperties(r.devices) : [['DevicePolicy', ['s', 'auto']]];
  return [...p, ...devices, ...legacyResourceProperties(r)];
}

/** PID 1's cgroups (systemd's own place); empty when unreadable (then `/`). */
export function pid1Cgroups(): Map<string, string> {
  try {
    return parseProcCgroup(fs.readText('/proc/1/cgroup'));
  } catch {
    return new Map();
  }
}

export class SystemdV1Manager implements CgroupManager {
  readonly layout: 'v1' | 'hybrid';
  readonly paths: Record<string, string>;
  private readonly v1: V1Manager;
  /** The D-Bus side (start, set, stop), shared with the v2 driver. */
  private readonly unit: SystemdManager;

  constructor(
    private readonly sd: SystemdState,
    layout: 'v1' | 'hybrid',
    paths: Record<string, string>,
    private readonly opts: ManagerOptions & { id?: string },
    tops: Record<string, string> = {},
    created: string[] = [],
  ) {
    this.layout = layout;
    this.paths = paths;
    this.v1 = new V1Manager(layout, paths, tops, opts, created);
    // Its directory is never used: only its bus, job and resetFailed.
    this.unit = new SystemdManager(sd, paths['name=systemd'] ?? '', opts);
  }

  /** The directory systemd makes first; where a started unit must show up. */
  private systemdDir(): string | undefined {
    return this.paths['name=systemd'] ?? this.paths[''];
  }

  create(pid = 0): void {
    const r = this.opts.resources ?? {};
    this.v1.validate(r);
    this.v1.checkReusable();
    const props = legacyStartProperties({ unit: this.sd.unit, slice: this.sd.slice, path: '' }, this.opts.id ?? '', pid, r);
    this.unit.startUnit(props);
    try {
      const dir = this.systemdDir();
      if (dir && !fs.exists(dir)) throw new RuntsError('ESYS', `systemd unit ${this.sd.unit} started but its cgroup ${dir} does not exist`);
      // The hierarchies systemd does not manage get their directory here; the files
      // systemd cannot express (and the exact values of those it rounds) are written.
      this.v1.make();
    } catch (e) {
      try {
        this.destroy();
      } catch {
        /* the original error matters more */
      }
      throw e;
    }
  }

  apply(pid: number): void {
    this.v1.apply(pid);
  }

  procsFiles(): string[] {
    return this.v1.procsFiles();
  }

  pendingDevices(): Uint8Array | undefined {
    return undefined;
  }

  set(resources: LinuxResources): void {
    // Validate first, then the unit (so that systemd re-applies the new values, not its
    // old ones, when it realizes the unit again), then the files with the exact values.
    this.v1.validate(resources);
    const props = legacyResourceProperties(resources);
    if (props.length) {
      this.unit.bus(`set properties of systemd unit ${this.sd.unit}`, (b) => b.call(SYSTEMD, PATH, MANAGER, 'SetUnitProperties', 'sba(sv)', [this.sd.unit, true, asBody(props)]));
    }
    this.v1.set(resources);
  }

  destroy(): void {
    // Every directory goes, systemd's and runts's (the unit's in unmanaged hierarchies,
    // and the parents runts made there); then the unit is stopped and forgotten.
    this.v1.destroy();
    this.unit.destroyUnit();
  }

  freeze(): void {
    this.v1.freeze();
  }

  thaw(): void {
    this.v1.thaw();
  }

  isFrozen(): boolean {
    return this.v1.isFrozen();
  }

  pids(): number[] {
    return this.v1.pids();
  }

  stats(): Stats {
    return this.v1.stats();
  }

  state(): CgroupState {
    return { ...this.v1.state(), systemd: { ...this.sd } };
  }
}
