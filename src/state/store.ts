/**
 * The state root: one directory per container (`<root>/<id>/`) holding `state.json`
 * (facts only, written atomically: tmp + fsync-free rename, since the kernel facts it
 * points at do not survive a reboot either) and `exec.fifo` between create and start.
 */
import * as fs from '../sys/fs.js';
import { join } from '../sys/path.js';
import { pid } from '../sys/self.js';
import { RuntsError, sysError } from '../errors.js';
import type { Spec } from '../spec/types.js';
import type { CgroupState } from '../cgroups/manager.js';

/** What state.json holds: facts recorded at create time; status is never stored. */
export interface StoredState {
  /** Format version of this file. */
  version: 1;
  /** The container id. */
  id: string;
  /** Host pid of the init; 0 while creating. */
  pid: number;
  /** Start time of the init (clock ticks, /proc/<pid>/stat field 22). */
  pidStart: number;
  /** Absolute path of the bundle. */
  bundle: string;
  /** Absolute path of the root filesystem. */
  rootfs: string;
  /** RFC 3339 with nanoseconds, as runc prints it. */
  created: string;
  /** Owner of the container (empty: root), as runc's state. */
  owner: string;
  /** The config the container was created from (exec defaults, hooks). */
  spec: Spec;
  /** The cgroup(s), null without cgroups. */
  cgroup: CgroupState | null;
  /** Pid of the creating process and its start time, while status is creating. */
  creator?: {
    /** Pid of the creating process. */
    pid: number;
    /** Its start time (clock ticks). */
    start: number;
  };
}

const ID_RE = /^[A-Za-z0-9][A-Za-z0-9_.+-]*$/;

/** Check a container id: what runc allows, so ids map to a single safe directory name. */
export function checkId(id: unknown): string {
  if (typeof id !== 'string' || id === '') throw new RuntsError('EINVALID', 'container id: must not be empty');
  // The id names a directory (and a cgroup): longer than NAME_MAX cannot be created.
  if (id.length > 255) throw new RuntsError('EINVALID', `container id: too long (${id.length} characters, at most 255)`);
  if (id === '.' || id === '..' || !ID_RE.test(id)) {
    throw new RuntsError('EINVALID', `container id ${JSON.stringify(id)}: invalid format (letters, digits, and _ . + - only, not starting with a symbol)`);
  }
  return id;
}

/** A state root directory. */
export class Store {
  constructor(readonly root: string) {}

  dir(id: string): string {
    return join(this.root, id);
  }
  stateFile(id: string): string {
    return join(this.root, id, 'state.json');
  }
  fifo(id: string): string {
    return join(this.root, id, 'exec.fifo');
  }

  /** Reserve the id: an atomic mkdir; a second create of the same id fails with EEXIST. */
  reserve(id: string): string {
    try {
      fs.mkdir(this.root, { recursive: true, mode: 0o700 });
    } catch (e) {
      throw sysError('create state root', e, this.root);
    }
    const dir = this.dir(id);
    try {
      fs.mkdir(dir, { mode: 0o711 });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'EEXIST') {
        throw new RuntsError('EEXIST', `container with id ${id} already exists`);
      }
      throw sysError('create state dir', e, dir);
    }
    return dir;
  }

  /** Write state.json atomically. */
  write(st: StoredState): void {
    const file = this.stateFile(st.id);
    const tmp = `${file}.${pid()}.tmp`;
    try {
      fs.writeFile(tmp, JSON.stringify(st), 0o600);
      fs.replace(tmp, file);
    } catch (e) {
      fs.remove(tmp, { force: true });
      throw sysError('write state', e, file);
    }
  }

  /** Read state.json; ENOTFOUND when the container does not exist. */
  read(id: string): StoredState {
    checkId(id);
    let text: string;
    try {
      text = fs.readText(this.stateFile(id));
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR') throw notFound(id);
      throw sysError('read state', e, this.stateFile(id));
    }
    try {
      return JSON.parse(text) as StoredState;
    } catch (e) {
      throw new RuntsError('ESYS', `read state ${this.stateFile(id)}: corrupt json`, { cause: e });
    }
  }

  /** Ids of every directory under the root (containers, including ones being created). */
  ids(): string[] {
    try {
      return fs
        .subdirs(this.root)
        .filter((d) => ID_RE.test(d))
        .sort();
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw sysError('list state root', e, this.root);
    }
  }

  /** Remove the container's state directory (idempotent). */
  remove(id: string): void {
    try {
      fs.remove(this.dir(id), { recursive: true, force: true });
    } catch (e) {
      throw sysError('remove state dir', e, this.dir(id));
    }
  }
}

/** The error callers match with "does not exist". */
export function notFound(id: string): RuntsError {
  return new RuntsError('ENOTFOUND', `container ${id} does not exist`);
}
