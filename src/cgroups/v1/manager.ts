/**
 * The cgroup v1 manager, also used on hybrid hosts: one directory per mounted v1
 * hierarchy (named ones such as name=systemd included, as runc joins them), plus on
 * hybrid the unified hierarchy's directory (key ''). Each resource group goes to its v1
 * controller when that hierarchy is mounted; on hybrid, a controller only the unified
 * hierarchy offers (hugetlb on this machine) is driven there with v2 files. Freezing
 * uses the v1 freezer (or cgroup.freeze on the unified directory without one).
 */
import * as fs from '../../sys/fs.js';
import { join } from '../../sys/path.js';
import type { LinuxResources } from '../../spec/types.js';
import { RuntsError } from '../../errors.js';
import type { CgroupManager, CgroupState, ManagerOptions } from '../manager.js';
import { applyWrites, attachDeviceFilter, checkReusable, controllersIn, nearestControllers, enableControllers, type Freezer, freeze, freezerFrozen, destroyTrees, hasBpf, joinCgroup, thaw, throwProblems, TIMEOUTS, undoCreate } from '../common.js';
import { mkdirBelow, procsRecursive, tryRead } from '../fs.js';
import { GROUPS, type HostFacts, planResources, type Route, usedGroups } from '../resources.js';
import { blkioV1, cpuV1, cpuV2, emptyStats, hugetlbV1, hugetlbV2, ioV2, memoryV1, memoryV2, pidsStats, type Stats } from '../stats.js';

export class V1Manager implements CgroupManager {
  readonly layout: 'v1' | 'hybrid';
  readonly paths: Record<string, string>;
  private readonly tops: Record<string, string>;
  private readonly opts: ManagerOptions;
  private created: string[];

  /** `tops`: directory → its hierarchy's mountpoint (needed by create only). */
  constructor(layout: 'v1' | 'hybrid', paths: Record<string, string>, tops: Record<string, string>, opts: ManagerOptions, created: string[] = []) {
    this.layout = layout;
    this.paths = paths;
    this.tops = tops;
    this.opts = opts;
    this.created = created;
  }

  /** Distinct directories (co-mounted controllers share one). */
  private dirs(): string[] {
    return [...new Set(Object.values(this.paths))];
  }

  private route(unifiedControllers: () => string[]): Route {
    return (g) => {
      const spec = GROUPS.find((x) => x.group === g)!;
      if (spec.v1 && this.paths[spec.v1]) return 'v1';
      if (this.layout === 'hybrid' && this.paths[''] !== undefined && spec.v2 !== undefined) {
        if (spec.v2 === '' || unifiedControllers().includes(spec.v2)) return 'v2';
      }
      // v1-only groups on a v1 host without the hierarchy, and unified without a
      // unified hierarchy, get their writer's own message.
      if (g === 'unified') return 'v1';
      return undefined;
    };
  }

  private facts(r: LinuxResources): HostFacts {
    const f: HostFacts = {};
    const used = usedGroups(r);
    const mem = this.paths.memory;
    if (mem && used.has('memory')) {
      const lim = tryRead(join(mem, 'memory.limit_in_bytes'));
      if (lim !== undefined) f.memoryLimit = Number(lim.trim());
      f.memsw = fs.exists(join(mem, 'memory.memsw.limit_in_bytes'));
    }
    const blk = this.paths.blkio;
    if (blk && used.has('blkio')) f.bfq = !fs.exists(join(blk, 'blkio.weight')) && fs.exists(join(blk, 'blkio.bfq.weight'));
    const u = this.paths[''];
    if (!blk && u && used.has('blkio')) f.bfq = fs.exists(join(u, 'io.bfq.weight'));
    const dev = this.paths.devices;
    if (dev && used.has('devices')) f.devicesList = tryRead(join(dev, 'devices.list'));
    return f;
  }

  private apply_(r: LinuxResources, unifiedControllers: () => string[]): void {
    const plan = planResources(r, this.route(unifiedControllers), this.facts(r));
    throwProblems(plan);
    applyWrites(plan.writes, (c) => this.paths[c]!);
    if (hasBpf(plan)) attachDeviceFilter(this.paths['']!, plan.bpfDevices, this.opts.shimPath);
  }

  create(): void {
    this.validate(this.opts.resources ?? {});
    // checkReusable() runs inside make(), after the mkdirs, on the directories that
    // already existed: a mkdir that succeeds answers "is it new" with no probe.
    this.make(true);
  }

  /** Throw EINVALID naming the field for what `r` cannot do here, before touching the host. */
  validate(r: LinuxResources): void {
    const u = this.paths[''];
    // The unified controllers that could be enabled are those of the nearest existing ancestor.
    const avail = () => (u ? nearestControllers(u) : []);
    throwProblems(planResources(r, this.route(avail), {}));
  }

  /** Refuse directories that already hold processes or are frozen (someone else's cgroup). */
  checkReusable(only?: (dir: string) => boolean): void {
    const u = this.paths[''];
    const freezers: Freezer[] = [];
    if (this.paths.freezer) freezers.push({ dir: this.paths.freezer, v2: false });
    if (u !== undefined) freezers.push({ dir: u, v2: true });
    const keep = only ?? (() => true);
    checkReusable(this.dirs().filter(keep), freezers.filter((f) => keep(f.dir)));
  }

