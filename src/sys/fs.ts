/**
 * Synchronous file operations, on the C host module (the CLI) or node:fs (the library).
 * Failures throw an Error whose `code` is the errno name (ENOENT, EEXIST...), with
 * `syscall` and `path`: callers branch on `code` and wrap with sysError.
 */
import { nodeModule, qjs, type HostStat } from './host.js';
import { concat, text, utf8 } from './bytes.js';
import { join } from './path.js';

type NodeFs = typeof import('node:fs');
const nfs = (): NodeFs => nodeModule<NodeFs>('node:fs');

/** open(2) flags and access(2) modes (Linux values; the same on every engine here). */
export const O = {
  RDONLY: 0o0,
  WRONLY: 0o1,
  RDWR: 0o2,
  CREAT: 0o100,
  EXCL: 0o200,
  NOCTTY: 0o400,
  TRUNC: 0o1000,
  APPEND: 0o2000,
  NONBLOCK: 0o4000,
  DIRECTORY: 0o200000,
  NOFOLLOW: 0o400000,
  CLOEXEC: 0o2000000,
} as const;
export const F_OK = 0;
export const X_OK = 1;
export const W_OK = 2;
export const R_OK = 4;

const S_IFMT = 0o170000;

/** What stat(2) says about a file. */
export class Stat {
  readonly mode: number;
  readonly uid: number;
  readonly gid: number;
  readonly size: number;
  readonly dev: number;
  readonly ino: number;
  readonly rdev: number;
  readonly nlink: number;
  readonly mtimeMs: number;
  constructor(s: HostStat) {
    this.mode = s.mode;
    this.uid = s.uid;
    this.gid = s.gid;
    this.size = s.size;
    this.dev = s.dev;
    this.ino = s.ino;
    this.rdev = s.rdev;
    this.nlink = s.nlink;
    this.mtimeMs = s.mtimeMs;
  }
  isFile(): boolean {
    return (this.mode & S_IFMT) === 0o100000;
  }
  isDirectory(): boolean {
    return (this.mode & S_IFMT) === 0o040000;
  }
  isSymbolicLink(): boolean {
    return (this.mode & S_IFMT) === 0o120000;
  }
  isFIFO(): boolean {
    return (this.mode & S_IFMT) === 0o010000;
  }
  isSocket(): boolean {
    return (this.mode & S_IFMT) === 0o140000;
  }
  isCharacterDevice(): boolean {
    return (this.mode & S_IFMT) === 0o020000;
  }
  isBlockDevice(): boolean {
    return (this.mode & S_IFMT) === 0o060000;
  }
}

export function readBytes(path: string): Uint8Array {
  return qjs ? new Uint8Array(qjs.readFile(path)) : nfs().readFileSync(path);
}

export function readText(path: string): string {
  return qjs ? qjs.text(new Uint8Array(qjs.readFile(path))) : nfs().readFileSync(path, 'utf8');
}

/** open(2): flags from O (O_CLOEXEC is always added), mode for O_CREAT. */
export function open(path: string, flags: number, mode = 0o666): number {
  return qjs ? qjs.open(path, flags, mode) : nfs().openSync(path, flags | O.CLOEXEC, mode);
}

export function close(fd: number): void {
  if (qjs) qjs.close(fd);
  else nfs().closeSync(fd);
}

/** Write all of `data` to fd. */
export function write(fd: number, data: string | Uint8Array): void {
  const b = typeof data === 'string' ? utf8(data) : data;
  for (let off = 0; off < b.length; ) off += qjs ? qjs.write(fd, b, off, b.length - off) : nfs().writeSync(fd, b, off, b.length - off);
}

/** One write(2) of b[off..]: returns the bytes written (may be fewer; EAGAIN throws). */
export function writeSome(fd: number, b: Uint8Array, off = 0): number {
  return qjs ? qjs.write(fd, b, off, b.length - off) : nfs().writeSync(fd, b, off, b.length - off);
}

/** Everything readable from fd until end of file, as UTF-8 text (e.g. stdin). */
export function readFdText(fd: number): string {
  const parts: Uint8Array[] = [];
  for (;;) {
    const b = new Uint8Array(65536);
    const n = read(fd, b);
    if (n <= 0) break;
    parts.push(b.subarray(0, n));
  }
  return text(concat(parts));
}

/** Read up to buf.length bytes at the fd's offset; 0 at end of file. */
export function read(fd: number, buf: Uint8Array, off = 0, len = buf.length - off): number {
  return qjs ? qjs.read(fd, buf, off, len) : nfs().readSync(fd, buf, off, len, null);
}

/** Create or truncate `path` with `data` (mode applies when created). */
export function writeFile(path: string, data: string | Uint8Array, mode = 0o666): void {
  if (!qjs) {
    nfs().writeFileSync(path, data, { mode });
    return;
  }
  const fd = open(path, O.WRONLY | O.CREAT | O.TRUNC, mode);
  try {
    write(fd, data);
  } finally {
    close(fd);
  }
}

export function appendText(path: string, data: string, mode = 0o666): void {
  if (!qjs) {
    nfs().appendFileSync(path, data, { mode });
    return;
  }
  const fd = open(path, O.WRONLY | O.CREAT | O.APPEND, mode);
  try {
    write(fd, data);
  } finally {
    close(fd);
  }
}

