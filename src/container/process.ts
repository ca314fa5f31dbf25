/**
 * A process running in a container (Runtime.run's init, or Container.exec's process):
 * its stdio, its exit status, cancellation and scoped cleanup, and output capture.
 *
 * Ordering, as execa and node's 'close': the exit status is reported only once the
 * process has exited AND its piped stdout/stderr have ended, so output read through the
 * streams is complete when wait() resolves.
 *
 * Cancellation: an AbortSignal given to run/exec (or wait) kills the process (SIGKILL
 * unless `killSignal`) once it aborts, waits for it to be gone, undoes what the call
 * created (run: the container), and wait() rejects with RuntsError code EABORT.
 */
import { RuntsError } from '../errors.js';
import { Msg } from '../process/protocol.js';
import type { ShimSession } from '../process/shim.js';
import { parseSignal, signalName } from '../spec/signals.js';
import { kill } from '../sys/self.js';
import { view } from '../sys/bytes.js';

/** How a process ended. */
export interface ExitStatus {
  /** Exit code, or 128 + signal number when killed (as a shell reports it). */
  code: number;
  /** Name of the signal that killed it, if any. */
  signal?: NodeJS.Signals;
}

/** Cancellation options of run, exec and wait. */
export interface AbortOptions {
  /**
   * Aborting it kills the process, removes what the call created (run: the container)
   * and makes wait() reject with a RuntsError of code `EABORT`. `AbortSignal.timeout(ms)`
   * makes a time limit.
   */
  signal?: AbortSignal;
  /** The signal that kills the process on abort (default SIGKILL). */
  killSignal?: NodeJS.Signals | number;
}

/** Options of ContainerProcess.output. */
export interface OutputOptions extends AbortOptions {
  /**
   * Keep at most this many bytes of stdout and of stderr each (default 16 MiB). The
   * rest is read and dropped, so the process never blocks on a full pipe, and
   * `truncated` says so.
   */
  maxBytes?: number;
  /** Written to the process's stdin (when it is a pipe), which is then closed. Without it a piped stdin is closed at once. */
  input?: string | Uint8Array;
}

/** What output() collected: the exit status and the captured text. */
export interface Output extends ExitStatus {
  /** stdout as UTF-8 text ('' when stdout was not a pipe). */
  stdout: string;
  /** stderr as UTF-8 text ('' when stderr was not a pipe). */
  stderr: string;
  /** true when stdout or stderr was longer than `maxBytes` and was cut there. */
  truncated: boolean;
}

/** @internal What the creating call wants done on abort or dispose (run: delete the container). */
export interface Cleanup {
  /** Label for the EABORT message, e.g. `run of container job-1`. */
  what: string;
  /** Undo what the call created; runs once, after the process is gone. */
  undo?: () => void;
}

/** A process running in a container, from Runtime.run or Container.exec. */
export class ContainerProcess implements AsyncDisposable {
  /** Host pid of the process. */
  readonly pid: number;
  /** The process's stdin, when stdio[0] was 'pipe'. */
  readonly stdin: NodeJS.WritableStream | null;
  /** The process's stdout, when stdio[1] was 'pipe'. */
  readonly stdout: NodeJS.ReadableStream | null;
  /** The process's stderr, when stdio[2] was 'pipe'. */
  readonly stderr: NodeJS.ReadableStream | null;
  private readonly shim: ShimSession;
  private readonly cleanup: Cleanup;
  private exit: Promise<ExitStatus> | undefined;
  private done = false;
  private aborted: { reason: unknown } | undefined;
  private undone: Promise<void> | undefined;
  private detach: (() => void) | undefined;

  /** @internal */
  constructor(shim: ShimSession, pid: number, cleanup: Cleanup = { what: `process ${pid}` }, abort: AbortOptions = {}) {
    this.shim = shim;
    this.pid = pid;
    this.cleanup = cleanup;
    this.stdin = shim.child.stdin;
    this.stdout = shim.child.stdout;
    this.stderr = shim.child.stderr;
    // Watch for the exit from the start, waited for or not: once it is known, no abort,
    // dispose() or late listener sends a signal to a pid the kernel may have reused.
    void this.exited().catch(() => {});
    if (abort.signal && !this.done) this.detach = this.onAbort(abort.signal, abort.killSignal, true);
  }

  /**
   * Wait for the process to exit. It resolves only once the piped stdout and stderr
   * have ended too (as node's 'close'), so a 'data' listener has seen every byte.
   * Rejects with code EABORT when the call's signal (or `opts.signal`) aborted first.
   */
  async wait(opts: AbortOptions = {}): Promise<ExitStatus> {
    const off = opts.signal ? this.onAbort(opts.signal, opts.killSignal, false) : undefined;
    let local: { reason: unknown } | undefined;
    if (opts.signal) {
      const s = opts.signal;
      if (s.aborted && !this.done) local = { reason: s.reason };
      else s.addEventListener('abort', () => (local ??= this.done ? undefined : { reason: s.reason }), { once: true });
    }
    try {
      const st = await this.exited().catch((e) => {
        if (this.aborted || local) return null; // killed on purpose: the abort is the answer
        throw e;
      });
      const why = this.aborted ?? local;
      if (why) {
        if (this.aborted) await this.undo();
        throw abortError(this.cleanup.what, why.reason);
      }
      return st!;
    } finally {
      off?.();
    }
  }

