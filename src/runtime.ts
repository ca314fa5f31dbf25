/**
 * The runtime: a state root plus options. It creates, runs, loads and lists containers.
 */
import * as fs from './sys/fs.js';
import { cwd, euid } from './sys/self.js';
import { dirname, fileUrlPath, resolve } from './sys/path.js';
import { Container, toState } from './container/container.js';
import type { RuntimeConfig } from './container/context.js';
import type { CreateOptions } from './container/create.js';
import { resolveRootfs } from './container/rootfs.js';
import { RuntsError } from './errors.js';
import type { StdioEntry } from './process/shim.js';
import { abortError, checkAbortOptions, ContainerProcess, type AbortOptions, type Output, type OutputOptions } from './container/process.js';
import { resolveUser } from './spec/passwd.js';
import type { NumericUser } from './spec/build.js';
import type { Process, Spec, State } from './spec/types.js';
import { Store } from './state/store.js';
import type { RestoreOptions } from './criu/restore.js';
import { defaultStateRoot, isRootless, ownUidMap, systemdUserInstance } from './sys/rootless.js';
import { secureJoin } from './sys/secure-join.js';

/** Options of a Runtime. */
export interface RuntimeOptions {
  /** State root (default /run/runts). Each container gets a directory in it. */
  root?: string;
  /** Path of the init shim (default: native/build/runts-init of this package). */
  shimPath?: string;
  /** false: run containers without cgroups (default: true for root, false when rootless). */
  cgroups?: boolean;
  /** Rootless mode (default: when not root): state under $XDG_RUNTIME_DIR/runts, maps through newuidmap. */
  rootless?: boolean;
  /**
   * The systemd cgroup driver (runc's `--systemd-cgroup`): each container's cgroup is a
   * transient scope made by systemd over D-Bus, `linux.cgroupsPath` is `slice:prefix:name`
   * (default `system.slice:runts:<id>`). cgroup v2 hosts. Rootless, the user's own systemd
   * instance (bus: DBUS_SESSION_BUS_ADDRESS or $XDG_RUNTIME_DIR/bus) makes it in its
   * user.slice, with the controllers delegated to the user; cgroups then default to on.
   * Default false.
   */
  systemdCgroup?: boolean;
  /** Called with each warning about the config (default: ignore). */
  onWarning?: (message: string) => void;
}

/** The process of Runtime.run: what to run, as whom, with which stdio. */
export interface ProcessOptions extends Partial<Omit<Process, 'user'>> {
  /** Command and arguments (args[0] is looked up in the container's PATH). */
  args: string[];
  /**
   * The user: a name or "name:group" or "uid:gid" resolved through the container's
   * /etc/passwd and /etc/group, or numeric ids.
   */
  user?: string | NumericUser;
}

/** Options of Runtime.run. */
export interface RunOptions extends CreateOptions, AbortOptions {
  /** Overrides spec.process (merged over it). */
  process?: ProcessOptions;
}

/**
 * What Runtime.run gives: the container and its running process. `await using` (or
 * dispose()) kills the process if it still runs and force-deletes the container.
 */
export interface RunResult extends AsyncDisposable {
  /** The container, running its process. */
  container: Container;
  /** The container's process (its init). */
  process: ContainerProcess;
  /** Kill the process if it still runs, wait for it, force-delete the container (cgroup, state, mounts). */
  dispose(): Promise<void>;
}

/**
 * Runtime.run's promise, with `output()`: run to completion, capture stdout/stderr, and
 * delete the container, in one call.
 */
export interface RunPromise extends Promise<RunResult> {
  /** Await the run, collect its output (see ContainerProcess.output), then force-delete the container. */
  output(opts?: OutputOptions): Promise<Output>;
}

export { ContainerProcess, decodeWaitStatus, type ExitStatus } from './container/process.js';

/**
 * The shim this package ships (native/build/runts-init, static, linux-x64). On another
 * platform there is none: say so at once rather than fail later with ENOENT or ENOEXEC.
 */
function bundledShimPath(): string {
  const { platform, arch } = globalThis.process;
  if (platform !== 'linux' || arch !== 'x64') {
    throw new RuntsError('EUNSUPPORTED', `runts ships its init shim for linux-x64 only, not ${platform}-${arch}: build native/build/runts-init from the sources (make native, Linux only) and pass it as shimPath`);
  }
  return defaultShimPath();
}

/** Default shim path: native/build/runts-init next to this package's dist/. */
export function defaultShimPath(): string {
  const here = dirname(fileUrlPath(import.meta.url));
  return resolve(here, '..', '..', 'native', 'build', 'runts-init');
}

/** A runtime bound to a state root. */
export class Runtime {
  /** The resolved configuration. */
  readonly config: RuntimeConfig;
  private readonly store: Store;

  /** A runtime with its state root and options (nothing is created until a container is). */
  constructor(opts: RuntimeOptions = {}) {
    const rootless = opts.rootless ?? isRootless();
    const systemdUser = !!opts.systemdCgroup && systemdUserInstance(rootless, opts.rootless, euid(), ownUidMap());
    this.config = {
      root: resolve(opts.root ?? defaultStateRoot(rootless)),
      shimPath: opts.shimPath ?? bundledShimPath(),
      cgroups: opts.cgroups ?? (!rootless || !!opts.systemdCgroup),
      rootless,
      ...(opts.systemdCgroup ? { systemdCgroup: true } : {}),
      ...(systemdUser ? { systemdUser: true } : {}),
      ...(opts.onWarning ? { onWarning: opts.onWarning } : {}),
    };
    this.store = new Store(this.config.root);
  }

