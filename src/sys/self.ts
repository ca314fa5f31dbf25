/**
 * This process: ids, environment, arguments, working directory, stdout/stderr, exit,
 * signals, clocks and sleeping; on the C host module (the CLI) or Node/Bun (the library).
 */
import { nodeModule, qjs } from './host.js';
import { utf8 } from './bytes.js';
import { SIGNALS } from '../spec/signals.js';

type NodeProcess = NodeJS.Process;
const proc = (): NodeProcess => (globalThis as unknown as { process: NodeProcess }).process;

export function pid(): number {
  return qjs ? qjs.ids()[0] : proc().pid;
}

export function euid(): number {
  return qjs ? qjs.ids()[3] : (proc().geteuid?.() ?? 0);
}

export function egid(): number {
  return qjs ? qjs.ids()[5] : (proc().getegid?.() ?? 0);
}

/** The environment (read-only view). */
export function env(): Readonly<Record<string, string | undefined>> {
  return qjs ? qjs.env : proc().env;
}

/** Command-line arguments after the program (and, on Node, the script). */
export function args(): string[] {
  return qjs ? qjs.argv.slice(1) : proc().argv.slice(2);
}

/** The running executable: the runts binary (CLI) or node/bun (library). */
export function executable(): string {
  return qjs ? qjs.exe : proc().execPath;
}

/**
 * The init shim built into this executable: the CLI's static binary holds it (argv[1]
 * "init", "version"... runs it), so it is /proc/self/exe's file. Undefined elsewhere.
 */
export function builtInShim(): string | undefined {
  return qjs ? qjs.exe : undefined;
}

let sealedSelfPath: string | undefined | null = null;

/**
 * The built-in shim as the CLI should spawn it: this binary opened through a detached
 * read-only overlayfs, as /proc/self/fd/N (the fd stays open, close-on-exec, for this
 * process's life), so the shim needs no sealed re-exec of its own (native/cloned.c).
 * Undefined off the CLI or where overlayfs is refused (rootless): the shim seals itself.
 */
export function sealedSelf(): string | undefined {
  if (sealedSelfPath === null) {
    const fd = qjs ? qjs.sealedSelf() : -1;
    sealedSelfPath = fd >= 0 ? `/proc/self/fd/${fd}` : undefined;
  }
  return sealedSelfPath;
}

/** The shim spawned from sealedSelf() has exec'ed: the overlay's mount fd may go. */
export function sealedSpawned(): void {
  if (qjs && sealedSelfPath) qjs.sealedRelease();
}

/** The script being run (Node/Bun: argv[1]; Bun's compiled executable: /$bunfs/...). */
export function scriptPath(): string {
  return qjs ? qjs.exe : (proc().argv[1] ?? '.');
}

export function cwd(): string {
  return qjs ? qjs.cwd() : proc().cwd();
}

let errnoMap: Map<number, [string, string]> | undefined;

/** errno number -> [name, text], e.g. 1 -> ['EPERM', 'operation not permitted']. */
export function errnoInfo(errno: number): [string, string] {
  const n = Math.abs(errno);
  let e: [string, string] | null | undefined;
  if (qjs) e = qjs.errno(n);
  else {
    try {
      errnoMap ??= nodeModule<typeof import('node:util')>('node:util').getSystemErrorMap(); // built on first use: ~9 ms on Bun
    } catch {
      errnoMap = new Map();
    }
    e = errnoMap.get(-n);
  }
  return e ? [e[0], e[1].toLowerCase()] : [`errno ${errno}`, `errno ${errno}`];
}

export function osRelease(): string {
  return qjs ? qjs.release() : nodeModule<typeof import('node:os')>('node:os').release();
}

/** Send signal `sig` (a number, 0 probes, or a name such as SIGKILL) to `target`; throws an errno-coded Error. */
export function kill(target: number, sig: number | string): void {
  const n = typeof sig === 'number' ? sig : SIGNALS[sig];
  if (n === undefined) throw new RangeError(`unknown signal ${sig}`);
  if (qjs) qjs.kill(target, n);
  else proc().kill(target, n);
}

