/**
 * Running helper programs: to completion, synchronously (runSync: the shim's bpf-devices
 * mode, ps, newuidmap, criu --version) or without blocking the event loop (run: hooks
 * with timeouts). On the CLI through the C host module, on Node/Bun through
 * node:child_process. stdin is fed from `input`; stdout and stderr are collected.
 */
import { nodeModule, qjs } from './host.js';
import { text, utf8 } from './bytes.js';
import { signalName } from '../spec/signals.js';

export interface RunOptions {
  input?: string | Uint8Array;
  /** The child's whole environment (default: this process's). */
  env?: Record<string, string | undefined>;
  argv0?: string;
  /** SIGKILL after this many ms; the result then has timedOut. */
  timeoutMs?: number;
  /** Bytes kept of each of stdout and stderr (default 1 MiB). */
  maxOutput?: number;
}

export interface RunResult {
  /** Exit status, or null when a signal ended it. */
  status: number | null;
  signal: string | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
}

type ChildProcessModule = typeof import('node:child_process');
const cp = (): ChildProcessModule => nodeModule<ChildProcessModule>('node:child_process');

/** A command name without '/' is looked up on PATH (as execvp; node:child_process does it itself). */
function which(name: string, env: Record<string, string | undefined> | undefined): string {
  if (name.includes('/') || !qjs) return name;
  for (const dir of ((env ?? qjs.env)['PATH'] ?? '/usr/local/bin:/usr/bin:/bin').split(':')) {
    if (!dir) continue;
    const p = `${dir}/${name}`;
    try {
      qjs.access(p, 1);
      return p;
    } catch {
      /* next */
    }
  }
  return name; // execve then fails with ENOENT, naming it
}

function envList(env: Record<string, string | undefined> | undefined): string[] {
  const e = env ?? (qjs ? qjs.env : {});
  return Object.entries(e)
    .filter((kv): kv is [string, string] => kv[1] !== undefined)
    .map(([k, v]) => `${k}=${v}`);
}

/**
 * Run `path args` to completion. A program that cannot be started throws an
 * errno-coded Error (code ENOENT when it does not exist).
 */
export function runSync(path: string, args: string[], opts: RunOptions = {}): RunResult {
  if (qjs) path = which(path, opts.env);
  const input = opts.input === undefined ? undefined : typeof opts.input === 'string' ? utf8(opts.input) : opts.input;
  if (qjs) {
    const [status, sig, out, err, timedOut] = qjs.runSync(path, [opts.argv0 ?? path, ...args], envList(opts.env), input ?? null, opts.timeoutMs ?? 0, opts.maxOutput ?? 1 << 20);
    return { status: status < 0 ? null : status, signal: sig < 0 ? null : (signalName(sig) ?? String(sig)), stdout: text(new Uint8Array(out)), stderr: text(new Uint8Array(err)), timedOut };
  }
  const r = cp().spawnSync(path, args, {
    ...(input ? { input } : {}),
    ...(opts.env ? { env: opts.env } : {}),
    ...(opts.argv0 ? { argv0: opts.argv0 } : {}),
    ...(opts.timeoutMs ? { timeout: opts.timeoutMs } : {}),
    killSignal: 'SIGKILL',
    maxBuffer: opts.maxOutput ?? 1 << 20,
    stdio: ['pipe', 'pipe', 'pipe'],
    encoding: 'utf8',
  });
  const err = r.error as (Error & { code?: string }) | undefined;
  if (err && !r.pid) throw err; // not started (ENOENT...); EPIPE, ETIMEDOUT, ENOBUFS come with a result
  return { status: r.status, signal: r.signal, stdout: r.stdout ?? '', stderr: r.stderr ?? '', timedOut: err?.code === 'ETIMEDOUT' };
}

