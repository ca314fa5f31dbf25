/**
 * What runts keeps next to CRIU's images (`runts-checkpoint.json` in the image dir), and
 * the facts about a live container that a dump needs: which of its mounts come from the
 * host (CRIU must be told: `ext_mnt`), and what its init's stdio points at (pipes and
 * host files are outside the container; a restore hands the new stdio in their place).
 */
import * as fs from '../sys/fs.js';
import { join, posix } from '../sys/path.js';
import { RuntsError, sysError } from '../errors.js';
import type { Spec } from '../spec/types.js';
import type { StoredState } from '../state/store.js';

/** Name of the runts file in a checkpoint's image directory. */
export const IMAGE_FILE = 'runts-checkpoint.json';

/** A mount of the container that CRIU must treat as external, keyed by its destination. */
export interface ExternalMount {
  /** Mount point inside the container (the ext_mnt key). */
  dest: string;
  /** bind: a spec bind mount (restored from its source); cgroup: a cgroup hierarchy bind; dev: a host device node. */
  kind: 'bind' | 'cgroup' | 'dev';
}

/** The runts file of a checkpoint. */
export interface CheckpointImage {
  version: 1;
  /** The container's stored state at checkpoint time (spec, bundle, rootfs, cgroup). */
  state: StoredState;
  /** inherit_fd keys of the init's fds 0, 1, 2 (null: restored from the image itself). */
  stdio: Array<string | null>;
  /** Mounts dumped as external. */
  externalMounts: ExternalMount[];
  /** CRIU version that wrote the images. */
  criu: string;
  /** --manage-cgroups-mode of the dump ('ignore': the images hold no cgroups). */
  cgroupMode?: string;
}

/** One line of /proc/<pid>/mountinfo. */
export interface MountInfo {
  id: number;
  root: string;
  mountPoint: string;
  fsType: string;
  superOptions: string;
}

/** Parse mountinfo text (octal escapes in paths decoded). */
export function parseMountInfo(text: string): MountInfo[] {
  const unescape = (s: string) => s.replace(/\\([0-7]{3})/g, (_m, o: string) => String.fromCharCode(parseInt(o, 8)));
  const out: MountInfo[] = [];
  for (const line of text.split('\n')) {
    if (!line) continue;
    const [pre, post] = line.split(' - ');
    const f = (pre ?? '').split(' ');
    const g = (post ?? '').split(' ');
    out.push({ id: Number(f[0]), root: unescape(f[3] ?? ''), mountPoint: unescape(f[4] ?? ''), fsType: g[0] ?? '', superOptions: g[2] ?? '' });
  }
  return out;
}

/** Mounts of the container that CRIU cannot dump by itself. */
export function externalMounts(spec: Spec, mounts: MountInfo[]): ExternalMount[] {
  const points = new Set(mounts.map((m) => m.mountPoint));
  const out: ExternalMount[] = [];
  const add = (dest: string, kind: ExternalMount['kind']) => {
    if (points.has(dest) && !out.some((e) => e.dest === dest)) out.push({ dest, kind });
  };
  for (const m of spec.mounts ?? []) {
    const bind = m.type === 'bind' || (m.options ?? []).some((o) => o === 'bind' || o === 'rbind');
    if (bind) add(posix.normalize(m.destination), 'bind');
  }
  for (const m of mounts) {
    if ((m.fsType === 'cgroup' || m.fsType === 'cgroup2') && m.mountPoint.startsWith('/sys/fs/cgroup')) add(m.mountPoint, 'cgroup');
    else if (m.fsType === 'devtmpfs') add(m.mountPoint, 'dev');
  }
  return out;
}

/**
 * The init's stdio as CRIU sees it: pipes are keyed "pipe:[ino]" (restored from the new
 * stdio); files on mounts outside the container ("file[mnt_id:ino]", hex) must be dumped
 * as external and are restored the same way. Anything else (a pty of the container, a
 * socket) stays CRIU's business. Returns the keys and the `external` entries to dump.
 */
export function stdioKeys(pid: number, containerMountIds: Set<number>): { keys: Array<string | null>; external: string[] } {
  const keys: Array<string | null> = [];
  const external: string[] = [];
  for (let fd = 0; fd < 3; fd++) {
    let link: string;
    try {
      link = fs.readlink(`/proc/${pid}/fd/${fd}`);
    } catch {
      keys.push(null);
      continue;
    }
    if (link.startsWith('pipe:')) {
      keys.push(link);
      continue;
    }
    if (!link.startsWith('/')) {
      keys.push(null);
      continue;
    }
    const mnt = Number(/^mnt_id:\s*(\d+)/m.exec(fs.readText(`/proc/${pid}/fdinfo/${fd}`))?.[1] ?? -1);
    if (containerMountIds.has(mnt)) {
      keys.push(null);
      continue;
    }
    const key = `file[${mnt.toString(16)}:${fs.stat(`/proc/${pid}/fd/${fd}`).ino.toString(16)}]`;
    if (!external.includes(key)) external.push(key);
    keys.push(key);
  }
  return { keys, external };
}

/** Write the runts file into the image directory. */
export function writeImage(dir: string, image: CheckpointImage): void {
  const file = join(dir, IMAGE_FILE);
  try {
    fs.writeFile(file, JSON.stringify(image), 0o600);
  } catch (e) {
    throw sysError('write checkpoint state', e, file);
  }
}

/** Read the runts file of an image directory (EINVALID when it is not a runts checkpoint). */
export function readImage(dir: string): CheckpointImage {
  const file = join(dir, IMAGE_FILE);
  let text: string;
  try {
    text = fs.readText(file);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') {
      if (!fs.exists(dir)) throw new RuntsError('EINVALID', `image path ${dir} does not exist`, { path: dir });
      throw new RuntsError('EINVALID', `image path ${dir}: not a runts checkpoint (no ${IMAGE_FILE}; was it made by \`runts checkpoint\` without --pre-dump?)`);
    }
    throw sysError('read checkpoint state', e, file);
  }
  const img = JSON.parse(text) as CheckpointImage;
  if (img.version !== 1 || !img.state?.spec) throw new RuntsError('EINVALID', `${file}: unknown format`);
  return img;
}
