/**
 * The systemd cgroup driver (cgroup v2): the container's cgroup is a transient unit
 * (a scope, or a slice when the name asks for one) that systemd makes over D-Bus; the
 * rest (limits systemd cannot express, the device filter, freeze, stats, kill) is the v2
 * manager working on the directory systemd made, as runc's systemd driver does.
 *
 *   create(pid) ─ StartTransientUnit(unit, "replace", props, []) ─ JobRemoved(job) ─ files
 *   set(r)      ─ SetUnitProperties(unit, true, props) ─ files
 *   destroy()   ─ kill + rmdir (v2) ─ StopUnit(unit, "replace") ─ JobRemoved ─ ResetFailedUnit
 *
 * A scope needs a process when it starts: create() gets the shim's pid (it is then moved
 * into the scope and its clone of the init is born there).
 *
 * Rootless (`user`): the user's own systemd instance on the user's bus makes the unit,
 * in its slice under its own cgroup (the Manager's ControlGroup property, e.g.
 * /user.slice/user-1000.slice/user@1000.service, then user.slice/runts-ID.scope), with
 * the controllers delegated to it only; it moves processes that live outside its
 * subtree (PIDs=, AttachProcessesToUnit) by asking the system instance. The device
 * properties go to it as to the system's (runc does the same), but runts attaches no eBPF
 * filter of its own: an unprivileged process cannot (runc ignores the device errors of a
 * rootless container as well).
 */
import { join } from '../../sys/path.js';
import * as fs from '../../sys/fs.js';
import { RuntsError } from '../../errors.js';
import type { LinuxResources } from '../../spec/types.js';
import type { CgroupManager, CgroupState, ManagerOptions } from '../manager.js';
import { controllersIn, hasBpf, throwProblems } from '../common.js';
import { planResources, routeFor, type ResourcePlan } from '../resources.js';
import { deviceFilterProgram } from '../v2/devices-bpf.js';
import { V2Manager } from '../v2/manager.js';
import type { Stats } from '../stats.js';
import { DBus, DBusError, dbusTimeouts } from './dbus.js';
import { asBody, resourceProperties, startProperties, type SystemdUnit } from './unit.js';
import type { DBusValue, Message, Variant } from './wire.js';

const SYSTEMD = 'org.freedesktop.systemd1';
const PATH = '/org/freedesktop/systemd1';
const MANAGER = 'org.freedesktop.systemd1.Manager';

/** What state.json keeps of the systemd cgroup driver (`--systemd-cgroup`). */
export interface SystemdState {
  /** The transient unit that owns the container's cgroup (`prefix-name.scope`, or a `.slice`). */
  unit: string;
  /** The slice the unit lives in (`system.slice` unless cgroupsPath names one). */
  slice: string;
  /** The bus address (the system bus unless rootless). */
  bus?: string;
  /** The user's systemd instance (rootless) rather than the system's. */
  user?: boolean;
}

/** A Manager property (org.freedesktop.DBus.Properties.Get), e.g. ControlGroup. */
function managerProperty(b: DBus, name: string): DBusValue {
  const [v] = b.call(SYSTEMD, PATH, 'org.freedesktop.DBus.Properties', 'Get', 'ss', [MANAGER, name]);
  return (v as Variant)[1];
}

/**
 * The controllers the user's instance can hand to a unit at `dir`: cgroup.controllers of
 * the nearest existing directory from dir's parent up to the instance's own cgroup `top`
 * (user.slice, say, exists only once a unit is in it).
 */
export function delegatedControllers(top: string, dir: string): { dir: string; controllers: string[] } {
  let d = dir.slice(0, dir.lastIndexOf('/'));
  while (d.length > top.length && !fs.exists(join(d, 'cgroup.controllers'))) d = d.slice(0, d.lastIndexOf('/'));
  return { dir: d, controllers: controllersIn(d) };
}

function busError(what: string, e: unknown): RuntsError {
  if (e instanceof RuntsError) return new RuntsError(e.code, `${what}: ${e.message}`, { cause: e });
  const name = e instanceof DBusError ? ` (${e.name})` : '';
  return new RuntsError('ESYS', `${what}: ${(e as Error).message}${name}`, { cause: e });
}

export class SystemdManager implements CgroupManager {
  readonly layout = 'v2' as const;
  readonly paths: Record<string, string>;
  private readonly dir: string;
  private readonly v2: V2Manager;
  private pending: Uint8Array | undefined;
  /** The user instance's own cgroup directory (rootless create only). */
  private top = '';

