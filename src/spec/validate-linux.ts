/**
 * Validation of the `linux` section of config.json, including the cross-field rules
 * runc's validator applies (which sysctls are namespaced, mappings need a user
 * namespace, masked paths need a mount namespace, time offsets need a time namespace).
 */

import type { NamespaceType } from './types.js';
import { checkResources } from './validate-resources.js';
import { checkSeccomp } from './validate-seccomp.js';
import {
  bool, cpuList, field, id, int, isObject, key, list, MAX_UINT32, obj, Report, str, strList, strMap,
} from './check.js';

/** Namespace types of the spec, in runc's order. */
export const NAMESPACE_TYPES: readonly NamespaceType[] = ['pid', 'network', 'mount', 'ipc', 'uts', 'user', 'cgroup', 'time'];

/** The values `linux.rootfsPropagation` may take. */
export const ROOTFS_PROPAGATIONS = ['shared', 'slave', 'private', 'unbindable', 'rshared', 'rslave', 'rprivate', 'runbindable'] as const;

/** Sysctls of the ipc namespace (besides `fs.mqueue.*`), from runc's validator. */
const IPC_SYSCTLS = new Set([
  'kernel.msgmax', 'kernel.msgmnb', 'kernel.msgmni', 'kernel.sem',
  'kernel.shmall', 'kernel.shmmax', 'kernel.shmmni', 'kernel.shm_rmid_forced',
]);

/** Namespaces in `linux.namespaces`: type → path to join, or undefined for a new one. */
export type NamespaceMap = Map<NamespaceType, string | undefined>;

/**
 * Read `linux.namespaces` tolerantly (first entry of each known type wins; bad entries
 * skipped). Undefined when `linux` or `linux.namespaces` has the wrong type: then the
 * rules that depend on namespaces are skipped rather than reported as a cascade.
 */
export function namespaceMap(linux: unknown): NamespaceMap | undefined {
  const m: NamespaceMap = new Map();
  if (linux === undefined) return m;
  if (!isObject(linux)) return undefined;
  const list = field(linux, 'namespaces');
  if (list === undefined) return m;
  if (!Array.isArray(list)) return undefined;
  for (const ns of list) {
    if (!isObject(ns)) continue;
    const type = field(ns, 'type');
    const path = field(ns, 'path');
    if (typeof type !== 'string' || !(NAMESPACE_TYPES as readonly string[]).includes(type)) continue;
    if (m.has(type as NamespaceType)) continue;
    m.set(type as NamespaceType, typeof path === 'string' && path !== '' ? path : undefined);
  }
  return m;
}

/** True when the namespaces are known and `type` is not among them. */
export function lacks(ns: NamespaceMap | undefined, type: NamespaceType): boolean {
  return ns !== undefined && !ns.has(type);
}

/** Check a uid/gid mapping list (`linux.uidMappings`, `mounts[i].gidMappings`). */
export function checkMappings(r: Report, v: unknown, path: string): void {
  list(r, v, path, (m, p) => {
    const o = obj(r, m, p, { required: true });
    if (!o) return undefined;
    id(r, field(o, 'containerID'), key(p, 'containerID'), { required: true });
    id(r, field(o, 'hostID'), key(p, 'hostID'), { required: true });
    int(r, field(o, 'size'), key(p, 'size'), { required: true, min: 1, max: MAX_UINT32 });
    return o;
  });
}

