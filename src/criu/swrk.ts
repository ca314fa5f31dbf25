/**
 * How runts drives CRIU (design decision, read this first).
 *
 * runts talks to CRIU's RPC service, `criu swrk`, not to its command line. RPC gives
 * typed results (success, cr_errno, cr_errmsg, the restored pid) instead of an exit
 * status and a log, and notifications at the moments a runtime must act: the restored
 * init's pid at `setup-namespaces`/`post-restore` (state.json, pid file), `orphan-pts-master`
 * (the console), `status-ready` (lazy pages), each acknowledged before CRIU continues.
 * With the CLI those moments are `--action-script` programs in another process, and the
 * orphan pts master cannot be had at all.
 *
 * The transport is a SOCK_SEQPACKET socketpair, which Node and Bun cannot create, and
 * the restored init must end up a child of something that can reap it or leave it to
 * the caller's subreaper, as a created container's init is. So a relay entry point of
 * the shim, `runts-init criu-swrk` (native/criu-swrk.c), sits between: runts speaks
 * length-prefixed frames to it on a stream socket (fd 3), it speaks packets to
 * `criu swrk 3`, and with `rst_sibling` the restored init is the relay's child. The
 * protobuf messages are encoded by hand (rpc.ts).
 *
 *   runts ──frames──> runts-init criu-swrk ──packets──> criu swrk
 *     | REQ (DUMP/RESTORE) ────────────────────────────────>|
 *     |<──────────────────── NOTIFY {script, pid} ─────────| (each answered: notify_success)
 *     |<──────────────────── RESP {success, restore.pid} ──|
 *     | close ──> relay closes ──> criu exits; relay exits (detach) or waits (--monitor)
 */
import { RuntsError } from '../errors.js';
import { spawnShim, type ShimExit, type ShimTransport } from '../sys/transport.js';
import { concat, text, view } from '../sys/bytes.js';
import { criuEnv } from './binary.js';
import { plainErrors } from './log.js';
import { mountpointArgs, type RestoreMountpoint } from './mountpoints.js';
import { ReqType, decodeResp, encodeReq, type CriuReq, type CriuResp } from './rpc.js';

/** Relay frame flag: the payload is a relay failure (see native/criu-swrk.c). */
const ERR_BIT = 0x80000000;

/** Options of a relay session. */
export interface SwrkOptions {
  shimPath: string;
  criuPath: string;
  /** fds 0-2 of criu (the restored process's stdio) and extra fds at their positions (index = fd). */
  stdio: Array<number | 'ignore' | 'inherit' | null>;
  rootBind?: { src: string; dst: string };
  /** Mount points to create in rootBind.src (when missing) before CRIU runs; needs rootBind. */
  mountpoints?: RestoreMountpoint[];
  consoleSocket?: string;
  monitor?: boolean;
}

/** Called for each notification; its promise settles before CRIU is told to go on. */
export type NotifyHandler = (script: string, pid: number) => void | Promise<void>;

/** One `criu swrk` behind the relay, for one request. */
export class SwrkSession {
  /** The relay process and its control socket (fd 3 in the relay). */
  private readonly io: ShimTransport;
  private buf: Uint8Array = new Uint8Array(0);
  private waiters: Array<(r: { frame?: Uint8Array; error?: Error }) => void> = [];
  private queue: Array<{ frame?: Uint8Array; error?: Error }> = [];
  private readonly exited: Promise<ShimExit>;

  constructor(opts: SwrkOptions) {
    const args = ['criu-swrk'];
    if (opts.rootBind) args.push('--root-bind', opts.rootBind.src, opts.rootBind.dst, ...mountpointArgs(opts.mountpoints ?? []));
    if (opts.consoleSocket) args.push('--console-socket', opts.consoleSocket);
    if (opts.monitor) args.push('--monitor');
    args.push(opts.criuPath);
    // fds 0-2, then the control socket at 3, then the extra fds (opts.stdio[4...]) at 4...
    const stdio = [opts.stdio[0] ?? 'ignore', opts.stdio[1] ?? 'ignore', opts.stdio[2] ?? 'ignore'];
    for (let i = 4; i < opts.stdio.length; i++) stdio.push(opts.stdio[i] ?? 'ignore');
    try {
      this.io = spawnShim(opts.shimPath, args, stdio, opts.shimPath, { sockFd: 3, env: criuEnv() });
    } catch (e) {
      const fdInfo = opts.stdio.map((x, i) => `${i}=${String(x)}`).join(' ');
      throw new RuntsError('ESYS', `start ${opts.shimPath} criu-swrk: no control socket (spawn failed: ${(e as Error).message}; stdio ${fdInfo})`);
    }
    this.exited = this.io.exited;
    let ended = false;
    this.io.listen(
      (d) => this.onData(d),
      () => {
        if (ended) return;
        ended = true;
        this.push({ error: new RuntsError('ESYS', 'criu exited before it answered') });
      },
    );
  }

  /** The relay's pid (move it into cgroups before the first request). */
  get pid(): number {
    return this.io.child.pid ?? 0;
  }

  /**
   * Send one request and serve notifications until CRIU's final answer. A failed
   * answer is returned as is (success false), for the caller to explain.
   */
  async call(req: CriuReq, onNotify?: NotifyHandler): Promise<CriuResp> {
    this.send(req);
    for (;;) {
      const resp = decodeResp(await this.next());
      if (resp.type !== ReqType.NOTIFY || !resp.success) return resp;
      await onNotify?.(resp.notify?.script ?? '', resp.notify?.pid ?? 0);
      this.send({ type: ReqType.NOTIFY, notifySuccess: true });
    }
  }

  /** Close the channel: CRIU exits; the relay exits too (or waits for the init in monitor mode). */
  close(): void {
    this.io.close();
  }

  /** Wait for the relay to exit. */
  wait(): Promise<ShimExit> {
    return this.exited;
  }

  /** Kill the relay (and so criu, through its parent-death signal). */
  kill(): void {
    this.io.kill();
  }

  private send(req: CriuReq): void {
    const body = encodeReq(req);
    const hdr = new Uint8Array(4);
    view(hdr).setUint32(0, body.length, true);
    this.io.write(concat([hdr, body]));
  }

  private next(): Promise<Uint8Array> {
    const r = this.queue.shift();
    const settle = (x: { frame?: Uint8Array; error?: Error }): Uint8Array => {
      if (x.error) throw x.error;
      return x.frame as Uint8Array;
    };
    if (r) return Promise.resolve().then(() => settle(r));
    return new Promise((res, rej) => {
      this.waiters.push((x) => {
        try {
          res(settle(x));
        } catch (e) {
          rej(e);
        }
      });
    });
  }

  private push(x: { frame?: Uint8Array; error?: Error }): void {
    const w = this.waiters.shift();
    if (w) w(x);
    else this.queue.push(x);
  }

  private onData(d: Uint8Array): void {
    this.buf = concat([this.buf, d]);
    while (this.buf.length >= 4) {
      const raw = view(this.buf).getUint32(0, true);
      const len = raw & ~ERR_BIT & 0x7fffffff;
      if (this.buf.length < 4 + len) return;
      const body = this.buf.subarray(4, 4 + len);
      this.buf = this.buf.subarray(4 + len);
      // the relay's own failure (not CRIU's): a shim error, in runts's wording
      if (raw & ERR_BIT) this.push({ error: new RuntsError('ESHIM', `criu relay: ${plainErrors(text(body))}`, { step: 'criu-swrk' }) });
      else this.push({ frame: body.slice() });
    }
  }
}
