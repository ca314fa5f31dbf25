/**
 * Mount options (`mounts[].options`, mount(8) style) to what the kernel takes:
 * mount(2) flags, a filesystem data string, propagation changes, and mount_setattr(2)
 * attributes for the recursive `r*` forms. The option set is runc's (specconv).
 *
 * This is the one place that defines the MS_* and MOUNT_ATTR_* constants; every other
 * module imports them from here. Values are bigint so 64-bit attributes stay exact.
 */

import type { Problem } from '../errors.js';

/** mount(2) flag MS_RDONLY. */
export const MS_RDONLY = 1n;
/** mount(2) flag MS_NOSUID. */
export const MS_NOSUID = 2n;
/** mount(2) flag MS_NODEV. */
export const MS_NODEV = 4n;
/** mount(2) flag MS_NOEXEC. */
export const MS_NOEXEC = 8n;
/** mount(2) flag MS_SYNCHRONOUS. */
export const MS_SYNCHRONOUS = 16n;
/** mount(2) flag MS_REMOUNT. */
export const MS_REMOUNT = 32n;
/** mount(2) flag MS_MANDLOCK. */
export const MS_MANDLOCK = 64n;
/** mount(2) flag MS_DIRSYNC. */
export const MS_DIRSYNC = 128n;
/** mount(2) flag MS_NOSYMFOLLOW. */
export const MS_NOSYMFOLLOW = 256n;
/** mount(2) flag MS_NOATIME. */
export const MS_NOATIME = 1024n;
/** mount(2) flag MS_NODIRATIME. */
export const MS_NODIRATIME = 2048n;
/** mount(2) flag MS_BIND. */
export const MS_BIND = 4096n;
/** mount(2) flag MS_MOVE. */
export const MS_MOVE = 8192n;
/** mount(2) flag MS_REC. */
export const MS_REC = 16384n;
/** mount(2) flag MS_SILENT. */
export const MS_SILENT = 32768n;
/** mount(2) flag MS_POSIXACL. */
export const MS_POSIXACL = 1n << 16n;
/** mount(2) flag MS_UNBINDABLE. */
export const MS_UNBINDABLE = 1n << 17n;
/** mount(2) flag MS_PRIVATE. */
export const MS_PRIVATE = 1n << 18n;
/** mount(2) flag MS_SLAVE. */
export const MS_SLAVE = 1n << 19n;
/** mount(2) flag MS_SHARED. */
export const MS_SHARED = 1n << 20n;
/** mount(2) flag MS_RELATIME. */
export const MS_RELATIME = 1n << 21n;
/** mount(2) flag MS_KERNMOUNT. */
export const MS_KERNMOUNT = 1n << 22n;
/** mount(2) flag MS_I_VERSION. */
export const MS_I_VERSION = 1n << 23n;
/** mount(2) flag MS_STRICTATIME. */
export const MS_STRICTATIME = 1n << 24n;
/** mount(2) flag MS_LAZYTIME. */
export const MS_LAZYTIME = 1n << 25n;

/** mount_setattr(2) attribute MOUNT_ATTR_RDONLY. */
export const MOUNT_ATTR_RDONLY = 0x1n;
/** mount_setattr(2) attribute MOUNT_ATTR_NOSUID. */
export const MOUNT_ATTR_NOSUID = 0x2n;
/** mount_setattr(2) attribute MOUNT_ATTR_NODEV. */
export const MOUNT_ATTR_NODEV = 0x4n;
/** mount_setattr(2) attribute MOUNT_ATTR_NOEXEC. */
export const MOUNT_ATTR_NOEXEC = 0x8n;
/** mount_setattr(2) attribute MOUNT_ATTR__ATIME: mask of the access-time setting (an enum, not bits). */
export const MOUNT_ATTR__ATIME = 0x70n;
/** mount_setattr(2) attribute MOUNT_ATTR_RELATIME. */
export const MOUNT_ATTR_RELATIME = 0x0n;
/** mount_setattr(2) attribute MOUNT_ATTR_NOATIME. */
export const MOUNT_ATTR_NOATIME = 0x10n;
/** mount_setattr(2) attribute MOUNT_ATTR_STRICTATIME. */
export const MOUNT_ATTR_STRICTATIME = 0x20n;
/** mount_setattr(2) attribute MOUNT_ATTR_NODIRATIME. */
export const MOUNT_ATTR_NODIRATIME = 0x80n;
/** mount_setattr(2) attribute MOUNT_ATTR_IDMAP. */
export const MOUNT_ATTR_IDMAP = 0x100000n;
/** mount_setattr(2) attribute MOUNT_ATTR_NOSYMFOLLOW. */
export const MOUNT_ATTR_NOSYMFOLLOW = 0x200000n;

