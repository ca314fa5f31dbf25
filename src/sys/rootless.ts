/**
 * Rootless containers: a non-root user runs a container in a user namespace.
 *
 * The id maps: an unprivileged process may write only a single mapping of its own
 * euid/egid, and a gid_map only after "deny" went to setgroups; the shim does that itself.
 * Anything else (several ranges, other ids) needs the setuid helpers newuidmap and
 * newgidmap (Debian's uidmap package), which check /etc/subuid and /etc/subgid: then
 * stage-0 sends MAPS_NEEDED with the child's pid, runts runs the helpers, and answers
 * MAPS_DONE (src/process/protocol.ts).
 *
 * State lives under $XDG_RUNTIME_DIR/runts (runc: $XDG_RUNTIME_DIR/runc), and cgroups are
 * skipped: nothing tells an unprivileged runtime which part of the tree, if any, was
 * delegated to it (callers that know pass `cgroups: true`).
 */
import { join } from './path.js';
import * as fs from './fs.js';
import { RuntsError } from '../errors.js';
import type { IDMapping, Linux } from '../spec/types.js';
import { env as ownEnv, euid as ownEuid } from './self.js';
import { runSync } from './spawn.js';

/** `--rootless true|false|auto`: auto means "not root". */
export function isRootless(flag: string | boolean | undefined = 'auto', euid = ownEuid()): boolean {
  if (flag === true || flag === 'true') return true;
  if (flag === false || flag === 'false') return false;
  return euid !== 0;
}

/** This process's /proc/self/uid_map, or undefined when it cannot be read. */
export function ownUidMap(): string | undefined {
  try {
    return fs.readText('/proc/self/uid_map');
  } catch {
    return undefined;
  }
}

/** This process runs in a user namespace other than the initial one. */
export function inUserNamespace(): boolean {
  const map = ownUidMap();
  return map !== undefined && !initialUserNamespace(map);
}

/** `uid` as the parent user namespace knows it, from a uid_map's "inside outside count" lines; undefined when unmapped. */
export function parentUid(uidMap: string, uid: number): number | undefined {
  for (const line of uidMap.trim().split('\n')) {
    const [inside, outside, count] = line.trim().split(/\s+/).map(Number);
    if (inside === undefined || outside === undefined || count === undefined) continue;
    if (uid >= inside && uid < inside + count) return outside + (uid - inside);
  }
  return undefined;
}

/**
 * Whether the systemd driver talks to the user's instance: when rootless, and (`--rootless
 * auto`, `rootlessFlag` undefined) also as uid 0 of a user namespace whose uid 0 is an
 * ordinary user outside, which is how rootless engines (podman, rootlesskit) run the
 * runtime. runc decides the latter by the user bus's OwnerUID (`busctl --user status`).
 */
export function systemdUserInstance(rootless: boolean, rootlessFlag: boolean | undefined, euid: number, uidMap: string | undefined): boolean {
  if (rootless) return true;
  if (rootlessFlag !== undefined || euid !== 0 || uidMap === undefined) return false;
  const outside = parentUid(uidMap, 0);
  return outside !== undefined && outside !== 0;
}

/** Whether a uid_map is the initial user namespace's (all of 0..2^32-2 maps to itself). */
export function initialUserNamespace(uidMap: string): boolean {
  const lines = uidMap.trim().split('\n').map((l) => l.trim().split(/\s+/).map(Number));
  return lines.length === 1 && lines[0]!.length === 3 && lines[0]![0] === 0 && lines[0]![1] === 0 && lines[0]![2] === 4294967295;
}

/**
 * The state root when none is given: /run/runts for root, $XDG_RUNTIME_DIR/runts otherwise;
 * also for uid 0 of a user namespace when XDG_RUNTIME_DIR is set and USER is not root (a
 * rootless engine's namespace, which cannot write /run), as runc's shouldHonorXDGRuntimeDir.
 */
export function defaultStateRoot(rootless: boolean, env: Readonly<Record<string, string | undefined>> = ownEnv(), uid = ownEuid(), uidMap?: string): string {
  if (!rootless) {
    if (uid !== 0 || !env.XDG_RUNTIME_DIR || env.USER === 'root') return '/run/runts';
    const map = uidMap ?? ownUidMap(); // read only when it can matter
    if (map === undefined || initialUserNamespace(map)) return '/run/runts';
  }
  return env.XDG_RUNTIME_DIR ? join(env.XDG_RUNTIME_DIR, 'runts') : `/tmp/runts-${uid}`;
}

/** How the maps of a rootless container get written. */
export interface RootlessMaps {
  /** runts runs newuidmap/newgidmap on MAPS_NEEDED. */
  mapsByParent: boolean;
  /** The shim writes "deny" to setgroups before its gid_map (required when unprivileged). */
  setgroupsDeny: boolean;
}

const self = (maps: IDMapping[] | undefined, id: number) => maps?.length === 1 && maps[0]!.hostID === id && maps[0]!.size === 1;

/** PURE: which way the maps of `linux` go for a process with these ids. */
export function rootlessMaps(linux: Linux | undefined, uid: number, gid: number): RootlessMaps {
  const simple = self(linux?.uidMappings, uid) && self(linux?.gidMappings, gid);
  return { mapsByParent: !simple, setgroupsDeny: simple };
}

/** newuidmap/newgidmap arguments: pid, then "inside outside count" triples. */
export function mapHelperArgs(pid: number, maps: IDMapping[] | undefined): string[] {
  return [String(pid), ...(maps ?? []).flatMap((m) => [String(m.containerID), String(m.hostID), String(m.size)])];
}

/** Write the maps of process `pid` through the setuid helpers. */
export function writeIdMaps(pid: number, linux: Linux | undefined): void {
  for (const [helper, maps, field] of [
    ['newuidmap', linux?.uidMappings, 'linux.uidMappings'],
    ['newgidmap', linux?.gidMappings, 'linux.gidMappings'],
  ] as const) {
    if (!maps?.length) continue;
    let r;
    try {
      r = runSync(helper, mapHelperArgs(pid, maps), { timeoutMs: 10_000 });
    } catch (e) {
      const missing = (e as NodeJS.ErrnoException).code === 'ENOENT';
      throw new RuntsError(missing ? 'EUNSUPPORTED' : 'ESYS', `${field}: ${helper} ${missing ? 'is not installed (Debian package uidmap)' : `failed: ${(e as Error).message}`}`, { cause: e });
    }
    if (r.status !== 0) {
      throw new RuntsError('ESYS', `${field}: ${helper} failed: ${r.stderr.trim() || `exit status ${r.status}`} (check /etc/sub${helper === 'newuidmap' ? 'uid' : 'gid'})`);
    }
  }
}