/** As runSync, but the event loop keeps running while the program does. */
export function run(path: string, args: string[], opts: RunOptions = {}): Promise<RunResult> {
  const input = opts.input === undefined ? undefined : typeof opts.input === 'string' ? utf8(opts.input) : opts.input;
  const max = opts.maxOutput ?? 1 << 20;
  const h = qjs;
  if (h) {
    // stdin is written whole before waiting: hook input (the state JSON) fits a pipe.
    const [inR, inW] = h.pipe();
    const [outR, outW] = h.pipe();
    path = which(path, opts.env);
    let pid: number;
    try {
      pid = h.spawn(path, [opts.argv0 ?? path, ...args], envList(opts.env), [String(inR), String(outW), String(outW)], false);
    } finally {
      h.close(inR);
      h.close(outW);
    }
    try {
      if (input) for (let off = 0; off < input.length; ) off += h.write(inW, input, off, input.length - off);
    } catch {
      /* the program does not read its stdin */
    }
    h.close(inW);
    return new Promise((resolve) => {
      const chunks: Uint8Array[] = [];
      let kept = 0;
      let timedOut = false;
      let exit: [number, number] | undefined;
      let eof = false;
      const cancel = opts.timeoutMs ? h.setTimer(opts.timeoutMs, () => ((timedOut = true), h.kill(pid, 9))) : undefined;
      const done = () => {
        if (!exit || !eof) return;
        if (cancel !== undefined) h.clearTimer(cancel);
        const out = text(new Uint8Array(chunks.flatMap((c) => [...c])));
        resolve({ status: exit[0] < 0 ? null : exit[0], signal: exit[1] < 0 ? null : (signalName(exit[1]) ?? String(exit[1])), stdout: out, stderr: '', timedOut });
      };
      const buf = new Uint8Array(16384);
      h.watch(outR, () => {
        const n = h.read(outR, buf, 0, buf.length);
        if (n > 0 && kept < max) {
          chunks.push(buf.slice(0, Math.min(n, max - kept)));
          kept += n;
        }
        if (n === 0) {
          h.watch(outR, null);
          h.close(outR);
          eof = true;
          done();
        }
      });
      h.watchChild(pid, (code, sig) => {
        exit = [code, sig];
        done();
      });
    });
  }
  return new Promise((resolve, reject) => {
    const child = cp().spawn(path, args, { ...(opts.env ? { env: opts.env } : {}), ...(opts.argv0 ? { argv0: opts.argv0 } : {}), stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    let timedOut = false;
    child.stdout!.on('data', (d: Uint8Array) => void (out.length < max && (out += text(d))));
    child.stderr!.on('data', (d: Uint8Array) => void (err.length < max && (err += text(d))));
    child.stdin!.on('error', () => {});
    child.stdin!.end(input ?? '');
    const t = opts.timeoutMs ? setTimeout(() => ((timedOut = true), child.kill('SIGKILL')), opts.timeoutMs) : undefined;
    child.once('error', (e) => {
      if (t) clearTimeout(t);
      reject(e);
    });
    child.once('close', (status, signal) => {
      if (t) clearTimeout(t);
      resolve({ status, signal, stdout: out, stderr: err, timedOut });
    });
  });
}

/** A helper left running in the background (the sd_notify relay): not waited for. */
export interface Background {
  readonly pid: number;
  kill(): void;
}

/**
 * Start `path args` with fds 0..n-1 from `stdio` ('ignore': /dev/null) and do not wait
 * for it: it does not keep the event loop alive. Throws an errno-coded Error when it
 * cannot be started.
 */
export function spawnBackground(path: string, args: string[], stdio: Array<number | 'ignore'>): Background {
  const h = qjs;
  if (h) {
    const nul = h.open('/dev/null', 2, 0);
    try {
      const pid = h.spawn(path, [path, ...args], envList(undefined), stdio.map((s) => String(s === 'ignore' ? nul : s)), false);
      return { pid, kill: () => void tryKill(() => h.kill(pid, 9)) };
    } finally {
      h.close(nul);
    }
  }
  const child = cp().spawn(path, args, { stdio });
  child.on('error', () => {}); // a failed spawn shows as no pid
  if (!child.pid) throw Object.assign(new Error(`spawn ${path}: not started`), { code: 'ENOENT', path });
  child.unref();
  return { pid: child.pid, kill: () => void tryKill(() => child.kill('SIGKILL')) };
}

function tryKill(f: () => void): void {
  try {
    f();
  } catch {
    /* gone */
  }
}