/** The mount(2) flags by name without the MS_ prefix (`MS.BIND`), for code that builds flag sets. */
export const MS = Object.freeze({
  RDONLY: MS_RDONLY,
  NOSUID: MS_NOSUID,
  NODEV: MS_NODEV,
  NOEXEC: MS_NOEXEC,
  SYNCHRONOUS: MS_SYNCHRONOUS,
  REMOUNT: MS_REMOUNT,
  MANDLOCK: MS_MANDLOCK,
  DIRSYNC: MS_DIRSYNC,
  NOSYMFOLLOW: MS_NOSYMFOLLOW,
  NOATIME: MS_NOATIME,
  NODIRATIME: MS_NODIRATIME,
  BIND: MS_BIND,
  MOVE: MS_MOVE,
  REC: MS_REC,
  SILENT: MS_SILENT,
  POSIXACL: MS_POSIXACL,
  UNBINDABLE: MS_UNBINDABLE,
  PRIVATE: MS_PRIVATE,
  SLAVE: MS_SLAVE,
  SHARED: MS_SHARED,
  RELATIME: MS_RELATIME,
  KERNMOUNT: MS_KERNMOUNT,
  I_VERSION: MS_I_VERSION,
  STRICTATIME: MS_STRICTATIME,
  LAZYTIME: MS_LAZYTIME,
});

/** The mount_setattr(2) attributes by name without the MOUNT_ATTR_ prefix (`MOUNT_ATTR.RDONLY`). */
export const MOUNT_ATTR = Object.freeze({
  RDONLY: MOUNT_ATTR_RDONLY,
  NOSUID: MOUNT_ATTR_NOSUID,
  NODEV: MOUNT_ATTR_NODEV,
  NOEXEC: MOUNT_ATTR_NOEXEC,
  _ATIME: MOUNT_ATTR__ATIME,
  RELATIME: MOUNT_ATTR_RELATIME,
  NOATIME: MOUNT_ATTR_NOATIME,
  STRICTATIME: MOUNT_ATTR_STRICTATIME,
  NODIRATIME: MOUNT_ATTR_NODIRATIME,
  IDMAP: MOUNT_ATTR_IDMAP,
  NOSYMFOLLOW: MOUNT_ATTR_NOSYMFOLLOW,
});


/** Option → [clear?, MS_* flag]. `defaults` is accepted and does nothing. */
const FLAGS: Readonly<Record<string, readonly [boolean, bigint]>> = {
  async: [true, MS_SYNCHRONOUS],
  atime: [true, MS_NOATIME],
  bind: [false, MS_BIND],
  defaults: [false, 0n],
  dev: [true, MS_NODEV],
  diratime: [true, MS_NODIRATIME],
  dirsync: [false, MS_DIRSYNC],
  exec: [true, MS_NOEXEC],
  iversion: [false, MS_I_VERSION],
  lazytime: [false, MS_LAZYTIME],
  loud: [true, MS_SILENT],
  mand: [false, MS_MANDLOCK],
  noatime: [false, MS_NOATIME],
  nodev: [false, MS_NODEV],
  nodiratime: [false, MS_NODIRATIME],
  noexec: [false, MS_NOEXEC],
  noiversion: [true, MS_I_VERSION],
  nolazytime: [true, MS_LAZYTIME],
  nomand: [true, MS_MANDLOCK],
  norelatime: [true, MS_RELATIME],
  nostrictatime: [true, MS_STRICTATIME],
  nosuid: [false, MS_NOSUID],
  nosymfollow: [false, MS_NOSYMFOLLOW],
  rbind: [false, MS_BIND | MS_REC],
  relatime: [false, MS_RELATIME],
  remount: [false, MS_REMOUNT],
  ro: [false, MS_RDONLY],
  rw: [true, MS_RDONLY],
  silent: [false, MS_SILENT],
  strictatime: [false, MS_STRICTATIME],
  suid: [true, MS_NOSUID],
  sync: [false, MS_SYNCHRONOUS],
  symfollow: [true, MS_NOSYMFOLLOW],
};