  constructor(
    private readonly sd: SystemdState,
    dir: string,
    private readonly opts: ManagerOptions & { id?: string },
  ) {
    this.dir = dir;
    this.paths = { '': dir };
    this.v2 = new V2Manager(dir, '', opts);
  }

  static forUnit(u: SystemdUnit, root: string, opts: ManagerOptions & { id?: string }, bus?: string): SystemdManager {
    const sd: SystemdState = { unit: u.unit, slice: u.slice };
    if (bus) sd.bus = bus;
    return new SystemdManager(sd, join(root, u.path), opts);
  }

  /** A unit of the user's instance on `bus`: its cgroup lies under the instance's own (asked for here). */
  static forUserUnit(u: SystemdUnit, root: string, opts: ManagerOptions & { id?: string }, bus: string): SystemdManager {
    let top = '';
    try {
      const b = DBus.connect(bus);
      try {
        top = String(managerProperty(b, 'ControlGroup'));
      } finally {
        b.close();
      }
    } catch (e) {
      throw busError(`--systemd-cgroup: the user's systemd instance (${bus})`, e);
    }
    if (!top.startsWith('/')) throw new RuntsError('ESYS', `--systemd-cgroup: the user's systemd instance has no cgroup (ControlGroup ${JSON.stringify(top)})`);
    const sd: SystemdState = { unit: u.unit, slice: u.slice, bus, user: true };
    const m = new SystemdManager(sd, join(root, top, u.path), opts);
    m.top = join(root, top);
    return m;
  }

  /** One connection to the unit's bus for `fn`; errors name `what`. (legacy.ts uses it too.) */
  bus<T>(what: string, fn: (b: DBus) => T): T {
    let b: DBus | undefined;
    try {
      b = DBus.connect(this.sd.bus);
      return fn(b);
    } catch (e) {
      throw busError(what, e);
    } finally {
      b?.close();
    }
  }

  /** Run a job-returning Manager method and wait for the job's JobRemoved; returns its result ("done", "failed", ...). */
  job(b: DBus, member: string, signature: string, body: DBusValue[]): string {
    b.call('org.freedesktop.DBus', '/org/freedesktop/DBus', 'org.freedesktop.DBus', 'AddMatch', 's', [
      `type='signal',sender='${SYSTEMD}',path='${PATH}',interface='${MANAGER}',member='JobRemoved'`,
    ]);
    b.call(SYSTEMD, PATH, MANAGER, 'Subscribe');
    const [job] = b.call(SYSTEMD, PATH, MANAGER, member, signature, body);
    const done = b.waitSignal((m: Message) => m.member === 'JobRemoved' && m.body[1] === job, dbusTimeouts().job, `JobRemoved signal for the ${member} job ${String(job)}`);
    return String(done.body[3]);
  }

  create(pid = 0): void {
    const r = this.opts.resources ?? {};
    const { devices, ...rest } = r;
    const unit = { unit: this.sd.unit, slice: this.sd.slice, path: '' };
    throwProblems(this.resourceProblems(r));
    this.startUnit(startProperties(unit, this.opts.id ?? '', pid, r));
    try {
      if (!fs.exists(this.dir)) throw new RuntsError('ESYS', `systemd unit ${this.sd.unit} started but its cgroup ${this.dir} does not exist`);
      const controllers = controllersIn(this.dir);
      this.v2.set(rest);
      if (this.sd.user) {
        // no device filter (see the header)
      } else if (this.opts.deferDevices) {
        const plan = planResources({ devices }, routeFor('v2', controllers), {});
        if (hasBpf(plan)) this.pending = deviceFilterProgram(plan.bpfDevices);
      } else if (devices) {
        this.v2.set({ devices });
      }
    } catch (e) {
      try {
        this.destroy();
      } catch {
        /* the original error matters more */
      }
      throw e;
    }
  }

  /** StartTransientUnit with `props` and wait for its job; on failure nothing stays. (legacy.ts uses it too.) */
  startUnit(props: Array<[string, Variant]>): void {
    let asked = false;
    let answered = false;
    try {
      this.bus(`start systemd unit ${this.sd.unit}`, (b) => {
        asked = true;
        const result = this.job(b, 'StartTransientUnit', 'ssa(sv)a(sa(sv))', [this.sd.unit, 'replace', asBody(props), []]);
        answered = true;
        if (result !== 'done') {
          this.resetFailed(b);
          throw new RuntsError('ESYS', `job ${result} (see journalctl -u ${this.sd.unit})`);
        }
      });
    } catch (e) {
      // Asked but no answer (a timeout, a lost connection): systemd may still make the
      // unit; stop it so that nothing stays (bounded by the same timeouts).
      if (asked && !answered) {
        try {
          this.destroyUnit();
        } catch {
          /* the original error matters more */
        }
      }
      throw e;
    }
  }

