/**
 * NOTIFY_SOCKET (sd_notify) proxying, as runc does it.
 *
 * When the caller gives a notify socket (the CLI passes its NOTIFY_SOCKET), create:
 *   - makes `<state>/<id>/notify/`, bind-mounts it read-only at /run/notify in the
 *     container and sets NOTIFY_SOCKET=/run/notify/notify.sock in the process's env (in the
 *     spec given to the plan only: the stored spec and `exec` keep the user's env);
 *   - records the caller's socket in `<state>/<id>/notify-target`.
 * The socket itself is bound by whoever waits for READY=1, just before the container
 * process may run: `start` (before releasing the fifo, then waits for READY after the
 * process runs, as `runc start`), `run -d` (before GO, then waits, as `runc run -d`) and
 * foreground `run` (before GO, no wait; MAINPID is the runts process, which stays). So
 * nothing runs between create and start. The relay is `runts-init notify-proxy`
 * (native/notify.c: Node and Bun have no unix datagram sockets); it exits once it has
 * forwarded READY=1 (with MAINPID rewritten to a host pid) or when the init dies.
 * Without a notify socket none of this happens: no directory, no mount, no process.
 */
import * as fs from '../sys/fs.js';
import { isAbsolute, join } from '../sys/path.js';
import { RuntsError, invalid, sysError } from '../errors.js';
import type { Spec } from '../spec/types.js';
import { readProcStat } from '../sys/proc.js';
import { spawnBackground, type Background } from '../sys/spawn.js';
import { sleep, sleepSync } from '../sys/self.js';
import { utf8 } from '../sys/bytes.js';

/** Where the socket appears inside the container. */
export const NOTIFY_SOCKET_IN_CONTAINER = '/run/notify/notify.sock';

/** Check a caller's NOTIFY_SOCKET value: an absolute path or an abstract `@name` (sun_path holds 107 bytes). */
export function checkNotifySocket(target: string): void {
  if (!(isAbsolute(target) || (target.startsWith('@') && target.length > 1))) {
    throw invalid([{ path: 'notifySocket', message: `${JSON.stringify(target)}: must be an absolute path or an abstract socket name starting with @` }]);
  }
  if (utf8(target).length > 107) throw invalid([{ path: 'notifySocket', message: `${target}: longer than a unix socket address allows (107 bytes)` }]);
}

/** Make the notify directory and record the target (create time); returns the directory. */
export function prepareNotify(stateDir: string, target: string): string {
  const dir = join(stateDir, 'notify');
  try {
    fs.mkdir(dir, { mode: 0o755 });
    fs.writeFile(join(stateDir, 'notify-target'), target, 0o600);
  } catch (e) {
    throw sysError('prepare notify socket', e, dir);
  }
  // The listening socket must fit a sockaddr_un too.
  if (utf8(join(dir, 'notify.sock')).length > 107) throw invalid([{ path: 'root', message: `${dir}: state directory too long for a notify socket path` }]);
  return dir;
}

/** The spec the plan is built from: the /run/notify bind mount and NOTIFY_SOCKET added, as runc. */
export function withNotify(spec: Spec, notifyDir: string): Spec {
  const proc = spec.process!;
  const env = (proc.env ?? []).filter((e) => !e.startsWith('NOTIFY_SOCKET='));
  env.push(`NOTIFY_SOCKET=${NOTIFY_SOCKET_IN_CONTAINER}`);
  return {
    ...spec,
    process: { ...proc, env },
    mounts: [...(spec.mounts ?? []), { destination: '/run/notify', source: notifyDir, type: 'bind', options: ['bind', 'nosuid', 'noexec', 'nodev', 'ro'] }],
  };
}

/** The caller's socket recorded at create time, or undefined when the container has none. */
export function notifyTarget(stateDir: string): string | undefined {
  try {
    return fs.readText(join(stateDir, 'notify-target'));
  } catch {
    return undefined;
  }
}

/** A running relay (see the file comment). */
export class NotifyProxy {
  private readonly child: Background;
  private readonly pid: number;

  private constructor(child: Background) {
    this.child = child;
    this.pid = child.pid;
  }

  /**
   * Start the relay for the container whose state dir is `stateDir` and whose init is
   * `initPid`, and return once its socket is bound (so no datagram can be lost).
   * `mainPid` is what the caller is told in MAINPID.
   */
  static start(shimPath: string, stateDir: string, target: string, initPid: number, mainPid: number): NotifyProxy {
    const sock = join(stateDir, 'notify', 'notify.sock');
    fs.remove(sock, { force: true });
    // stderr goes to a file: a synchronous wait does not run the event loop that reads pipes.
    const errPath = join(stateDir, 'notify-proxy.err');
    const errFd = fs.open(errPath, fs.O.WRONLY | fs.O.CREAT | fs.O.TRUNC, 0o600);
    let child: Background;
    try {
      child = spawnBackground(shimPath, ['notify-proxy', sock, target, String(initPid), String(mainPid)], ['ignore', 'ignore', errFd]);
    } catch {
      throw new RuntsError('ESHIM', `notify-proxy: cannot run ${shimPath}`);
    } finally {
      fs.close(errFd);
    }
    const proxy = new NotifyProxy(child);
    const deadline = Date.now() + 5000;
    try {
      for (;;) {
        if (isSocket(sock)) return proxy;
        if (!proxy.running()) {
          const msg = fs.readText(errPath).trim() || 'notify-proxy: exited before binding its socket';
          throw new RuntsError('ESHIM', msg);
        }
        if (Date.now() > deadline) {
          proxy.kill();
          throw new RuntsError('ETIMEOUT', `notify-proxy: ${sock} not bound within 5000 ms`);
        }
        sleepSync(1);
      }
    } finally {
      fs.remove(errPath, { force: true });
    }
  }

  /** True while the relay has not exited (a zombie counts as exited). */
  running(): boolean {
    const ps = readProcStat(this.pid);
    return !!ps && ps.state !== 'Z' && ps.state !== 'X';
  }

  /** Block until the relay has forwarded READY=1 or the init has died (no time limit, as runc). */
  waitDone(): void {
    for (let delay = 1; this.running(); delay = Math.min(delay * 2, 50)) sleepSync(delay);
  }

  /** As waitDone, without blocking the event loop (run -d in a library process). */
  async wait(): Promise<void> {
    for (let delay = 1; this.running(); delay = Math.min(delay * 2, 50)) await sleep(delay);
  }

  /** Stop the relay (failure paths). */
  kill(): void {
    this.child.kill();
  }
}

function isSocket(p: string): boolean {
  try {
    return fs.stat(p).isSocket();
  } catch {
    return false;
  }
}