  /**
   * mkdir what is missing (remembering the parents it made), fill cpusets, apply the
   * resources; on failure remove what it made. The systemd driver calls it after systemd
   * made the unit's directories in the hierarchies it manages. `check`: refuse (as
   * checkReusable) the directories that existed before, once all are made.
   */
  make(check = false): void {
    const r = this.opts.resources ?? {};
    const u = this.paths[''];
    const made: string[] = [];
    try {
      for (const dir of this.dirs()) {
        const top = this.tops[dir];
        if (!top) throw new RuntsError('EINVALID', `cgroup ${dir}: no hierarchy known for it`);
        made.push(...mkdirBelow(top, dir));
      }
      if (check) this.checkReusable((d) => !made.includes(d));
      const cs = this.paths.cpuset;
      if (cs !== undefined) fillCpusets(this.tops[cs]!, cs, made);
      if (u !== undefined) {
        const want = GROUPS.filter((g) => usedGroups(r).has(g.group) && !(g.v1 && this.paths[g.v1]) && g.v2).map((g) => g.v2!);
        if (want.length) enableControllers(this.tops[u]!, u, want);
      }
      this.created = made.filter((d) => !this.dirs().includes(d));
      this.apply_(r, () => controllersIn(u!));
    } catch (e) {
      undoCreate(made);
      throw e;
    }
  }

  apply(pid: number): void {
    for (const dir of this.dirs()) joinCgroup(dir, pid);
  }

  procsFiles(): string[] {
    return this.dirs().map((d) => join(d, 'cgroup.procs'));
  }

  set(resources: LinuxResources): void {
    const u = this.paths[''];
    this.apply_(resources, () => (u ? controllersIn(u) : []));
  }

  private freezer(): Freezer | undefined {
    if (this.paths.freezer) return { dir: this.paths.freezer, v2: false };
    if (this.paths[''] !== undefined) return { dir: this.paths['']!, v2: true };
    return undefined;
  }

  freeze(): void {
    const f = this.freezer();
    if (!f) throw new RuntsError('EUNSUPPORTED', 'pause: no freezer cgroup (the freezer hierarchy is not mounted)');
    freeze(f, this.opts.timeouts?.freeze);
  }

  thaw(): void {
    const f = this.freezer();
    if (!f) throw new RuntsError('EUNSUPPORTED', 'resume: no freezer cgroup (the freezer hierarchy is not mounted)');
    thaw(f);
  }

  isFrozen(): boolean {
    const f = this.freezer();
    return f ? freezerFrozen(f) : false;
  }

  pids(): number[] {
    const dir = this.paths[''] ?? this.paths.freezer ?? this.paths.pids ?? this.dirs()[0];
    return dir ? procsRecursive(dir) : [];
  }

  destroy(): void {
    destroyTrees(this.dirs(), this.paths[''], this.freezer(), this.created, this.opts.timeouts?.destroy ?? TIMEOUTS.destroy);
  }

  stats(): Stats {
    const s = emptyStats();
    const p = this.paths;
    const u = p[''];
    if (p.cpuacct || p.cpu) cpuV1(s, p.cpuacct, p.cpu);
    else if (u) cpuV2(s, u);
    if (p.memory) memoryV1(s, p.memory);
    else if (u) memoryV2(s, u);
    if (p.pids) pidsStats(s, p.pids);
    else if (u) pidsStats(s, u);
    if (p.blkio) blkioV1(s, p.blkio);
    else if (u) ioV2(s, u);
    if (p.hugetlb) hugetlbV1(s, p.hugetlb);
    else if (u) hugetlbV2(s, u);
    return s;
  }

  /** v1 and hybrid attach any device filter themselves (devices are a v1 controller there). */
  pendingDevices(): Uint8Array | undefined {
    return undefined;
  }

  state(): CgroupState {
    const st: CgroupState = { layout: this.layout, paths: { ...this.paths } };
    if (this.created.length) st.created = [...this.created];
    return st;
  }
}

/**
 * A v1 cpuset cgroup starts with empty cpuset.cpus/mems, and no task can join it (ENOSPC)
 * until both are set: from the hierarchy's top down to `dir`, give every level that has
 * them empty its parent's values, as runc does; this covers levels made by someone else
 * and left empty, not only the ones create() just made (`made`).
 */
function fillCpusets(top: string, dir: string, made: string[]): void {
  let parent = top;
  for (const part of dir.slice(top.length + 1).split('/')) {
    const cur = join(parent, part);
    for (const f of ['cpuset.cpus', 'cpuset.mems']) {
      // A level just made is empty (or, with cgroup.clone_children, already holds the
      // parent's values, which the write below repeats): no need to read it.
      if (!made.includes(cur) && tryRead(join(cur, f))?.trim()) continue;
      const theirs = tryRead(join(parent, f))?.trim();
      if (theirs) applyWrites([{ controller: '', file: f, value: theirs, field: `linux.resources.cpu.${f === 'cpuset.cpus' ? 'cpus' : 'mems'}` }], () => cur);
    }
    parent = cur;
  }
}
