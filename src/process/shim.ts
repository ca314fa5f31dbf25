/**
 * Spawning the init shim and talking to it (the frames of protocol.ts).
 *
 * The shim is spawned with stdio entries 0..2 (and preserved fds 3..3+N-1) passed as
 * given, plus one extra 'pipe' entry, which Node and Bun both create as a unix stream
 * socketpair: that is the sync socket. Its fd number goes in argv.
 */
import { RuntsError } from '../errors.js';
import { encodePlan, parseTlv } from '../plan/encode.js';
import type { InitPlan } from '../plan/types.js';
import { FRAME_HEADER, MAX_FRAME, Msg, Tag } from './protocol.js';
import { remember, shimExe, startTimeOf, type ShimExe } from './sealed.js';
import { spawnShim, type ShimChild, type ShimExit, type ShimTransport } from '../sys/transport.js';

/** One frame from the shim. */
export interface Frame {
  type: number;
  payload: Uint8Array;
}

/** One stdio entry for the shim: inherit a parent fd, a stream, 'pipe', 'ignore' or 'inherit'. */
export type StdioEntry = 'pipe' | 'ignore' | 'inherit' | number | NodeJS.ReadableStream | NodeJS.WritableStream | null | undefined;

/** Options of spawnShim. */
export interface SpawnShimOptions {
  shimPath: string;
  /** Entries for fds 0, 1, 2 and any preserved fds 3.. (default: inherit 0..2). */
  stdio?: StdioEntry[];
  /** Called with the shim's pid before the plan is sent (e.g. join a cgroup). */
  beforePlan?: (pid: number) => void;
  /** Milliseconds to wait for each frame (default 60 s). */
  timeoutMs?: number;
}

import { errnoInfo, sealedSpawned, timer } from '../sys/self.js';
import { concat, text, view } from '../sys/bytes.js';
export { errnoInfo };

/** Turn an ERROR frame payload into a RuntsError. */
export function shimError(payload: Uint8Array, label: string): RuntsError {
  let step = 'init';
  let syscall = '';
  let path = '';
  let errno = 0;
  let detail = '';
  for (const [tag, v] of parseTlv(payload)) {
    if (tag === Tag.ERR_STEP) step = text(v);
    else if (tag === Tag.ERR_SYSCALL) syscall = text(v);
    else if (tag === Tag.ERR_PATH) path = text(v);
    else if (tag === Tag.ERR_ERRNO) errno = view(v).getInt32(0, true);
    else if (tag === Tag.ERR_DETAIL) detail = text(v);
  }
  const [name, why] = errnoInfo(errno);
  let msg = step;
  if (detail) msg += ` ${detail}`;
  else if (path) msg += ` ${path}`;
  if (errno) msg += `: ${why}`;
  else if (!detail) msg += ': failed';
  const details: ConstructorParameters<typeof RuntsError>[2] = { step };
  if (errno) details.errno = name;
  if (syscall) details.syscall = syscall;
  if (path) details.path = path;
  return new RuntsError('ESHIM', label ? `${msg}` : msg, details);
}

/** A running shim and its sync socket. */
export class ShimSession {
  /** The shim process (stdin/stdout/stderr are streams where stdio asked for 'pipe'). */
  readonly child: ShimChild;
  private readonly io: ShimTransport;
  private buf: Uint8Array = new Uint8Array(0);
  private frames: Frame[] = [];
  private waiter: ((f: Frame | null) => void) | undefined;
  private ended = false;
  private killed = false;
  private exited: Promise<ShimExit>;
  private readonly timeoutMs: number;
  /** Set until the first frame: then the shim's protected exe may be kept (sealed.ts). */
  private sealed: { path: string; exe: ShimExe; start: number } | undefined;

  private constructor(io: ShimTransport, timeoutMs: number) {
    this.io = io;
    this.child = io.child;
    this.timeoutMs = timeoutMs;
    this.exited = io.exited;
    io.listen((d) => this.onData(d), () => this.onEnd());
  }

  /** Spawn the shim and send the plan. */
  static start(plan: InitPlan, opts: SpawnShimOptions): ShimSession {
    const s = ShimSession.spawn(opts);
    s.begin(plan, opts.beforePlan);
    return s;
  }

  /**
   * Spawn the shim without its plan: it starts (exec, dynamic linking, the protecting
   * re-exec of cloned.c) and waits for PLAN, so a caller can overlap that with its own
   * work and send the plan with begin(). kill() it if the plan never comes.
   */
  static spawn(opts: Omit<SpawnShimOptions, 'beforePlan'>): ShimSession {
    const stdio: StdioEntry[] = opts.stdio ? [...opts.stdio] : ['inherit', 'inherit', 'inherit'];
    let io: ShimTransport;
    const exe = shimExe(opts.shimPath);
    try {
      io = spawnShim(exe.exe, ['init', String(stdio.length)], stdio, 'runts-init');
      sealedSpawned(); // it has exec'ed (the spawn waits for that)
    } catch (e) {
      throw new RuntsError('ESYS', `spawn init shim ${opts.shimPath}: ${(e as Error).message}`, { cause: e });
    }
    const s = new ShimSession(io, opts.timeoutMs ?? 60_000);
    if (exe.key && exe.exe === opts.shimPath && io.child.pid) s.sealed = { path: opts.shimPath, exe, start: startTimeOf(io.child.pid) };
    return s;
  }

