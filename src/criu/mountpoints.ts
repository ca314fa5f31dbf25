/**
 * Mount points a restore must find in the rootfs. CRIU mounts the checkpointed mounts
 * onto existing entries; `create` made them (a bind of a file gets an empty file, any
 * other mount a directory), but a restore may run on a fresh copy of the image (podman
 * `container restore --import`, a migration) that lacks /etc/hosts and the like. runc
 * creates them before calling CRIU, and so does runts: this module decides which (pure
 * apart from a stat of each bind source), the relay creates them inside the rootfs with
 * openat2(RESOLVE_IN_ROOT) (native/criu-swrk.c, make_mountpoints), so a symlink in the
 * image cannot send a creation outside it.
 *
 * As in runc: nothing below a tmpfs destination (CRIU restores a tmpfs with its files,
 * mount points included), no cgroup mounts (they appear with /sys). A bind whose
 * destination holds a later mount point is bound while that one is created, so it is
 * created in the bind's source, where `create` made it.
 */
import * as fs from '../sys/fs.js';
import { posix, resolve } from '../sys/path.js';
import { RuntsError } from '../errors.js';
import type { Spec } from '../spec/types.js';

/** One mount point to create (when missing) in the rootfs before CRIU restores. */
export interface RestoreMountpoint {
  /** Absolute path inside the rootfs. */
  dest: string;
  /** Create an empty file (a bind of a non-directory), else a directory. */
  file: boolean;
  /** Host path bound on `dest` while later mount points below it are created. */
  bind?: string;
}

/** Whether a spec mount is a bind mount (type bind, or a bind/rbind option). */
export function isBindMount(m: { type?: string; options?: string[] }): boolean {
  return m.type === 'bind' || (m.options ?? []).some((o) => o === 'bind' || o === 'rbind');
}

/**
 * The mount points of `spec` to create in its rootfs before a restore, in mount order.
 * Bind sources are resolved against `bundle`; a missing one is an EINVALID error naming
 * the field (CRIU could not restore the bind either).
 */
export function restoreMountpoints(spec: Spec, bundle: string): RestoreMountpoint[] {
  const mounts = spec.mounts ?? [];
  const tmpfs = mounts.filter((m) => m.type === 'tmpfs').map((m) => posix.normalize(m.destination).replace(/\/+$/, ''));
  const below = (dest: string, dir: string) => dir === '' || dest.startsWith(`${dir}/`);
  const out: Array<RestoreMountpoint & { source?: string }> = [];
  mounts.forEach((m, i) => {
    const dest = posix.normalize(m.destination).replace(/\/+$/, '');
    if (!dest.startsWith('/') || dest === '') return; // "/" (or relative: refused by validation)
    if (m.type === 'cgroup' || m.type === 'cgroup2') return;
    if (tmpfs.some((t) => below(dest, t))) return;
    if (!isBindMount(m)) {
      out.push({ dest, file: false });
      return;
    }
    const source = resolve(bundle, m.source ?? '');
    let dir: boolean;
    try {
      dir = fs.stat(source).isDirectory();
    } catch (e) {
      const why = (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'does not exist' : `cannot be read (${(e as NodeJS.ErrnoException).code ?? String(e)})`;
      throw new RuntsError('EINVALID', `mounts[${i}].source: ${source} ${why} (the bind mount of ${dest} cannot be restored)`, {
        problems: [{ path: `mounts[${i}].source`, message: `${source} ${why}` }],
      });
    }
    out.push({ dest, file: !dir, source });
  });
  return out.map(({ dest, file, source }, i) => {
    const holds = source !== undefined && !file && out.slice(i + 1).some((l) => below(l.dest, dest));
    return holds ? { dest, file, bind: source } : { dest, file };
  });
}

/** The relay's arguments for `mountpoints` (see native/criu-swrk.c). */
export function mountpointArgs(mountpoints: RestoreMountpoint[]): string[] {
  return mountpoints.flatMap((m) => ['--mountpoint', m.file ? 'file' : 'dir', m.dest, m.bind ?? '']);
}
