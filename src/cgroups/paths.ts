/**
 * Where a container's cgroups live. Parsing is pure; `hostView` reads /proc/self once.
 *
 * As runc: a missing `linux.cgroupsPath` means the relative path `<id>`. An absolute path
 * is taken from the root of each hierarchy; a relative one from the runtime's own cgroup
 * (per v1 hierarchy, from /proc/self/cgroup, minus the mount's root when the runtime
 * sits in a cgroup namespace). On pure cgroup v2 a relative path starts from the parent
 * of the runtime's own cgroup, because the own cgroup usually holds processes, and the
 * no-internal-process rule would then forbid enabling controllers for its children.
 */
import * as fs from '../sys/fs.js';
import { join, posix } from '../sys/path.js';

/** A mounted cgroup hierarchy (from /proc/self/mountinfo). */
export interface CgroupMount {
  mountpoint: string;
  /** the cgroup this mount shows at its mountpoint ('/' unless bind-mounted or in a cgroupns) */
  root: string;
  type: 'cgroup' | 'cgroup2';
  /** v1: controllers and the name= option, e.g. ['cpu', 'cpuacct'] or ['name=systemd'] */
  controllers: string[];
}

/** Super-block options of cgroup mounts that are not controller names. */
const MOUNT_OPTIONS = new Set(['rw', 'ro', 'relatime', 'noatime', 'nosuid', 'nodev', 'noexec', 'clone_children', 'xattr', 'nsdelegate', 'memory_recursiveprot', 'memory_localevents', 'memory_hugetlb_accounting', 'favordynmods', 'cpuset_v2_mode', 'noprefix']);

/** The cgroup mounts in a mountinfo text. */
export function parseMountinfo(text: string): CgroupMount[] {
  // Runs on every command that touches cgroups: the text is searched for the separator
  // followed by a cgroup type, and only those lines are split and unescaped. (Fields
  // never hold a space, which mountinfo escapes as \040, so " - cgroup" is the
  // separator when it is the line's first " - ", as a line-by-line parse takes it.)
  const out: CgroupMount[] = [];
  for (let at = text.indexOf(' - cgroup'); at >= 0;) {
    const from = text.lastIndexOf('\n', at) + 1;
    let end = text.indexOf('\n', at);
    if (end < 0) end = text.length;
    const sep = text.indexOf(' - ', from);
    at = text.indexOf(' - cgroup', end);
    if (sep >= end) continue;
    const line = text.slice(from, end);
    const left = line.slice(0, sep - from).split(' ');
    const [fstype, , superOpts = ''] = line.slice(sep - from + 3).split(' ');
    if (fstype !== 'cgroup' && fstype !== 'cgroup2') continue;
    const controllers = fstype === 'cgroup' ? superOpts.split(',').filter((o) => !MOUNT_OPTIONS.has(o) && !o.startsWith('release_agent=')) : [];
    out.push({ mountpoint: unescape(left[4] ?? ''), root: unescape(left[3] ?? '/'), type: fstype, controllers });
  }
  return out;
}

function unescape(s: string): string {
  if (!s.includes('\\')) return s;
  return s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
}

/** /proc/<pid>/cgroup → controller → path ('' for the unified hierarchy, `name=x` for named ones). */
export function parseProcCgroup(text: string): Map<string, string> {
  const m = new Map<string, string>();
  for (const line of text.split('\n')) {
    const a = line.indexOf(':');
    const b = line.indexOf(':', a + 1);
    if (a < 0 || b < 0) continue;
    const path = line.slice(b + 1);
    const names = line.slice(a + 1, b);
    if (names === '') m.set('', path);
    else for (const n of names.split(',')) m.set(n, path);
  }
  return m;
}

/**
 * The container's path inside a hierarchy, as clean components. Throws a plain Error for
 * `..` components (they could climb out of the intended subtree).
 */
export function innerPath(cgroupsPath: string | undefined, id: string): { absolute: boolean; parts: string[] } {
  const p = cgroupsPath === undefined || cgroupsPath === '' ? id : cgroupsPath;
  const parts = p.split('/').filter((x) => x !== '' && x !== '.');
  if (parts.includes('..')) throw new Error(`${JSON.stringify(p)} has a ".." component`);
  if (parts.length === 0) throw new Error(`${JSON.stringify(p)} names the root cgroup`);
  return { absolute: p.startsWith('/'), parts };
}

