/**
 * A minimal synchronous D-Bus client: SASL EXTERNAL, Hello, method calls, signals. The
 * socket is src/sys/unix-stream (blocking on both backends), so the cgroup manager's
 * synchronous verbs can talk to systemd.
 *
 *   connect ─ "\0AUTH EXTERNAL <uid as hex of its decimal digits>" ─ OK <guid> ─ BEGIN
 *           ─ Hello() → our unique name ─ [call(...) → reply | error]* ─ close
 */
import { connectUnixStream, type UnixStream } from '../../sys/unix-stream.js';
import { utf8, text, concat } from '../../sys/bytes.js';
import { euid, env, monotonic as monotonicMs } from '../../sys/self.js';
import { initialUserNamespace, ownUidMap } from '../../sys/rootless.js';
import { RuntsError } from '../../errors.js';
import { type DBusValue, type Message, MsgType, decodeMessage, encodeMessage, messageLength } from './wire.js';

export const SYSTEM_BUS = 'unix:path=/run/dbus/system_bus_socket';

/**
 * How long a D-Bus exchange may take before it is an error: a method's reply (and the
 * connection's authentication), and a job's JobRemoved signal (runc gives systemd 30 s to
 * start a unit). RUNTS_DBUS_TIMEOUT_MS overrides both (tests; very slow hosts).
 */
export function dbusTimeouts(): { call: number; job: number } {
  const v = Number(env().RUNTS_DBUS_TIMEOUT_MS);
  return Number.isFinite(v) && v > 0 ? { call: v, job: v } : { call: 10000, job: 30000 };
}

/** The socket path of a bus address (`unix:path=...`; the first such entry). */
export function busSocketPath(address: string): string {
  for (const entry of address.split(';')) {
    const [transport, params = ''] = entry.split(/:(.*)/s);
    if (transport !== 'unix') continue;
    for (const kv of params.split(',')) {
      const [k, v] = kv.split(/=(.*)/s);
      if (k === 'path' && v) return v.replace(/%([0-9a-fA-F]{2})/g, (_m, h: string) => String.fromCharCode(parseInt(h, 16)));
    }
  }
  throw new RuntsError('EUNSUPPORTED', `D-Bus address ${JSON.stringify(address)}: no unix:path= entry (abstract sockets and TCP are not supported)`);
}

/** The system bus address (DBUS_SYSTEM_BUS_ADDRESS or the well-known socket). */
export function systemBusAddress(): string {
  return env().DBUS_SYSTEM_BUS_ADDRESS || SYSTEM_BUS;
}

/**
 * The user's bus (the user systemd instance's): DBUS_SESSION_BUS_ADDRESS, else
 * $XDG_RUNTIME_DIR/bus, as runc and sd-bus find it. Throws naming both when neither is set.
 */
export function userBusAddress(e: Readonly<Record<string, string | undefined>> = env()): string {
  if (e.DBUS_SESSION_BUS_ADDRESS) return e.DBUS_SESSION_BUS_ADDRESS;
  if (e.XDG_RUNTIME_DIR) return `unix:path=${e.XDG_RUNTIME_DIR.replace(/\/+$/, '')}/bus`;
  throw new RuntsError('EUNSUPPORTED', 'the systemd user instance: neither DBUS_SESSION_BUS_ADDRESS nor XDG_RUNTIME_DIR is set (log in through a session, or export XDG_RUNTIME_DIR=/run/user/$(id -u))');
}


/**
 * The identity to claim with SASL EXTERNAL: our euid in the initial user namespace;
 * inside another one (rootless engines run the runtime as uid 0 of their own namespace,
 * while the bus sees the real uid through SO_PEERCRED) none, so that the bus takes the
 * uid the kernel reports for our socket in the bus's own namespace. runc asks
 * `busctl --user status` for OwnerUID instead; an empty EXTERNAL needs no helper and is
 * right at any depth of nesting (dbus-daemon, dbus-broker and sd-bus accept it).
 */
export function authIdentity(uid: number, uidMap: string | undefined): number | undefined {
  return uidMap === undefined || initialUserNamespace(uidMap) ? uid : undefined;
}

/** "\0AUTH EXTERNAL 30\r\n" for uid 0: the uid's decimal digits, hex-encoded; "\0AUTH EXTERNAL\r\n" with none. */
export function authLine(uid: number | undefined): string {
  if (uid === undefined) return '\0AUTH EXTERNAL\r\n';
  const hex = [...String(uid)].map((c) => c.charCodeAt(0).toString(16)).join('');
  return `\0AUTH EXTERNAL ${hex}\r\n`;
}


/** A D-Bus error reply (its name, e.g. org.freedesktop.systemd1.NoSuchUnit, and message). */
export class DBusError extends Error {
  constructor(
    override readonly name: string,
    message: string,
  ) {
    super(message);
  }
}

export class DBus {
  private serial = 0;
  private buf: Uint8Array = new Uint8Array(0);
  private queue: Message[] = [];
  readonly uniqueName: string;