  /** Send the plan to a spawned shim; `beforePlan(pid)` runs first (e.g. to join cgroups). */
  begin(plan: InitPlan, beforePlan?: (pid: number) => void): void {
    try {
      beforePlan?.(this.child.pid!);
      this.send(Msg.PLAN, encodePlan(plan));
    } catch (e) {
      this.kill();
      throw e;
    }
  }

  get pid(): number {
    return this.child.pid ?? 0;
  }

  /** Send a frame. */
  send(type: number, payload: Uint8Array = new Uint8Array(0)): void {
    const h = new Uint8Array(FRAME_HEADER);
    view(h).setUint32(0, payload.length, true);
    view(h).setUint16(4, type, true);
    this.io.write(payload.length ? concat([h, payload]) : h);
  }

  /** Resolve once every frame written so far has been handed to the kernel. */
  flush(): Promise<void> {
    return this.io.flush();
  }

  private onData(d: Uint8Array): void {
    this.buf = this.buf.length ? concat([this.buf, d]) : d;
    while (this.buf.length >= FRAME_HEADER) {
      const len = view(this.buf).getUint32(0, true);
      if (len > MAX_FRAME) {
        this.onEnd();
        return;
      }
      if (this.buf.length < FRAME_HEADER + len) break;
      const f = { type: view(this.buf).getUint16(4, true), payload: this.buf.subarray(FRAME_HEADER, FRAME_HEADER + len) };
      if (this.sealed && f.type !== Msg.ERROR) {
        remember(this.sealed.path, this.sealed.exe, this.pid, this.sealed.start);
        this.sealed = undefined;
      }
      this.buf = this.buf.subarray(FRAME_HEADER + len);
      this.push(f);
    }
  }

  private push(f: Frame | null): void {
    const w = this.waiter;
    if (w) {
      this.waiter = undefined;
      w(f);
    } else if (f) this.frames.push(f);
  }

  private onEnd(): void {
    if (this.ended) return;
    this.ended = true;
    this.push(null);
  }

  /** The next frame, or null at EOF. Rejects after the timeout. */
  next(timeoutMs = this.timeoutMs): Promise<Frame | null> {
    const f = this.frames.shift();
    if (f) return Promise.resolve(f);
    if (this.ended) return Promise.resolve(null);
    return new Promise((resolve, reject) => {
      const cancel = timeoutMs === Infinity ? undefined : timer(timeoutMs, () => {
        this.waiter = undefined;
        reject(new RuntsError('ETIMEOUT', `init shim (pid ${this.pid}): no answer after ${timeoutMs} ms`));
      });
      this.waiter = (fr) => {
        cancel?.();
        resolve(fr);
      };
    });
  }

  /**
   * Wait for a frame of the given type. An ERROR frame becomes a thrown RuntsError; EOF
   * becomes an error carrying the shim's exit status.
   */
  async expect(type: number, what: string, timeoutMs = this.timeoutMs): Promise<Frame> {
    for (;;) {
      const f = await this.next(timeoutMs);
      if (f === null) throw await this.deathError(what);
      if (f.type === Msg.ERROR) throw shimError(f.payload, what);
      if (f.type === type) return f;
    }
  }

  /** The error for a shim that went away without a frame. */
  async deathError(what: string): Promise<RuntsError> {
    let cancel: (() => void) | undefined;
    const ex = await Promise.race([this.exited, new Promise<null>((r) => (cancel = timer(2000, () => r(null))))]);
    cancel?.();
    const how = ex === null ? 'closed its socket' : ex.signal ? `was killed by ${ex.signal}` : `exited with status ${ex.code}`;
    return new RuntsError('ESHIM', `init shim ${how} while waiting for ${what}`, { step: what });
  }

  /** Wait for the shim process itself to exit. */
  wait(): Promise<ShimExit> {
    return this.exited;
  }

  /** Resolves once the shim exited and its piped stdio streams ended (call close() first). */
  closed(): Promise<void> {
    return this.io.closed;
  }

  /** Close our end of the sync socket. */
  close(): void {
    this.io.close();
  }

  /** SIGKILL the shim (cleanup paths). */
  kill(): void {
    if (this.killed) return;
    this.killed = true;
    try {
      this.io.kill();
    } catch {
      /* already gone */
    }
    this.close();
  }
}