  /** Problems with `r` before any unit exists: bad values, and (rootless) controllers not delegated. */
  private resourceProblems(r: LinuxResources): ResourcePlan {
    if (!this.sd.user || !this.top) return planResources(r, routeFor('v2', ['cpu', 'cpuset', 'io', 'memory', 'pids', 'hugetlb', 'rdma', 'misc']), {});
    const { devices: _devices, ...rest } = r;
    const d = delegatedControllers(this.top, this.dir);
    const why = `is not delegated to the user's systemd instance (${join(d.dir, 'cgroup.controllers')}: ${d.controllers.join(' ') || 'none'})`;
    const plan = planResources(rest, routeFor('v2', d.controllers), {});
    return { ...plan, problems: plan.problems.map((p) => ({ ...p, message: p.message.replace('is not available on this host', why) })) };
  }

  /**
   * Put `pid` in the unit's cgroup. The user's instance does it (AttachProcessesToUnit):
   * a process outside its subtree cannot be moved by the user, whom the kernel lets
   * write only to cgroup.procs files under a common ancestor it owns.
   */
  apply(pid: number): void {
    if (!this.sd.user) return this.v2.apply(pid);
    this.bus(`move process ${pid} into systemd unit ${this.sd.unit}`, (b) => b.call(SYSTEMD, PATH, MANAGER, 'AttachProcessesToUnit', 'ssau', [this.sd.unit, '', [pid]]));
  }

  procsFiles(): string[] {
    return this.v2.procsFiles();
  }

  pendingDevices(): Uint8Array | undefined {
    return this.pending;
  }

  set(resources: LinuxResources): void {
    if (this.sd.user && this.top) throwProblems(this.resourceProblems(resources));
    // The files first: the v2 writer validates against what is in force (a swap limit
    // alone needs the current memory.max), then the unit learns the same values, so that
    // systemd re-applies them (daemon-reload) instead of its old ones.
    this.v2.set(resources);
    const cur = Number(fs.exists(join(this.dir, 'memory.max')) ? fs.readText(join(this.dir, 'memory.max')).trim() : NaN);
    const props = resourceProperties(resources, Number.isFinite(cur) ? cur : undefined);
    if (props.length) {
      this.bus(`set properties of systemd unit ${this.sd.unit}`, (b) => b.call(SYSTEMD, PATH, MANAGER, 'SetUnitProperties', 'sba(sv)', [this.sd.unit, true, asBody(props)]));
    }
  }

  /** Forget a failed unit (ignores "not failed" / "no such unit"). */
  resetFailed(b: DBus): void {
    try {
      b.call(SYSTEMD, PATH, MANAGER, 'ResetFailedUnit', 's', [this.sd.unit]);
    } catch (e) {
      if (!(e instanceof DBusError)) throw e; // not failed, or already gone
    }
  }

  destroy(): void {
    this.v2.destroy();
    this.destroyUnit();
  }

  /** StopUnit and wait for it, then ResetFailedUnit; a unit that is gone already is fine. */
  destroyUnit(): void {
    this.bus(`stop systemd unit ${this.sd.unit}`, (b) => {
      try {
        this.job(b, 'StopUnit', 'ss', [this.sd.unit, 'replace']);
      } catch (e) {
        // Gone already: an empty scope stops by itself and is collected.
        if (!(e instanceof DBusError && /NoSuchUnit|not loaded/i.test(`${e.name} ${e.message}`))) throw e;
      }
      this.resetFailed(b);
    });
  }

  freeze(): void {
    this.v2.freeze();
  }

  thaw(): void {
    this.v2.thaw();
  }

  isFrozen(): boolean {
    return this.v2.isFrozen();
  }

  pids(): number[] {
    return this.v2.pids();
  }

  stats(): Stats {
    return this.v2.stats();
  }

  state(): CgroupState {
    return { layout: 'v2', paths: { '': this.dir }, systemd: { ...this.sd } };
  }
}