/** Propagation option → flags for a separate mount(2) call. */
const PROPAGATION: Readonly<Record<string, bigint>> = {
  private: MS_PRIVATE,
  rprivate: MS_PRIVATE | MS_REC,
  shared: MS_SHARED,
  rshared: MS_SHARED | MS_REC,
  slave: MS_SLAVE,
  rslave: MS_SLAVE | MS_REC,
  unbindable: MS_UNBINDABLE,
  runbindable: MS_UNBINDABLE | MS_REC,
};

/** Recursive option → [clear?, MOUNT_ATTR_*] for mount_setattr(AT_RECURSIVE). */
const REC_ATTRS: Readonly<Record<string, readonly [boolean, bigint]>> = {
  rro: [false, MOUNT_ATTR_RDONLY],
  rrw: [true, MOUNT_ATTR_RDONLY],
  rnosuid: [false, MOUNT_ATTR_NOSUID],
  rsuid: [true, MOUNT_ATTR_NOSUID],
  rnodev: [false, MOUNT_ATTR_NODEV],
  rdev: [true, MOUNT_ATTR_NODEV],
  rnoexec: [false, MOUNT_ATTR_NOEXEC],
  rexec: [true, MOUNT_ATTR_NOEXEC],
  rnodiratime: [false, MOUNT_ATTR_NODIRATIME],
  rdiratime: [true, MOUNT_ATTR_NODIRATIME],
  rrelatime: [false, MOUNT_ATTR_RELATIME],
  rnorelatime: [true, MOUNT_ATTR_RELATIME],
  rnoatime: [false, MOUNT_ATTR_NOATIME],
  ratime: [true, MOUNT_ATTR_NOATIME],
  rstrictatime: [false, MOUNT_ATTR_STRICTATIME],
  rnostrictatime: [true, MOUNT_ATTR_STRICTATIME],
  rnosymfollow: [false, MOUNT_ATTR_NOSYMFOLLOW],
  rsymfollow: [true, MOUNT_ATTR_NOSYMFOLLOW],
};

/** Options that are neither flags nor data. */
const SPECIAL = ['idmap', 'ridmap', 'tmpcopyup'] as const;

/** What {@link parseMountOptions} makes of an option list. */
export interface MountOptions {
  /** MS_* flags for the mount(2) call (MS_BIND, MS_REC for rbind, MS_RDONLY ...). */
  flags: bigint;
  /** MS_* flags an option explicitly cleared (`rw`, `suid`, `exec` ...): needed on remount. */
  clearFlags: bigint;
  /** Options mount(2) does not know, comma-joined, in order (`mode=755,size=65536k`). */
  data: string;
  /** Propagation changes, each for its own mount(2) call, in order. */
  propagation: bigint[];
  /** `bind` or `rbind` was given. */
  bind: boolean;
  /** `rbind` was given (or `bind` and MS_REC by other means). */
  recursiveBind: boolean;
  /** MOUNT_ATTR_* to set recursively (mount_setattr attr_set). */
  attrSet: bigint;
  /** MOUNT_ATTR_* to clear recursively (mount_setattr attr_clr). */
  attrClr: bigint;
  /** `idmap`: an id-mapped mount of this mount only. */
  idmap: boolean;
  /** `ridmap`: an id-mapped mount applied recursively. */
  ridmap: boolean;
  /** `tmpcopyup`: fill the new tmpfs with what the rootfs had at the destination (tmpfs only, checked by the validator). */
  tmpcopyup: boolean;
  /** Problems, each at `path[i]`. */
  problems: Problem[];
}