export function stat(path: string): Stat {
  return new Stat(qjs ? qjs.stat(path, true) : nfs().statSync(path));
}

export function lstat(path: string): Stat {
  return new Stat(qjs ? qjs.stat(path, false) : nfs().lstatSync(path));
}

export function fstat(fd: number): Stat {
  return new Stat(qjs ? qjs.fstat(fd) : nfs().fstatSync(fd));
}

/** True when `path` exists (following symlinks); false on any error, as existsSync. */
export function exists(path: string): boolean {
  try {
    if (qjs) qjs.access(path, F_OK);
    else nfs().accessSync(path, F_OK);
    return true;
  } catch {
    return false;
  }
}

export function access(path: string, mode = F_OK): void {
  if (qjs) qjs.access(path, mode);
  else nfs().accessSync(path, mode);
}

/** mkdir(2); with recursive, the missing parents too and no error when it exists. */
export function mkdir(path: string, opts: { recursive?: boolean; mode?: number } = {}): void {
  const mode = opts.mode ?? 0o777;
  if (!qjs) {
    nfs().mkdirSync(path, { recursive: opts.recursive ?? false, mode });
    return;
  }
  if (!opts.recursive) return qjs.mkdir(path, mode);
  try {
    qjs.mkdir(path, mode);
  } catch (e) {
    const code = (e as { code?: string }).code;
    if (code === 'EEXIST' && stat(path).isDirectory()) return;
    if (code !== 'ENOENT') throw e;
    const parent = path.replace(/\/+[^/]+\/*$/, '');
    if (parent === path || parent === '') throw e;
    mkdir(parent, opts);
    qjs.mkdir(path, mode);
  }
}

export function rmdir(path: string): void {
  if (qjs) qjs.rmdir(path);
  else nfs().rmdirSync(path);
}

export function unlink(path: string): void {
  if (qjs) qjs.unlink(path);
  else nfs().unlinkSync(path);
}

/** Remove a file, or with recursive a whole tree (not following symlinks); force: a missing path is fine. */
export function remove(path: string, opts: { recursive?: boolean; force?: boolean } = {}): void {
  if (!qjs) {
    nfs().rmSync(path, { recursive: opts.recursive ?? false, force: opts.force ?? false });
    return;
  }
  let st: Stat;
  try {
    st = lstat(path);
  } catch (e) {
    if (opts.force && (e as { code?: string }).code === 'ENOENT') return;
    throw e;
  }
  if (!st.isDirectory()) return qjs.unlink(path);
  if (!opts.recursive) {
    const e = Object.assign(new Error(`ERR_FS_EISDIR: path is a directory: rm returned EISDIR (is a directory) ${path}`), { code: 'ERR_FS_EISDIR', path });
    throw e;
  }
  // As node:fs's rm: a file made in the directory meanwhile (a concurrent command's lock
  // file) is removed too, instead of failing with ENOTEMPTY.
  for (let attempt = 0; ; attempt++) {
    for (const name of readdirOrNone(path)) remove(join(path, name), { ...opts, force: true });
    try {
      qjs.rmdir(path);
      return;
    } catch (e) {
      const code = (e as { code?: string }).code;
      if (code === 'ENOENT' && opts.force) return;
      if (code !== 'ENOTEMPTY' || attempt >= 10) throw e;
    }
  }
}

function readdirOrNone(path: string): string[] {
  try {
    return qjs!.readdir(path);
  } catch (e) {
    if ((e as { code?: string }).code === 'ENOENT') return [];
    throw e;
  }
}

export function readdir(path: string): string[] {
  return qjs ? qjs.readdir(path) : nfs().readdirSync(path);
}

/** Names of the subdirectories of `path` (symlinks to directories do not count). */
export function subdirs(path: string): string[] {
  if (qjs) return qjs.readdir(path, true);
  return nfs()
    .readdirSync(path, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => d.name);
}

export function readlink(path: string): string {
  return qjs ? qjs.readlink(path) : nfs().readlinkSync(path);
}

export function realpath(path: string): string {
  return qjs ? qjs.realpath(path) : nfs().realpathSync(path);
}

export function rename(from: string, to: string): void {
  if (qjs) qjs.rename(from, to);
  else nfs().renameSync(from, to);
}

/**
 * Atomically put `from` in place of `to`, as rename(2): readers see the old file or the new
 * one. On the CLI an existing `to` is exchanged (renameat2 RENAME_EXCHANGE) and the old
 * file unlinked: a file renamed over another is flushed to disk at once by ext4, one
 * deleted young never is (state.json is replaced during every create). Node has no
 * renameat2: a plain rename there.
 */
export function replace(from: string, to: string): void {
  if (qjs) qjs.replace(from, to);
  else nfs().renameSync(from, to);
}

export function symlink(target: string, path: string): void {
  if (qjs) qjs.symlink(target, path);
  else nfs().symlinkSync(target, path);
}

/** Text of a file as bytes in latin1 (for /proc files whose names may hold any byte). */
export function readLatin1(path: string): string {
  if (!qjs) return nfs().readFileSync(path, 'latin1');
  const b = new Uint8Array(qjs.readFile(path));
  let s = '';
  for (let i = 0; i < b.length; i += 8192) s += String.fromCharCode(...b.subarray(i, i + 8192));
  return s;
}