  /** Send a signal to the process. */
  signal(sig: NodeJS.Signals | number = 'SIGTERM'): void {
    kill(this.pid, parseSignal(sig));
  }

  /**
   * Collect stdout and stderr (the pipes ones) as text and wait for the exit status.
   * Piped stdin gets `input` (or nothing) and is closed. With `signal`, an abort kills
   * the process and rejects with EABORT, as wait().
   */
  async output(opts: OutputOptions = {}): Promise<Output> {
    const max = opts.maxBytes ?? 16 * 1024 * 1024;
    if (!Number.isInteger(max) || max < 0) throw new RuntsError('EINVALID', `output: maxBytes must be a non-negative integer, got ${String(opts.maxBytes)}`);
    const out = collect(this.stdout, max);
    const err = collect(this.stderr, max);
    if (this.stdin) {
      this.stdin.on('error', () => {}); // a process that exits without reading: EPIPE is not the caller's error
      if (opts.input !== undefined) this.stdin.end(opts.input);
      else this.stdin.end();
    }
    const st = await this.wait(opts);
    return { ...st, stdout: out.text(), stderr: err.text(), truncated: out.cut() || err.cut() };
  }

  /**
   * Scoped cleanup (`await using`): kill the process if it still runs (SIGKILL), wait
   * for it, and remove what its call created (run: the container, force-deleted).
   * Safe to call more than once, and after the container is gone.
   */
  async dispose(): Promise<void> {
    if (!this.done) {
      try {
        kill(this.pid, 9);
      } catch {
        /* already gone */
      }
    }
    await this.exited().catch(() => {});
    await this.undo();
  }

  /** `await using p = await container.exec(...)`: see dispose(). */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.dispose();
  }

  /** The exit status once the process is gone and its pipes ended (never EABORT). */
  private exited(): Promise<ExitStatus> {
    this.exit ??= this.shim.expect(Msg.EXIT, 'the exit status', Infinity).then(
      async (f) => {
        this.shim.close();
        await this.shim.closed();
        return decodeWaitStatus(view(f.payload).getInt32(0, true));
      },
      async (e) => {
        this.shim.close();
        await this.shim.closed();
        const ex = await this.shim.wait();
        if (ex.code !== null && ex.code !== 1) return { code: ex.code };
        throw e;
      },
    );
    return this.exit.finally(() => {
      this.done = true;
      this.detach?.();
    });
  }

  /** Kill on abort; `own`: the call's signal (the abort also undoes the call). Returns the detacher. */
  private onAbort(signal: AbortSignal, killSignal: NodeJS.Signals | number = 'SIGKILL', own: boolean): () => void {
    const sig = parseSignal(killSignal);
    const fire = () => {
      if (this.done) return;
      if (own) this.aborted ??= { reason: signal.reason };
      try {
        kill(this.pid, sig);
      } catch {
        /* already gone */
      }
      // Cleanup happens whether or not anyone waits: nothing is left behind.
      if (own) void this.exited().catch(() => {}).then(() => this.undo());
    };
    if (signal.aborted) {
      fire();
      return () => {};
    }
    signal.addEventListener('abort', fire, { once: true });
    return () => signal.removeEventListener('abort', fire);
  }

  private undo(): Promise<void> {
    this.undone ??= Promise.resolve().then(() => this.cleanup.undo?.());
    return this.undone;
  }
}

/** Throw (EINVALID) on a killSignal that names no signal, before anything is created. */
export function checkAbortOptions(opts: AbortOptions): void {
  if (opts.killSignal !== undefined) {
    try {
      parseSignal(opts.killSignal);
    } catch (e) {
      throw new RuntsError('EINVALID', `killSignal: ${(e as Error).message}`, { cause: e });
    }
  }
}

/** The EABORT error for `what`, with the signal's reason as cause (TimeoutError for AbortSignal.timeout). */
export function abortError(what: string, reason: unknown): RuntsError {
  const why = reason instanceof Error && reason.name === 'TimeoutError' ? 'timed out' : 'aborted';
  return new RuntsError('EABORT', `${what}: ${why}`, { cause: reason });
}

/** Decode a raw wait(2) status. */
export function decodeWaitStatus(ws: number): ExitStatus {
  const sig = ws & 0x7f;
  if (sig === 0) return { code: (ws >> 8) & 0xff };
  const name = signalName(sig) as NodeJS.Signals | undefined;
  return name ? { code: 128 + sig, signal: name } : { code: 128 + sig };
}

/** Gather a stream's first `max` bytes; the rest is read and dropped. */
function collect(s: NodeJS.ReadableStream | null, max: number): { text: () => string; cut: () => boolean } {
  const chunks: Buffer[] = [];
  let size = 0;
  let cut = false;
  s?.on('data', (d: Buffer | string) => {
    const b = typeof d === 'string' ? Buffer.from(d) : d;
    const room = max - size;
    if (b.length > room) cut = true;
    if (room <= 0) return;
    const keep = b.length > room ? b.subarray(0, room) : b;
    chunks.push(keep);
    size += keep.length;
  });
  return { text: () => Buffer.concat(chunks).toString('utf8'), cut: () => cut };
}