/** Write all of `s` to fd 1 or 2, synchronously (a runtime's output must not be lost on exit). */
export function writeFd(fd: number, s: string | Uint8Array): void {
  const b = typeof s === 'string' ? utf8(s) : s;
  if (!qjs) {
    nodeModule<typeof import('node:fs')>('node:fs').writeSync(fd, b);
    return;
  }
  for (let off = 0; off < b.length; ) off += qjs.write(fd, b, off, b.length - off);
}

export const writeOut = (s: string | Uint8Array): void => writeFd(1, s);
export const writeErr = (s: string | Uint8Array): void => writeFd(2, s);

/** The status the process exits with once nothing is left to do. */
export function setExitCode(code: number): void {
  if (qjs) qjs.exitCode = code;
  else proc().exitCode = code;
}

export function exit(code: number): never {
  if (qjs) return qjs.exit(code);
  return proc().exit(code);
}

/** Wall-clock milliseconds since the epoch. */
export function now(): number {
  return qjs ? qjs.clock(0) : Date.now();
}

/** Monotonic milliseconds (fractional), for measuring. */
export function monotonic(): number {
  return qjs ? qjs.clock(1) : Number(proc().hrtime.bigint()) / 1e6;
}

const sleepCell = typeof SharedArrayBuffer === 'function' ? new Int32Array(new SharedArrayBuffer(4)) : undefined;
/** Block the whole process for `ms` (short waits in sync code paths only). */
export function sleepSync(ms: number): void {
  if (qjs) qjs.sleep(ms);
  else Atomics.wait(sleepCell!, 0, 0, ms);
}

/** Resolve after `ms` (the event loop keeps running). */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => {
    if (qjs) qjs.setTimer(ms, resolve);
    else setTimeout(resolve, ms);
  });
}

/** A timer that can be cancelled; returns the cancel function. */
export function timer(ms: number, cb: () => void): () => void {
  const h = qjs;
  if (h) {
    const id = h.setTimer(ms, cb);
    return () => h.clearTimer(id);
  }
  const t = setTimeout(cb, ms);
  return () => clearTimeout(t);
}

/**
 * Listen for signal `name` until the returned function is called. On the CLI the signal
 * is blocked and read through a signalfd; on Node/Bun it is process.on.
 */
export function onSignal(name: NodeJS.Signals, cb: () => void): () => void {
  const h = qjs;
  const signo = SIGNALS[name];
  if (signo === undefined) throw new RangeError(`unknown signal ${name}`);
  if (h) {
    h.onSignal(signo, cb);
    return () => h.onSignal(signo, null);
  }
  const p = proc();
  p.on(name, cb);
  return () => void p.off(name, cb);
}

/**
 * A cancellation signal and its trigger. Node/Bun: an AbortController. The CLI's engine
 * has none; there it is the part of AbortSignal runts's own loops use (aborted, reason,
 * abort listeners).
 */
export function abortable(): { signal: AbortSignal; abort(): void } {
  if (typeof AbortController === 'function') {
    const c = new AbortController();
    return { signal: c.signal, abort: () => c.abort() };
  }
  const listeners = new Set<() => void>();
  const signal = {
    aborted: false,
    reason: undefined as unknown,
    addEventListener: (_type: string, f: () => void) => void listeners.add(f),
    removeEventListener: (_type: string, f: () => void) => void listeners.delete(f),
    throwIfAborted() {
      if (signal.aborted) throw signal.reason;
    },
  };
  return {
    signal: signal as unknown as AbortSignal,
    abort() {
      if (signal.aborted) return;
      signal.aborted = true;
      signal.reason = new Error('aborted');
      for (const f of [...listeners]) f();
      listeners.clear();
    },
  };
}
