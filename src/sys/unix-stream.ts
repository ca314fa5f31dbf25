/**
 * A connected unix stream socket with blocking read and write, for short request/reply
 * conversations that callers make synchronously (the systemd cgroup driver's D-Bus calls,
 * made from the cgroup manager's synchronous create/set/destroy).
 *
 * - C host module (the CLI): connectUnix() gives a SOCK_STREAM fd, set non-blocking; read
 *   and write are plain syscalls, and on EAGAIN the caller sleeps (50 us, doubling up to
 *   5 ms) until the deadline: a peer that never answers costs a bounded wait, not a hang.
 *   Decision: polling instead of a poll(2) operation in the C module keeps native/cli
 *   unchanged; a reply that is already there is read at once, one that comes later is
 *   seen within 5 ms.
 * - Node/Bun (the library): Node cannot connect a socket synchronously, so a worker
 *   thread owns a node:net socket and the calling thread blocks in Atomics.wait until the
 *   worker has an answer, which it takes with receiveMessageOnPort (no event loop turn).
 *   Decision: a worker costs ~20-40 ms once per connection, which the library pays only
 *   with the systemd driver; the alternative (async cgroup managers) would change the
 *   library's synchronous update/delete API.
 */
import type { MessagePort, Worker } from 'node:worker_threads';
import { nodeModule, qjs } from './host.js';

export interface UnixStream {
  write(b: Uint8Array): void;
  /** Whatever bytes are available (waits for at least one); empty at EOF. */
  read(timeoutMs: number): Uint8Array;
  close(): void;
}

function sysErr(code: string, message: string, path?: string): Error {
  return Object.assign(new Error(message), { code, syscall: 'connect', path });
}

export function connectUnixStream(path: string, timeoutMs = 5000): UnixStream {
  if (qjs) {
    const h = qjs;
    const fd = h.connectUnix(path);
    try {
      h.setNonblock(fd, true);
    } catch (e) {
      h.close(fd);
      throw e;
    }
    const buf = new Uint8Array(65536);
    let open = true;
    // Run op until it stops saying EAGAIN, sleeping in between; ETIMEDOUT after ms.
    const retry = (op: () => number, ms: number, what: string): number => {
      const deadline = h.clock(1) + ms;
      let nap = 0.05;
      for (;;) {
        try {
          return op();
        } catch (e) {
          if ((e as { code?: string }).code !== 'EAGAIN') throw e;
        }
        const left = deadline - h.clock(1);
        if (left <= 0) throw sysErr('ETIMEDOUT', `${what} ${path}: no answer after ${ms} ms`, path);
        h.sleep(Math.min(nap, left));
        nap = Math.min(nap * 2, 5);
      }
    };
    return {
      write(b) {
        let off = 0;
        while (off < b.length) off += retry(() => h.write(fd, b, off, b.length - off), timeoutMs, 'write to');
      },
      read(ms) {
        const n = retry(() => h.read(fd, buf, 0, buf.length), ms, 'read from');
        return buf.slice(0, n);
      },
      close() {
        if (open) h.close(fd);
        open = false;
      },
    };
  }
  return nodeStream(path, timeoutMs);
}

// The worker: connect, forward writes, answer each read request with the bytes buffered
// so far (or, when none, with the next ones to arrive), EOF or the error.
const WORKER = `
const { workerData } = require('node:worker_threads');
const net = require('node:net');
const { port, flag, path } = workerData;
let chunks = [], ended = false, failure = null, waiting = false, connected = false;
function answer(msg) { port.postMessage(msg); Atomics.store(flag, 0, 1); Atomics.notify(flag, 0); }
function serve() {
  if (!waiting) return;
  if (chunks.length) { waiting = false; const b = Buffer.concat(chunks); chunks = []; answer({ data: new Uint8Array(b) }); }
  else if (failure) { waiting = false; answer({ error: failure }); }
  else if (ended) { waiting = false; answer({ data: new Uint8Array(0) }); }
}
const sock = net.createConnection(path, () => { connected = true; answer({ connected: true }); });
sock.on('data', (d) => { chunks.push(d); serve(); });
sock.on('end', () => { ended = true; serve(); });
sock.on('error', (e) => {
  failure = { code: e.code || 'EIO', message: e.message };
  if (!connected) answer({ error: failure });
  else serve();
});
port.on('message', (m) => {
  if (m.write) sock.write(m.write);
  else if (m.read) { waiting = true; serve(); }
  else if (m.close) { sock.destroy(); port.close(); }
});
`;

function nodeStream(path: string, timeoutMs: number): UnixStream {
  const wt = nodeModule<typeof import('node:worker_threads')>('node:worker_threads');
  const flag = new Int32Array(new SharedArrayBuffer(4));
  const { port1, port2 } = new wt.MessageChannel();
  const worker: Worker = new wt.Worker(WORKER, { eval: true, execArgv: [], workerData: { port: port2, flag, path }, transferList: [port2] });
  worker.unref();
  let open = true;
  const close = () => {
    if (!open) return;
    open = false;
    port1.postMessage({ close: true });
    port1.close();
    void worker.terminate();
  };
  const wait = (ms: number, what: string): Record<string, unknown> => {
    const r = Atomics.wait(flag, 0, 0, ms);
    const got = receive(wt.receiveMessageOnPort, port1);
    Atomics.store(flag, 0, 0);
    if (!got) {
      close();
      throw sysErr(r === 'timed-out' ? 'ETIMEDOUT' : 'EIO', `${what} ${path}: ${r === 'timed-out' ? `no answer after ${ms} ms` : 'no answer'}`, path);
    }
    const err = got.error as { code: string; message: string } | undefined;
    if (err) {
      close();
      throw sysErr(err.code, err.message, path);
    }
    return got;
  };
  wait(timeoutMs, 'connect');
  return {
    write(b) {
      port1.postMessage({ write: b });
    },
    read(ms) {
      port1.postMessage({ read: true });
      return wait(ms, 'read from').data as Uint8Array;
    },
    close,
  };
}

function receive(fn: (p: MessagePort) => { message: unknown } | undefined, port: MessagePort): Record<string, unknown> | undefined {
  return fn(port)?.message as Record<string, unknown> | undefined;
}