  private constructor(
    private readonly sock: UnixStream,
    private readonly timeoutMs: number,
    private readonly path: string,
  ) {
    const identity = authIdentity(euid(), ownUidMap());
    const deadline = this.deadline(timeoutMs);
    sock.write(utf8(authLine(identity)));
    let line = this.readLine(deadline, 'answer to AUTH EXTERNAL');
    // Without an identity the server asks for one (an empty DATA challenge): answering with
    // empty DATA means "the credentials you see".
    if (identity === undefined && /^DATA\b/.test(line)) {
      sock.write(utf8('DATA\r\n'));
      line = this.readLine(deadline, 'answer to DATA');
    }
    if (!line.startsWith('OK ')) throw new RuntsError('ESYS', `D-Bus authentication refused: ${line.trim()}`);
    sock.write(utf8('BEGIN\r\n'));
    this.uniqueName = String(this.call('org.freedesktop.DBus', '/org/freedesktop/DBus', 'org.freedesktop.DBus', 'Hello')[0]);
  }

  /** Connect and authenticate to the bus at `address` (default: the system bus). */
  static connect(address = systemBusAddress(), timeoutMs = dbusTimeouts().call): DBus {
    const path = busSocketPath(address);
    let sock: UnixStream;
    try {
      // On Node/Bun this wait includes starting the worker thread (90-250 ms, more on a
      // loaded machine), so it is not cut below 10 s by a short exchange timeout.
      sock = connectUnixStream(path, Math.max(timeoutMs, 10000));
    } catch (e) {
      const err = e as { code?: string; message?: string };
      throw new RuntsError('ESYS', `connect to D-Bus ${path}: ${err.message ?? String(e)}`, { errno: err.code ?? 'EIO', syscall: 'connect', path, cause: e });
    }
    try {
      return new DBus(sock, timeoutMs, path);
    } catch (e) {
      sock.close();
      throw e;
    }
  }

  close(): void {
    this.sock.close();
  }

  private deadline(ms: number): { at: number; ms: number } {
    return { at: monotonicMs() + ms, ms };
  }

  /** Read more bytes, waiting until the deadline at most; `what` names what we wait for. */
  private fill(d: { at: number; ms: number }, what: string): void {
    const left = Math.max(1, Math.ceil(d.at - monotonicMs()));
    let got: Uint8Array;
    try {
      got = this.sock.read(left);
    } catch (e) {
      this.close();
      if ((e as { code?: string }).code === 'ETIMEDOUT') {
        throw new RuntsError('ETIMEOUT', `D-Bus (${this.path}): no ${what} within ${d.ms} ms (is systemd or the bus daemon hung?)`, { cause: e });
      }
      throw e;
    }
    if (got.length === 0) throw new RuntsError('ESYS', `D-Bus (${this.path}): the bus closed the connection while waiting for ${what}`);
    this.buf = this.buf.length ? concat([this.buf, got]) : got;
  }

  private readLine(d: { at: number; ms: number }, what: string): string {
    for (;;) {
      const i = this.buf.indexOf(0x0a);
      if (i >= 0) {
        const line = text(this.buf.subarray(0, i + 1));
        this.buf = this.buf.slice(i + 1);
        return line;
      }
      this.fill(d, what);
    }
  }

  private next(d: { at: number; ms: number }, what: string): Message {
    for (;;) {
      const n = messageLength(this.buf);
      if (n && this.buf.length >= n) {
        const m = decodeMessage(this.buf.subarray(0, n));
        this.buf = this.buf.slice(n);
        return m;
      }
      this.fill(d, what);
    }
  }

  /** Call a method and return the reply's body; an error reply throws DBusError. */
  call(destination: string, path: string, iface: string, member: string, signature = '', body: DBusValue[] = []): DBusValue[] {
    const serial = ++this.serial;
    const d = this.deadline(this.timeoutMs);
    const what = `reply to ${iface}.${member}`;
    this.sock.write(encodeMessage({ type: MsgType.Call, flags: 0, serial, path, iface, member, destination, signature, body }));
    for (;;) {
      const m = this.next(d, what);
      if (m.replySerial === serial && (m.type === MsgType.Return || m.type === MsgType.Error)) {
        if (m.type === MsgType.Error) throw new DBusError(m.errorName ?? 'org.freedesktop.DBus.Error.Failed', String(m.body[0] ?? m.errorName));
        return m.body;
      }
      if (m.type === MsgType.Signal) this.queue.push(m);
    }
  }

  /** The first signal (already received or coming within timeoutMs) that `match` accepts; `what` names it in the timeout error. */
  waitSignal(match: (m: Message) => boolean, timeoutMs = this.timeoutMs, what = 'signal'): Message {
    const d = this.deadline(timeoutMs);
    for (;;) {
      const i = this.queue.findIndex(match);
      if (i >= 0) return this.queue.splice(i, 1)[0]!;
      const m = this.next(d, what);
      if (m.type === MsgType.Signal) this.queue.push(m);
    }
  }
}
