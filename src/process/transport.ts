/**
 * How the shim is spawned and how its sync socket is read and written. Two ways, one
 * shape (ShimTransport):
 *
 * - node:child_process (Node, and Bun whenever a stdio entry is a stream or 'pipe'):
 *   the extra 'pipe' stdio entry is a unix socketpair, seen as a net.Socket.
 * - Bun.spawn (Bun, when every stdio entry is an fd, 'inherit' or 'ignore', which is
 *   what the CLI passes): the extra 'pipe' entry is the same socketpair, handed over as a
 *   raw fd, read through Bun.file(fd).stream() and written with writeSync. Decision,
 *   measured on the dev VM (Bun 1.4): Bun's node:child_process with a 'pipe' entry loads
 *   node:net and the stream classes and costs ~30 ms and ~10 MB RSS per command; Bun.spawn
 *   costs ~10 ms. The library stays on node: APIs wherever Bun is absent.
 */
import { spawn, type ChildProcess, type StdioOptions } from 'node:child_process';
import { closeSync, writeSync } from 'node:fs';
import type { Socket } from 'node:net';

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
  listen(onData: (d: Buffer) => void, onEnd: () => void): void;
  write(b: Buffer): void;
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

/** Spawn `path args` with stdio + one sync socket (its fd is stdio.length in the child). */
export function spawnShim(path: string, args: string[], stdio: SpawnStdio, argv0: string): ShimTransport {
  const bun = (globalThis as { Bun?: BunLike }).Bun;
  if (bun && stdio.every((s) => typeof s === 'number' || s === 'inherit' || s === 'ignore')) return bunTransport(bun, path, args, stdio, argv0);
  return nodeTransport(path, args, stdio, argv0);
}

function nodeTransport(path: string, args: string[], stdio: SpawnStdio, argv0: string): ShimTransport {
  const syncFd = stdio.length;
  const child: ChildProcess = spawn(path, args, { stdio: [...stdio, 'pipe'] as StdioOptions, env: {}, argv0 });
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
    close: () => sock.destroy(),
    kill: () => void child.kill('SIGKILL'),
  };
}

const pause = new Int32Array(new SharedArrayBuffer(4));

function bunTransport(bun: BunLike, path: string, args: string[], stdio: SpawnStdio, argv0: string): ShimTransport {
  const proc = bun.spawn([path, ...args], { stdio: [...stdio, 'pipe'], env: {}, argv0 });
  const fd = proc.stdio[stdio.length];
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
    closeSync(fd);
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
          onData(Buffer.from(value.buffer, value.byteOffset, value.byteLength));
        }
      };
      pump().then(onEnd, onEnd);
    },
    write(b) {
      if (!open) return; // as a destroyed net.Socket: late writes are dropped
      // Frames are small; the socket buffer takes them unless the shim stopped reading.
      for (let off = 0; off < b.length; ) {
        try {
          off += writeSync(fd, b, off);
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
