/**
 * The host seam (DESIGN.md §2b): src/sys/ is the only code that touches the host. Two
 * backends sit behind the small modules here (fs, path, bytes, proc, spawn):
 * - the C host module of the command line (native/cli), present as `__runtsHost` when
 *   runts runs on its embedded QuickJS-ng engine: plain syscalls, errno-coded;
 * - Node's builtin modules (the library on Node >= 20 and on Bun), loaded on first use so
 *   that an import of src/sys costs nothing on either engine.
 * Errors keep one shape on both: an Error whose `code` is the errno name (ENOENT),
 * with `syscall` and `path`, which sysError (src/errors.ts) turns into a RuntsError.
 */

/** Stat fields as the C module returns them. */
export interface HostStat {
  mode: number;
  uid: number;
  gid: number;
  size: number;
  dev: number;
  ino: number;
  rdev: number;
  nlink: number;
  mtimeMs: number;
}

/** The C host module (native/cli/*.c). Every call is synchronous except the loop's callbacks. */
export interface QjsHost {
  open(path: string, flags: number, mode: number): number;
  close(fd: number): void;
  read(fd: number, buf: Uint8Array, off: number, len: number): number;
  write(fd: number, buf: Uint8Array, off: number, len: number): number;
  readFile(path: string): ArrayBuffer;
  stat(path: string, follow: boolean): HostStat;
  fstat(fd: number): HostStat;
  mkdir(path: string, mode: number): void;
  rmdir(path: string): void;
  unlink(path: string): void;
  access(path: string, mode: number): void;
  mkfifo(path: string, mode: number): void;
  chmod(path: string, mode: number): void;
  rename(from: string, to: string): void;
  /** rename(from, to), as an exchange and an unlink when `to` exists (see fs.ts replace). */
  replace(from: string, to: string): void;
  symlink(target: string, path: string): void;
  readdir(path: string, dirsOnly?: boolean): string[];
  readlink(path: string): string;
  realpath(path: string): string;
  sha256(data: Uint8Array): ArrayBuffer;
  /** Lower-case hex of the bytes. */
  hex(data: Uint8Array): string;
  /** errno number -> [name, strerror text]; null when unknown. */
  errno(n: number): [string, string] | null;
  utf8(s: string): ArrayBuffer;
  text(b: Uint8Array): string;
  readonly argv: string[];
  readonly env: Record<string, string>;
  readonly exe: string;
  /** What `runts-init version` prints (the shim is this binary). */
  nativeVersions(): string;
  /** This binary opened through a fresh detached read-only overlayfs (native/cloned.c), or -1. */
  sealedSelf(): number;
  /** After the shim spawned from sealedSelf() has exec'ed: drop the overlay's mount fd (on a thread). */
  sealedRelease(): void;
  exitCode: number;
  exit(code: number): never;
  /** [pid, ppid, uid, euid, gid, egid] */
  ids(): [number, number, number, number, number, number];
  kill(pid: number, sig: number): void;
  cwd(): string;
  release(): string;
  /** 0: wall clock, 1: monotonic; milliseconds. */
  clock(which: 0 | 1): number;
  sleep(ms: number): void;
  pipe(): [number, number];
  socketpair(): [number, number];
  setNonblock(fd: number, on: boolean): void;
  isatty(fd: number): boolean;
  /** fds[i] becomes fd i in the child (-1: closed); every other fd is close-on-exec. */
  spawn(path: string, argv: string[], env: string[], fds: string[], setsid: boolean): number;
  /** [status, signal, stdout, stderr, timedOut]; -1 where not applicable. */
  runSync(path: string, argv: string[], env: string[], input: Uint8Array | null, timeoutMs: number, maxOutput: number): [number, number, ArrayBuffer, ArrayBuffer, boolean];
  waitpid(pid: number, block: boolean): [number, number, number] | null;
  connectUnix(path: string): number;
  sendFds(sock: number, data: Uint8Array, fds: number[]): number;
  recvFds(sock: number, buf: Uint8Array): [number, ...number[]];
  watch(fd: number, cb: (() => void) | null): void;
  setTimer(ms: number, cb: () => void): number;
  clearTimer(id: number): void;
  onSignal(signo: number, cb: ((signo: number) => void) | null): void;
  watchChild(pid: number, cb: (code: number, signal: number) => void): void;
}

/** The C module when running on the embedded engine; undefined on Node and Bun. */
export const qjs: QjsHost | undefined = (globalThis as { __runtsHost?: QjsHost }).__runtsHost;

/** A Node builtin (also on Bun), loaded when first used. */
export function nodeModule<T>(name: string): T {
  return (globalThis as unknown as { process: { getBuiltinModule(n: string): unknown } }).process.getBuiltinModule(name) as T;
}
