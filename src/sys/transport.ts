/**
 * How the shim is spawned and how its sync socket is read and written. Three ways, one
 * shape (ShimTransport):
 *
 * - the C host module (the CLI on QuickJS-ng): a socketpair, spawn with an fd map, the
 *   socket read from the event loop's poll, the shim reaped through the signalfd;
 * - node:child_process (Node, and Bun whenever a stdio entry is a stream or 'pipe'):
 *   the extra 'pipe' stdio entry is a unix socketpair, seen as a net.Socket.
 * - Bun.spawn (Bun, when every stdio entry is an fd, 'inherit' or 'ignore', which is
 *   what the CLI passes): the extra 'pipe' entry is the same socketpair, handed over as a
 *   raw fd, read through Bun.file(fd).stream() and written with writeSync. Decision,
 *   measured on the dev VM (Bun 1.4): Bun's node:child_process with a 'pipe' entry loads
 *   node:net and the stream classes and costs ~30 ms and ~10 MB RSS per command; Bun.spawn
 *   costs ~10 ms. The library stays on node: APIs wherever Bun is absent.
 */
import type { ChildProcess, StdioOptions } from 'node:child_process';
import type { Socket } from 'node:net';
import { nodeModule, qjs, type QjsHost } from './host.js';
import * as fs from './fs.js';
import { signalName } from '../spec/signals.js';

/** How the shim process ended. */
export interface ShimExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** The shim process as callers see it: its pid and the stdio streams created for 'pipe'. */
export interface ShimChild {
  readonly pid?: number | undefined;
  readonly stdin: NodeJS.WritableStream | null;
  readonly stdout: NodeJS.ReadableStream | null;
  readonly stderr: NodeJS.ReadableStream | null;
}

/** A spawned shim and its end of the sync socket. */
export interface ShimTransport {
  child: ShimChild;
  exited: Promise<ShimExit>;
  /**
   * Resolves once the shim has exited and every stdio stream created for 'pipe' has
   * ended (node's 'close', not 'exit': the output a process wrote before it exited may
   * still be in flight when 'exit' fires).
   */
  closed: Promise<void>;
  /** Start delivering socket data and its end (EOF, error or close). */
  listen(onData: (d: Uint8Array) => void, onEnd: () => void): void;
  write(b: Uint8Array): void;
  /** Resolves once everything written so far has been handed to the kernel. */
  flush(): Promise<void>;
  close(): void;
  kill(): void;
}

/** stdio entries as spawn takes them; the sync socket is appended after them. */
export type SpawnStdio = Array<'pipe' | 'ignore' | 'inherit' | number | NodeJS.ReadableStream | NodeJS.WritableStream | null | undefined>;

interface BunSubprocess {
  pid: number;
  stdio: Array<number | null>;
  exited: Promise<number>;
  exitCode: number | null;
  signalCode: NodeJS.Signals | null;
  kill(sig?: string | number): void;
}

interface BunLike {
  spawn(cmd: string[], opts: { stdio: unknown[]; env: Record<string, string>; argv0?: string }): BunSubprocess;
  file(fd: number): { stream(): ReadableStream<Uint8Array> };
}

/** Where the socket goes and the child's environment (default: empty). */
export interface SpawnSocketOptions {
  /** The socket's fd in the child (default stdio.length); later entries move up by one. */
  sockFd?: number;
  env?: Record<string, string | undefined>;
}

/** Spawn `path args` with stdio + one sync socket (its fd is stdio.length in the child, or opts.sockFd). */
export function spawnShim(path: string, args: string[], stdio: SpawnStdio, argv0: string, opts: SpawnSocketOptions = {}): ShimTransport {
  const k = opts.sockFd ?? stdio.length;
  const env = Object.fromEntries(Object.entries(opts.env ?? {}).filter((e): e is [string, string] => e[1] !== undefined));
  if (qjs) return qjsTransport(qjs, path, args, stdio, argv0, k, env);
  const bun = (globalThis as { Bun?: BunLike }).Bun;
  if (bun && stdio.every((s) => typeof s === 'number' || s === 'inherit' || s === 'ignore')) return bunTransport(bun, path, args, stdio, argv0, k, env);
  return nodeTransport(path, args, stdio, argv0, k, env);
}

function nodeTransport(path: string, args: string[], stdio: SpawnStdio, argv0: string, syncFd: number, env: Record<string, string>): ShimTransport {
  const full = [...stdio.slice(0, syncFd), 'pipe', ...stdio.slice(syncFd)];
  const child: ChildProcess = nodeModule<typeof import('node:child_process')>('node:child_process').spawn(path, args, { stdio: full as StdioOptions, env, argv0 });
  const sock = child.stdio[syncFd] as Socket | null;
  const exited = new Promise<ShimExit>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  const closed = new Promise<void>((resolve) => child.once('close', () => resolve()));
  if (!sock || child.pid === undefined) {
    child.kill('SIGKILL');
    throw new Error('no pid (is it built? run make native)');
  }
  return {
    child,
    exited,
    closed,
    listen(onData, onEnd) {
      sock.on('data', onData);
      sock.on('end', onEnd);
      sock.on('close', onEnd);
      sock.on('error', onEnd);
    },
    write: (b) => void sock.write(b),
    flush: () => new Promise((resolve) => (sock.writableLength === 0 ? resolve() : sock.write(Buffer.alloc(0), () => resolve()))),
    close: () => void sock.destroy(),
    kill: () => void child.kill('SIGKILL'),
  };
}