/** The runtime's own cgroup relative to a mount's root (for a cgroup namespace or a bind mount). */
function ownUnder(mount: CgroupMount, own: string | undefined): string {
  const o = own ?? '/';
  if (mount.root === '/' || mount.root === '') return o;
  if (o === mount.root) return '/';
  return o.startsWith(mount.root + '/') ? o.slice(mount.root.length) : o;
}

/** The directory for a hierarchy mounted at `mount`. `parent` starts from the own cgroup's parent (pure v2). */
export function hierarchyDir(mount: CgroupMount, own: string | undefined, inner: { absolute: boolean; parts: string[] }, parent = false): string {
  if (inner.absolute) return join(mount.mountpoint, ...inner.parts);
  let base = ownUnder(mount, own);
  if (parent) base = posix.dirname(base);
  return join(mount.mountpoint, base, ...inner.parts);
}

/** What the manager needs to know about the host's hierarchies under one root. */
export interface HostView {
  root: string;
  /** v1 hierarchies mounted directly under root */
  v1: CgroupMount[];
  /** the unified hierarchy: root itself (v2) or root/unified (hybrid) */
  unified?: CgroupMount;
  /** the runtime's own cgroups (/proc/self/cgroup) */
  own: Map<string, string>;
}

/**
 * Read the host view for hierarchies under `root`. With a root that holds no mounts (unit
 * tests with a temp dir), each directory is taken as a v1 hierarchy named after its
 * controllers, and a cgroup.controllers file marks a unified one.
 */
export function hostView(root: string, layout: 'v1' | 'hybrid' | 'v2'): HostView {
  const mounts = parseMountinfo(fs.readText('/proc/self/mountinfo'));
  const own = parseProcCgroup(fs.readText('/proc/self/cgroup'));
  const uPoint = layout === 'v2' ? root : join(root, 'unified');
  let unified = layout === 'v1' ? undefined : mounts.filter((m) => m.type === 'cgroup2' && m.mountpoint === uPoint).pop();
  let v1 = layout === 'v2' ? [] : mounts.filter((m) => m.type === 'cgroup' && posix.dirname(m.mountpoint) === root);
  if (layout !== 'v1' && !unified) unified = { mountpoint: uPoint, root: '/', type: 'cgroup2', controllers: [] };
  if (layout !== 'v2' && v1.length === 0) {
    const seen = new Set<string>();
    for (const name of safeReaddir(root)) {
      const dir = join(root, name);
      if (name === 'unified' || !isDir(dir)) continue;
      const real = fs.realpath(dir);
      if (seen.has(real)) continue;
      seen.add(real);
      v1.push({ mountpoint: real, root: '/', type: 'cgroup', controllers: posix.basename(real).split(',') });
    }
  }
  // A hierarchy may be mounted twice (bind mounts); keep the last mount per mountpoint.
  v1 = [...new Map(v1.map((m) => [m.mountpoint, m])).values()];
  return { root, v1, unified, own };
}

function safeReaddir(d: string): string[] {
  try {
    return fs.readdir(d);
  } catch {
    return [];
  }
}

function isDir(p: string): boolean {
  try {
    return fs.stat(p).isDirectory();
  } catch {
    return false;
  }
}

/** Controller (or '' for unified) → directory for this container. */
export function containerPaths(view: HostView, layout: 'v1' | 'hybrid' | 'v2', inner: { absolute: boolean; parts: string[] }): Record<string, string> {
  const paths: Record<string, string> = {};
  for (const m of view.v1) {
    const own = m.controllers.map((c) => view.own.get(c)).find((x) => x !== undefined);
    const dir = hierarchyDir(m, own, inner);
    for (const c of m.controllers) paths[c] = dir;
  }
  if (view.unified) paths[''] = hierarchyDir(view.unified, view.own.get(''), inner, layout === 'v2');
  return paths;
}