/**
 * Parse mount(8) style options the way runc does: later options win over earlier
 * ones for the same flag; unknown options go to the data string. `path` is the JSON
 * path of the list (default `options`) used in problems.
 */
export function parseMountOptions(options: readonly string[], path = 'options'): MountOptions {
  const m: MountOptions = {
    flags: 0n, clearFlags: 0n, data: '', propagation: [], bind: false, recursiveBind: false,
    attrSet: 0n, attrClr: 0n, idmap: false, ridmap: false, tmpcopyup: false, problems: [],
  };
  const data: string[] = [];
  // A plain loop over one table lookup per option (this runs for every mount, twice).
  for (let i = 0; i < options.length; i++) {
    if (!(i in options)) continue; // forEach skips holes
    const o = options[i]!;
    const kind = typeof o === 'string' ? KIND.get(o) : kindOf(o);
    if (kind === 'flag') {
      const e = FLAGS[o]!; // indexed, not destructured: cheaper in QuickJS
      const clear = e[0];
      const flag = e[1];
      if (clear) {
        m.flags &= ~flag;
        m.clearFlags |= flag;
      } else {
        m.flags |= flag;
        m.clearFlags &= ~flag;
      }
    } else if (kind === 'propagation') {
      m.propagation.push(PROPAGATION[o]!);
    } else if (kind === 'rec') {
      const e = REC_ATTRS[o]!;
      const clear = e[0];
      const attr = e[1];
      if (clear) {
        m.attrClr |= attr;
        m.attrSet &= ~attr;
      } else {
        m.attrSet |= attr;
        m.attrClr &= ~attr;
        // mount_setattr(2): an access-time value in attr_set needs MOUNT_ATTR__ATIME in attr_clr.
        if ((attr & MOUNT_ATTR__ATIME) === attr) m.attrClr |= MOUNT_ATTR__ATIME;
      }
    } else if (o === 'idmap') {
      m.idmap = true;
    } else if (o === 'ridmap') {
      m.ridmap = true;
    } else if (o === 'tmpcopyup') {
      m.tmpcopyup = true;
    } else {
      data.push(o);
    }
  }
  m.data = data.join(',');
  m.bind = (m.flags & MS_BIND) !== 0n;
  m.recursiveBind = m.bind && (m.flags & MS_REC) !== 0n;
  return m;
}

/** Which table an option name is in. */
type Kind = 'flag' | 'propagation' | 'rec';

/** The table of an option that is not a string (unvalidated input), as own-property lookups find it. */
function kindOf(o: string): Kind | undefined {
  if (has(FLAGS, o)) return 'flag';
  if (has(PROPAGATION, o)) return 'propagation';
  if (has(REC_ATTRS, o)) return 'rec';
  return undefined;
}

/** Option name → its table (FLAGS first, as the parser looks them up), built once. */
const KIND: ReadonlyMap<string, Kind> = (() => {
  const m = new Map<string, Kind>();
  for (const k of Object.keys(REC_ATTRS)) m.set(k, 'rec');
  for (const k of Object.keys(PROPAGATION)) m.set(k, 'propagation');
  for (const k of Object.keys(FLAGS)) m.set(k, 'flag');
  return m;
})();

/** Every option name the parser gives a meaning to (for `features`), sorted. */
export function knownMountOptions(): string[] {
  return [...Object.keys(FLAGS), ...Object.keys(PROPAGATION), ...Object.keys(REC_ATTRS), ...SPECIAL].sort();
}

/** Propagation name → flags (`rprivate` → MS_PRIVATE|MS_REC), or undefined (for `rootfsPropagation`). */
export function propagationFlags(name: string): bigint | undefined {
  return has(PROPAGATION, name) ? PROPAGATION[name] : undefined;
}

function has(table: object, k: string): boolean {
  return Object.prototype.hasOwnProperty.call(table, k);
}
