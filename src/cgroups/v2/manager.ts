/**
 * The cgroup v2 manager: one directory in the unified hierarchy. create() enables every
 * controller the ancestors offer in their cgroup.subtree_control (as runc, so limits and
 * stats work), devices are an eBPF program attached through the runts-init helper, the
 * freezer is cgroup.freeze and destroy() kills through cgroup.kill when the kernel has it.
 */
import { dirname, join } from '../../sys/path.js';
import * as fs from '../../sys/fs.js';
import type { LinuxResources } from '../../spec/types.js';
import type { CgroupManager, CgroupState, ManagerOptions } from '../manager.js';
import { applyWrites, attachDeviceFilter, checkReusable, controllersIn, nearestControllers, enableControllers, freeze, freezerFrozen, destroyTrees, hasBpf, joinCgroup, thaw, throwProblems, TIMEOUTS, undoCreate } from '../common.js';
import { mkdirBelow, procsRecursive, tryRead } from '../fs.js';
import { type HostFacts, planResources, routeFor, usedGroups } from '../resources.js';
import { deviceFilterProgram } from './devices-bpf.js';
import { cpuV2, emptyStats, hugetlbV2, ioV2, memoryV2, pidsStats, type Stats } from '../stats.js';

export class V2Manager implements CgroupManager {
  readonly layout = 'v2' as const;
  readonly paths: Record<string, string>;
  private readonly dir: string;
  private readonly top: string;
  private readonly opts: ManagerOptions;
  private created: string[];
  private pending: Uint8Array | undefined;

  /** `top`: the unified mountpoint (needed by create only). */
  constructor(dir: string, top: string, opts: ManagerOptions, created: string[] = []) {
    this.dir = dir;
    this.top = top;
    this.paths = { '': dir };
    this.opts = opts;
    this.created = created;
  }

  private facts(r: LinuxResources): HostFacts {
    const f: HostFacts = {};
    const used = usedGroups(r);
    const num = (file: string) => {
      const t = tryRead(join(this.dir, file))?.trim();
      return t === undefined || t === 'max' ? undefined : Number(t);
    };
    if (used.has('memory')) {
      const max = num('memory.max');
      if (max !== undefined) f.memoryMax = max;
      if (r.memory?.checkBeforeUpdate) {
        const cur = num('memory.current');
        if (cur !== undefined) f.memoryCurrent = cur;
      }
    }
    if (used.has('cpu')) {
      const m = tryRead(join(this.dir, 'cpu.max'))?.trim();
      if (m) f.cpuMax = m;
    }
    if (used.has('blkio')) f.bfq = fs.exists(join(this.dir, 'io.bfq.weight'));
    return f;
  }

  private apply_(r: LinuxResources, controllers: string[]): void {
    const plan = planResources(r, routeFor('v2', controllers), this.facts(r));
    throwProblems(plan);
    applyWrites(plan.writes, () => this.dir);
    if (hasBpf(plan)) attachDeviceFilter(this.dir, plan.bpfDevices, this.opts.shimPath);
  }

  pendingDevices(): Uint8Array | undefined {
    return this.pending;
  }

  create(): void {
    const r = this.opts.resources ?? {};
    // Validate first against what the nearest existing ancestor could enable.
    throwProblems(planResources(r, routeFor('v2', nearestControllers(dirname(this.dir))), {}));
    let made: string[] = [];
    try {
      made = mkdirBelow(this.top, this.dir);
      // A directory mkdir just made is new: only one that existed may be someone else's.
      if (!made.includes(this.dir)) checkReusable([this.dir], [{ dir: this.dir, v2: true }]);
      enableControllers(this.top, this.dir, 'all');
      this.created = made.filter((d) => d !== this.dir);
      if (this.opts.deferDevices) {
        const { devices, ...rest } = r;
        this.apply_(rest, controllersIn(this.dir));
        const plan = planResources({ devices }, routeFor('v2', controllersIn(this.dir)), {});
        if (hasBpf(plan)) this.pending = deviceFilterProgram(plan.bpfDevices);
      } else {
        this.apply_(r, controllersIn(this.dir));
      }
    } catch (e) {
      undoCreate(made);
      throw e;
    }
  }

  apply(pid: number): void {
    joinCgroup(this.dir, pid);
  }

  procsFiles(): string[] {
    return [join(this.dir, 'cgroup.procs')];
  }

  set(resources: LinuxResources): void {
    this.apply_(resources, controllersIn(this.dir));
  }

  freeze(): void {
    freeze({ dir: this.dir, v2: true }, this.opts.timeouts?.freeze);
  }

  thaw(): void {
    thaw({ dir: this.dir, v2: true });
  }

  isFrozen(): boolean {
    return freezerFrozen({ dir: this.dir, v2: true });
  }

  pids(): number[] {
    return procsRecursive(this.dir);
  }

  destroy(): void {
    const t = this.opts.timeouts?.destroy ?? TIMEOUTS.destroy;
    destroyTrees([this.dir], this.dir, { dir: this.dir, v2: true }, this.created, t);
  }

  stats(): Stats {
    const s = emptyStats();
    cpuV2(s, this.dir);
    memoryV2(s, this.dir);
    pidsStats(s, this.dir);
    ioV2(s, this.dir);
    hugetlbV2(s, this.dir);
    return s;
  }

  state(): CgroupState {
    const st: CgroupState = { layout: 'v2', paths: { '': this.dir } };
    if (this.created.length) st.created = [...this.created];
    return st;
  }
}