const pause = new Int32Array(new SharedArrayBuffer(4));

function bunTransport(bun: BunLike, path: string, args: string[], stdio: SpawnStdio, argv0: string, syncFd: number, env: Record<string, string>): ShimTransport {
  const proc = bun.spawn([path, ...args], { stdio: [...stdio.slice(0, syncFd), 'pipe', ...stdio.slice(syncFd)], env, argv0 });
  const fd = proc.stdio[syncFd];
  if (typeof fd !== 'number') {
    proc.kill('SIGKILL');
    throw new Error('no sync socket from Bun.spawn');
  }
  let open = true;
  let reader: ReadableStreamDefaultReader<Uint8Array> | undefined;
  const close = () => {
    if (!open) return;
    open = false;
    void reader?.cancel().catch(() => {});
    fs.close(fd);
  };
  const exited = proc.exited.then(() => ({ code: proc.exitCode, signal: proc.signalCode }));
  return {
    child: { pid: proc.pid, stdin: null, stdout: null, stderr: null },
    exited,
    closed: exited.then(() => {}), // no stream here: every entry is an fd
    listen(onData, onEnd) {
      // Bun reads a dup of the fd; our fd stays ours to close.
      const r = (reader = bun.file(fd).stream().getReader());
      const pump = async () => {
        for (;;) {
          const { value, done } = await r.read();
          if (done || !open) break;
          onData(value);
        }
      };
      pump().then(onEnd, onEnd);
    },
    write(b) {
      if (!open) return; // as a destroyed net.Socket: late writes are dropped
      // Frames are small; the socket buffer takes them unless the shim stopped reading.
      for (let off = 0; off < b.length; ) {
        try {
          off += fs.writeSome(fd, b, off);
        } catch (e) {
          if ((e as NodeJS.ErrnoException).code !== 'EAGAIN') throw e;
          Atomics.wait(pause, 0, 0, 1);
        }
      }
    },
    flush: () => Promise.resolve(),
    close,
    kill() {
      try {
        proc.kill('SIGKILL');
      } catch {
        /* gone */
      }
    },
  };
}

/**
 * The CLI's transport: stdio entries must be fds, 'inherit' or 'ignore' (the CLI has no
 * streams). Frames are small; a full socket buffer (the shim not reading) is waited out.
 */
function qjsTransport(h: QjsHost, path: string, args: string[], stdio: SpawnStdio, argv0: string, syncFd: number, env: Record<string, string>): ShimTransport {
  const [mine, theirs] = h.socketpair();
  let nul = -1;
  const fds = stdio.map((s, i) => {
    if (typeof s === 'number') return String(s);
    if (s === 'inherit') return String(i < syncFd ? i : i + 1);
    if (s === 'ignore' || s === null || s === undefined) return String(nul < 0 ? (nul = h.open('/dev/null', 2, 0)) : nul);
    throw new TypeError(`stdio[${i}]: the command line passes fds only`);
  });
  let pid: number;
  try {
    const envList = Object.entries(env).map(([k, v]) => `${k}=${v}`);
    pid = h.spawn(path, [argv0, ...args], envList, [...fds.slice(0, syncFd), String(theirs), ...fds.slice(syncFd)], false);
  } catch (e) {
    h.close(mine);
    throw e;
  } finally {
    h.close(theirs);
    if (nul >= 0) h.close(nul);
  }
  let open = true;
  let watching = false;
  const exited = new Promise<ShimExit>((resolve) =>
    h.watchChild(pid, (code, sig) => resolve({ code: code < 0 ? null : code, signal: sig < 0 ? null : ((signalName(sig) ?? null) as NodeJS.Signals | null) })),
  );
  const close = () => {
    if (!open) return;
    open = false;
    if (watching) h.watch(mine, null);
    h.close(mine);
  };
  return {
    child: { pid, stdin: null, stdout: null, stderr: null },
    exited,
    closed: exited.then(() => {}),
    listen(onData, onEnd) {
      const buf = new Uint8Array(65536);
      watching = true;
      h.watch(mine, () => {
        let n = 0;
        try {
          n = h.read(mine, buf, 0, buf.length);
        } catch {
          n = 0;
        }
        if (n > 0) return onData(buf.slice(0, n));
        h.watch(mine, null);
        watching = false;
        onEnd();
      });
    },
    write(b) {
      if (!open) return;
      for (let off = 0; off < b.length; ) {
        try {
          off += h.write(mine, b, off, b.length - off);
        } catch (e) {
          if ((e as { code?: string }).code !== 'EAGAIN') throw e;
          h.sleep(0.1);
        }
      }
    },
    flush: () => Promise.resolve(),
    close,
    kill() {
      try {
        h.kill(pid, 9);
      } catch {
        /* gone */
      }
    },
  };
}