/** Check `linux` (path `linux`) against the namespaces it declares. */
export function checkLinux(r: Report, v: unknown, ns: NamespaceMap | undefined): void {
  const linux = obj(r, v, 'linux');
  if (!linux) return;
  const get = (k: string) => field(linux, k);
  const at = (k: string) => key('linux', k);

  checkNamespaces(r, get('namespaces'));
  checkUserns(r, linux, ns);

  const offsets = obj(r, get('timeOffsets'), at('timeOffsets'));
  if (offsets) {
    if (lacks(ns, 'time')) r.problem(at('timeOffsets'), 'time offsets need a time namespace in linux.namespaces');
    for (const [clock, off] of Object.entries(offsets)) {
      const p = key(at('timeOffsets'), clock);
      if (clock !== 'monotonic' && clock !== 'boottime') {
        r.problem(p, `unknown clock ${JSON.stringify(clock)}: expected monotonic or boottime`);
        continue;
      }
      const o = obj(r, off, p, { required: true });
      if (!o) continue;
      int(r, field(o, 'secs'), key(p, 'secs'));
      int(r, field(o, 'nanosecs'), key(p, 'nanosecs'), { min: 0, max: 999_999_999 });
    }
  }

  list(r, get('devices'), at('devices'), (d, p) => checkDevice(r, d, p));
  str(r, get('cgroupsPath'), at('cgroupsPath'));
  checkResources(r, get('resources'), at('resources'));
  str(r, get('rootfsPropagation'), at('rootfsPropagation'), { oneOf: ROOTFS_PROPAGATIONS });
  checkSeccomp(r, get('seccomp'), at('seccomp'));
  checkSysctl(r, get('sysctl'), ns);

  for (const k of ['maskedPaths', 'readonlyPaths']) {
    const paths = strList(r, get(k), at(k), { absolute: true });
    if (paths && paths.length > 0 && lacks(ns, 'mount')) {
      r.problem(at(k), 'masking or making paths read-only needs a mount namespace in linux.namespaces');
    }
  }
  str(r, get('mountLabel'), at('mountLabel'));

  const pers = obj(r, get('personality'), at('personality'));
  if (pers) {
    str(r, field(pers, 'domain'), key(at('personality'), 'domain'), { required: true, oneOf: ['LINUX', 'LINUX32'] });
    const flags = strList(r, field(pers, 'flags'), key(at('personality'), 'flags'));
    if (flags?.length) r.problem(key(at('personality'), 'flags'), 'no personality flags are supported (the runtime-spec defines none)');
  }

  const rdt = obj(r, get('intelRdt'), at('intelRdt'));
  if (rdt) {
    const p = at('intelRdt');
    const closID = str(r, field(rdt, 'closID'), key(p, 'closID'));
    if (closID !== undefined && (closID === '.' || closID === '..' || closID.includes('/'))) {
      r.problem(key(p, 'closID'), `invalid CLOS id ${JSON.stringify(closID)}: must be a plain directory name`);
    }
    str(r, field(rdt, 'l3CacheSchema'), key(p, 'l3CacheSchema'));
    str(r, field(rdt, 'memBwSchema'), key(p, 'memBwSchema'));
    bool(r, field(rdt, 'enableCMT'), key(p, 'enableCMT'));
    bool(r, field(rdt, 'enableMBM'), key(p, 'enableMBM'));
  }

  const mpol = obj(r, get('memoryPolicy'), at('memoryPolicy'));
  if (mpol) {
    const p = at('memoryPolicy');
    const mode = str(r, field(mpol, 'mode'), key(p, 'mode'), {
      required: true,
      oneOf: ['MPOL_DEFAULT', 'MPOL_BIND', 'MPOL_INTERLEAVE', 'MPOL_WEIGHTED_INTERLEAVE', 'MPOL_PREFERRED', 'MPOL_PREFERRED_MANY', 'MPOL_LOCAL'],
    });
    const nodes = str(r, field(mpol, 'nodes'), key(p, 'nodes'));
    if (nodes !== undefined && nodes !== '' && !cpuList(r, nodes, key(p, 'nodes'), 'node')) {
      // reported
    } else if (nodes && (mode === 'MPOL_DEFAULT' || mode === 'MPOL_LOCAL')) {
      r.problem(key(p, 'nodes'), `${mode} takes no nodes`);
    } else if (!nodes && mode !== undefined && !['MPOL_DEFAULT', 'MPOL_LOCAL', 'MPOL_PREFERRED'].includes(mode)) {
      r.problem(key(p, 'nodes'), `${mode} needs nodes`);
    }
    strList(r, field(mpol, 'flags'), key(p, 'flags'), { oneOf: ['MPOL_F_NUMA_BALANCING', 'MPOL_F_RELATIVE_NODES', 'MPOL_F_STATIC_NODES'] });
  }

  const devs = obj(r, get('netDevices'), at('netDevices'));
  if (devs) {
    if (Object.keys(devs).length > 0 && lacks(ns, 'network')) {
      r.problem(at('netDevices'), 'moving network devices needs a network namespace in linux.namespaces');
    }
    for (const [name, d] of Object.entries(devs)) {
      const p = key(at('netDevices'), name);
      if (name === '' || name.includes('/')) r.problem(p, `invalid network device name ${JSON.stringify(name)}`);
      const o = obj(r, d, p, { required: true });
      if (o) str(r, field(o, 'name'), key(p, 'name'));
    }
  }
}