  /**
   * OCI create: set up the container and park its init before the user process; it runs
   * on `container.start()`. The init is not a child of this process.
   */
  async create(id: string, spec: Spec, opts: CreateOptions = {}): Promise<Container> {
    const { launch } = await loadCreate();
    await launch(this.config, this.store, id, spec, 'create', opts);
    return new Container(this.config, this.store, id);
  }

  /**
   * Create a container and run its process now; `process.wait()` gives its exit status.
   * stdio defaults to 'pipe' (streams on the returned process). The container stays
   * (stopped) after the process exits until `container.delete()`.
   */
  run(id: string, spec: Spec, opts: RunOptions = {}): RunPromise {
    const p = this.runToResult(id, spec, opts);
    return Object.assign(p, {
      output: (o: OutputOptions = {}) => p.then(async (r) => {
        try {
          return await r.process.output(o);
        } finally {
          await r.dispose();
        }
      }),
    });
  }

  private async runToResult(id: string, spec: Spec, opts: RunOptions): Promise<RunResult> {
    const what = `run of container ${id}`;
    checkAbortOptions(opts);
    if (opts.signal?.aborted) throw abortError(what, opts.signal.reason);
    const bundle = resolve(opts.bundle ?? cwd());
    const merged = withProcess(spec, bundle, opts.process);
    const stdio: StdioEntry[] = opts.stdio ?? ['pipe', 'pipe', 'pipe'];
    const { launch } = await loadCreate();
    const { signal: _s, killSignal: _k, ...createOpts } = opts;
    const l = await launch(this.config, this.store, id, merged, 'run', { ...createOpts, bundle, stdio });
    const container = new Container(this.config, this.store, id);
    const proc = new ContainerProcess(l.shim, l.state.pid, { what, undo: () => container.dispose() }, opts);
    const dispose = () => proc.dispose();
    if (opts.signal?.aborted) {
      await dispose(); // aborted while it was being created: undo it all
      throw abortError(what, opts.signal.reason);
    }
    return { container, process: proc, dispose, [Symbol.asyncDispose]: dispose };
  }

  /** Run with the monitor but let the caller own the foreground (CLI `run`). @internal */
  async runForeground(id: string, spec: Spec, opts: CreateOptions, detach: boolean): Promise<ContainerProcess | number> {
    const { launch } = await loadCreate();
    const l = await launch(this.config, this.store, id, spec, detach ? 'detach' : 'run', detach ? opts : { ...opts, execWait: false });
    return detach ? l.state.pid : new ContainerProcess(l.shim, l.state.pid);
  }

  /**
   * Restore a container from a checkpoint (CRIU, src/criu/): state, cgroups, mounts and
   * namespaces as if it had been created; its init is not a child of this process.
   */
  async restore(id: string, opts: RestoreOptions = {}): Promise<Container> {
    const { restore: criuRestore } = await import('./criu/restore.js');
    await criuRestore(this.config, this.store, id, opts);
    return new Container(this.config, this.store, id);
  }

  /** Restore and, unless detached, wait: the exit status of the restored init (CLI `restore`). @internal */
  async restoreForeground(id: string, opts: RestoreOptions, detach: boolean): Promise<{ pid: number; wait: () => Promise<number> }> {
    const { restore: criuRestore } = await import('./criu/restore.js');
    const r = await criuRestore(this.config, this.store, id, opts, !detach);
    return { pid: r.state.pid, wait: async () => (detach ? 0 : ((await r.session.wait()).code ?? 1)) };
  }

  /** The container with this id (ENOTFOUND when it does not exist). */
  load(id: string): Container {
    try {
      this.store.read(id);
    } catch (e) {
      // A bare reservation (its creator was killed between mkdir and the first state
      // write) still loads, so that delete --force can remove it; it reads as missing.
      if (!(e instanceof RuntsError && e.code === 'ENOTFOUND' && fs.exists(this.store.dir(id)))) throw e;
    }
    return new Container(this.config, this.store, id);
  }

  /** OCI state of every container under the root. */
  list(): State[] {
    const out: State[] = [];
    for (const id of this.store.ids()) {
      try {
        out.push(toState(this.store.read(id)));
      } catch (e) {
        if (!(e instanceof RuntsError && e.code === 'ENOTFOUND')) throw e;
      }
    }
    return out;
  }
}

/**
 * The create code (validation, plan, cgroups, shim) loads on first use: `state`, `list`,
 * `kill` and `delete` from the CLI never need it (~1-2 ms of module start-up on Bun).
 */
function loadCreate(): Promise<typeof import('./container/create.js')> {
  return import('./container/create.js');
}

/** spec with its process replaced/merged by the library's ProcessOptions (users resolved in the rootfs). */
export function withProcess(spec: Spec, bundle: string, p: ProcessOptions | undefined): Spec {
  if (!p) return spec;
  const base: Process = spec.process ?? { user: { uid: 0, gid: 0 }, cwd: '/' };
  const { user, ...rest } = p;
  const proc: Process = { ...base, ...rest, user: base.user };
  if (typeof user === 'string') {
    const rootfs = resolveRootfs(spec, bundle);
    const r = resolveUser(user, readRootfsFile(rootfs, '/etc/passwd'), readRootfsFile(rootfs, '/etc/group'));
    proc.user = { uid: r.uid, gid: r.gid, additionalGids: r.additionalGids };
    if (!p.env?.some((e) => e.startsWith('HOME='))) proc.env = [...(proc.env ?? []), `HOME=${r.home}`];
  } else if (user) {
    proc.user = user;
  }
  return { ...spec, process: proc };
}

/** Text of a file inside a rootfs, symlinks resolved inside it; undefined when unreadable. */
export function readRootfsFile(rootfs: string, path: string): string | undefined {
  try {
    return fs.readText(secureJoin(rootfs, path));
  } catch {
    return undefined;
  }
}
