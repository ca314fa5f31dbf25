/**
 * The runtime: a state root plus options. It creates, runs, loads and lists containers.
 */
import { existsSync, readFileSync } from 'node:fs';
import { constants as osConstants } from 'node:os';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Container, toState } from './container/container.js';
import type { RuntimeConfig } from './container/context.js';
import type { CreateOptions } from './container/create.js';
import { resolveRootfs } from './container/rootfs.js';
import { RuntsError } from './errors.js';
import { Msg } from './process/protocol.js';
import type { ShimSession, StdioEntry } from './process/shim.js';
import { resolveUser } from './spec/passwd.js';
import type { Process, Spec, State } from './spec/types.js';
import { Store } from './state/store.js';
import type { RestoreOptions } from './criu/restore.js';
import { defaultStateRoot, isRootless } from './sys/rootless.js';
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
  user?: string | { uid: number; gid: number; additionalGids?: number[]; umask?: number };
}

/** Options of Runtime.run. */
export interface RunOptions extends CreateOptions {
  /** Overrides spec.process (merged over it). */
  process?: ProcessOptions;
}

/** How a process ended. */
export interface ExitStatus {
  /** Exit code, or 128 + signal number when killed (as a shell reports it). */
  code: number;
  /** Name of the signal that killed it, if any. */
  signal?: NodeJS.Signals;
}

/** A process running in a container, started by Runtime.run. */
export class ContainerProcess {
  /** Host pid of the process. */
  readonly pid: number;
  /** The container's stdin, when stdio[0] was 'pipe'. */
  readonly stdin: NodeJS.WritableStream | null;
  /** The container's stdout, when stdio[1] was 'pipe'. */
  readonly stdout: NodeJS.ReadableStream | null;
  /** The container's stderr, when stdio[2] was 'pipe'. */
  readonly stderr: NodeJS.ReadableStream | null;
  private readonly shim: ShimSession;
  private exit: Promise<ExitStatus> | undefined;

  /** @internal */
  constructor(shim: ShimSession, pid: number) {
    this.shim = shim;
    this.pid = pid;
    this.stdin = shim.child.stdin;
    this.stdout = shim.child.stdout;
    this.stderr = shim.child.stderr;
  }

  /**
   * Wait for the process to exit. It resolves only once the piped stdout and stderr
   * have ended too (as node's 'close'), so a 'data' listener has seen every byte.
   */
  wait(): Promise<ExitStatus> {
    this.exit ??= this.shim.expect(Msg.EXIT, 'the exit status', Infinity).then(
      async (f) => {
        this.shim.close();
        await this.shim.closed();
        return decodeWaitStatus(f.payload.readInt32LE(0));
      },
      async (e) => {
        this.shim.close();
        await this.shim.closed();
        const ex = await this.shim.wait();
        if (ex.code !== null && ex.code !== 1) return { code: ex.code };
        throw e;
      },
    );
    return this.exit;
  }

  /** Send a signal to the process. */
  signal(sig: NodeJS.Signals | number = 'SIGTERM'): void {
    process.kill(this.pid, sig);
  }
}

/** Decode a raw wait(2) status. */
export function decodeWaitStatus(ws: number): ExitStatus {
  const sig = ws & 0x7f;
  if (sig === 0) return { code: (ws >> 8) & 0xff };
  const name = Object.entries(osConstants.signals).find(([, n]) => n === sig)?.[0] as NodeJS.Signals | undefined;
  return name ? { code: 128 + sig, signal: name } : { code: 128 + sig };
}

/** Default shim path: native/build/runts-init next to this package's dist/. */
export function defaultShimPath(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  return resolve(here, '..', '..', 'native', 'build', 'runts-init');
}

/** A runtime bound to a state root. */
export class Runtime {
  /** The resolved configuration. */
  readonly config: RuntimeConfig;
  private readonly store: Store;

  constructor(opts: RuntimeOptions = {}) {
    const rootless = opts.rootless ?? isRootless();
    this.config = {
      root: resolve(opts.root ?? defaultStateRoot(rootless)),
      shimPath: opts.shimPath ?? defaultShimPath(),
      cgroups: opts.cgroups ?? !rootless,
      rootless,
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
  async run(id: string, spec: Spec, opts: RunOptions = {}): Promise<{ container: Container; process: ContainerProcess }> {
    const bundle = resolve(opts.bundle ?? process.cwd());
    const merged = withProcess(spec, bundle, opts.process);
    const stdio: StdioEntry[] = opts.stdio ?? ['pipe', 'pipe', 'pipe'];
    const { launch } = await loadCreate();
    const l = await launch(this.config, this.store, id, merged, 'run', { ...opts, bundle, stdio });
    return { container: new Container(this.config, this.store, id), process: new ContainerProcess(l.shim, l.state.pid) };
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
      if (!(e instanceof RuntsError && e.code === 'ENOTFOUND' && existsSync(this.store.dir(id)))) throw e;
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
    return readFileSync(secureJoin(rootfs, path), 'utf8');
  } catch {
    return undefined;
  }
}