function checkNamespaces(r: Report, v: unknown): void {
  const seen = new Map<string, number>();
  list(r, v, 'linux.namespaces', (n, p, i) => {
    const o = obj(r, n, p, { required: true });
    if (!o) return undefined;
    const type = str(r, field(o, 'type'), key(p, 'type'), { required: true, oneOf: NAMESPACE_TYPES });
    if (type !== undefined) {
      if (seen.has(type)) r.problem(key(p, 'type'), `duplicate namespace ${type} (first at linux.namespaces[${seen.get(type)}])`);
      else seen.set(type, i);
    }
    str(r, field(o, 'path'), key(p, 'path'), { absolute: true });
    return o;
  });
}

function checkUserns(r: Report, linux: Record<string, unknown>, ns: NamespaceMap | undefined): void {
  const hasUserns = ns?.has('user') ?? false;
  const joins = ns?.get('user') !== undefined;
  for (const k of ['uidMappings', 'gidMappings']) {
    const p = key('linux', k);
    const v = field(linux, k);
    checkMappings(r, v, p);
    if (ns === undefined) continue;
    const given = v !== undefined;
    if (!hasUserns) {
      if (given) r.problem(p, 'id mappings need a user namespace in linux.namespaces');
    } else if (!joins) {
      if (!given || (Array.isArray(v) && v.length === 0)) r.problem(p, 'is required when a new user namespace is created');
    } else if (given) {
      r.warn(p, 'both a user namespace path and id mappings are given: the mappings must match the joined namespace');
    }
  }
}

function checkDevice(r: Report, d: unknown, p: string): unknown {
  const o = obj(r, d, p, { required: true });
  if (!o) return undefined;
  const type = str(r, field(o, 'type'), key(p, 'type'), { required: true, oneOf: ['c', 'b', 'u', 'p'] });
  str(r, field(o, 'path'), key(p, 'path'), { required: true, absolute: true });
  const needNumbers = type !== undefined && type !== 'p';
  int(r, field(o, 'major'), key(p, 'major'), { required: needNumbers, min: 0, max: MAX_UINT32 });
  int(r, field(o, 'minor'), key(p, 'minor'), { required: needNumbers, min: 0, max: MAX_UINT32 });
  // mode_t: the file type bits are accepted and ignored, as runc does
  int(r, field(o, 'fileMode'), key(p, 'fileMode'), { min: 0, max: 0o177777 });
  id(r, field(o, 'uid'), key(p, 'uid'));
  id(r, field(o, 'gid'), key(p, 'gid'));
  return o;
}

/** sysctl(8) accepts `/` as the separator too: `net/ipv4/ip_forward` is `net.ipv4.ip_forward`. */
function sysctlName(name: string): string {
  const first = name.search(/[./]/);
  if (first < 0 || name[first] === '.') return name;
  return name.replace(/[./]/g, (c) => (c === '.' ? '/' : '.'));
}

function checkSysctl(r: Report, v: unknown, ns: NamespaceMap | undefined): void {
  const sysctl = strMap(r, v, 'linux.sysctl');
  if (!sysctl || ns === undefined) return;
  for (const raw of Object.keys(sysctl)) {
    const p = key('linux.sysctl', raw);
    const name = sysctlName(raw);
    if (IPC_SYSCTLS.has(name) || name.startsWith('fs.mqueue.')) {
      if (!ns.has('ipc')) r.problem(p, `sysctl ${name} is not allowed in the host's ipc namespace: add an ipc namespace`);
    } else if (name.startsWith('net.')) {
      // A joined network namespace (path) may be the host's; only the host side can tell.
      if (!ns.has('network')) r.problem(p, `sysctl ${name} is not allowed in the host's network namespace: add a network namespace`);
    } else if (ns.has('uts') && name === 'kernel.domainname') {
      continue;
    } else if (ns.has('uts') && name === 'kernel.hostname') {
      r.problem(p, 'sysctl kernel.hostname conflicts with the hostname field: set hostname instead');
    } else {
      r.problem(p, `sysctl ${name} is not in a separate kernel namespace`);
    }
  }
}
