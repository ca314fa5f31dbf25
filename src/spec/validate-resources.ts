/**
 * Validation of `linux.resources`: types and ranges only. Whether the host's cgroup
 * version supports a setting is decided by the cgroup manager, not here.
 */

import type { Problem } from '../errors.js';
import { bool, field, int, key, list, MAX_UINT32, obj, Report, str, strMap } from './check.js';

/** Check `linux.resources` at `path`. */
export function checkResources(r: Report, v: unknown, path: string): void {
  const res = obj(r, v, path);
  if (!res) return;
  const get = (k: string) => field(res, k);
  const at = (k: string) => key(path, k);

  list(r, get('devices'), at('devices'), (d, p) => {
    const o = obj(r, d, p, { required: true });
    if (!o) return undefined;
    bool(r, field(o, 'allow'), key(p, 'allow'), { required: true });
    str(r, field(o, 'type'), key(p, 'type'), { oneOf: ['a', 'b', 'c'] });
    for (const k of ['major', 'minor']) {
      const n = field(o, k);
      // null (or -1, runc's internal wildcard) means "any"
      if (n !== null) int(r, n, key(p, k), { min: -1, max: MAX_UINT32 });
    }
    // runc rejects an empty access: it would silently mean nothing
    const access = str(r, field(o, 'access'), key(p, 'access'), { required: true, nonEmpty: true });
    if (access !== undefined && access !== '' && !/^[rwm]+$/.test(access)) {
      r.problem(key(p, 'access'), `invalid device access ${JSON.stringify(access)}: expected letters from rwm`);
    }
    return o;
  });

  const mem = obj(r, get('memory'), at('memory'));
  if (mem) {
    const p = at('memory');
    for (const k of ['limit', 'reservation', 'swap', 'kernel', 'kernelTCP']) int(r, field(mem, k), key(p, k), { min: -1 });
    for (const k of ['kernel', 'kernelTCP']) {
      if (field(mem, k) !== undefined) r.warn(key(p, k), 'kernel memory limits are ignored (removed from the kernel)');
    }
    int(r, field(mem, 'swappiness'), key(p, 'swappiness'), { min: 0, max: 100 });
    for (const k of ['disableOOMKiller', 'useHierarchy', 'checkBeforeUpdate']) bool(r, field(mem, k), key(p, k));
  }

  const cpu = obj(r, get('cpu'), at('cpu'));
  if (cpu) {
    const p = at('cpu');
    for (const k of ['shares', 'burst', 'period', 'realtimePeriod']) int(r, field(cpu, k), key(p, k), { min: 0 });
    for (const k of ['quota', 'realtimeRuntime', 'idle']) int(r, field(cpu, k), key(p, k));
    str(r, field(cpu, 'cpus'), key(p, 'cpus'));
    str(r, field(cpu, 'mems'), key(p, 'mems'));
  }

  const pids = obj(r, get('pids'), at('pids'));
  if (pids) int(r, field(pids, 'limit'), key(at('pids'), 'limit'), { required: true });

  const bio = obj(r, get('blockIO'), at('blockIO'));
  if (bio) checkBlockIO(r, bio, at('blockIO'));

  list(r, get('hugepageLimits'), at('hugepageLimits'), (h, p) => {
    const o = obj(r, h, p, { required: true });
    if (!o) return undefined;
    str(r, field(o, 'pageSize'), key(p, 'pageSize'), { required: true, nonEmpty: true });
    int(r, field(o, 'limit'), key(p, 'limit'), { required: true, min: 0 });
    return o;
  });

  const net = obj(r, get('network'), at('network'));
  if (net) {
    const p = at('network');
    int(r, field(net, 'classID'), key(p, 'classID'), { min: 0, max: MAX_UINT32 });
    list(r, field(net, 'priorities'), key(p, 'priorities'), (x, q) => {
      const o = obj(r, x, q, { required: true });
      if (!o) return undefined;
      str(r, field(o, 'name'), key(q, 'name'), { required: true });
      int(r, field(o, 'priority'), key(q, 'priority'), { required: true, min: 0, max: MAX_UINT32 });
      return o;
    });
  }

  const rdma = obj(r, get('rdma'), at('rdma'));
  if (rdma) {
    for (const [dev, lim] of Object.entries(rdma)) {
      const p = key(at('rdma'), dev);
      const o = obj(r, lim, p, { required: true });
      if (!o) continue;
      int(r, field(o, 'hcaHandles'), key(p, 'hcaHandles'), { min: 0, max: MAX_UINT32 });
      int(r, field(o, 'hcaObjects'), key(p, 'hcaObjects'), { min: 0, max: MAX_UINT32 });
    }
  }

  strMap(r, get('unified'), at('unified'));
}

function checkBlockIO(r: Report, bio: Record<string, unknown>, path: string): void {
  for (const k of ['weight', 'leafWeight']) int(r, field(bio, k), key(path, k), { min: 0, max: 0xffff });
  list(r, field(bio, 'weightDevice'), key(path, 'weightDevice'), (d, p) => {
    const o = obj(r, d, p, { required: true });
    if (!o) return undefined;
    int(r, field(o, 'major'), key(p, 'major'), { required: true, min: 0, max: MAX_UINT32 });
    int(r, field(o, 'minor'), key(p, 'minor'), { required: true, min: 0, max: MAX_UINT32 });
    int(r, field(o, 'weight'), key(p, 'weight'), { min: 0, max: 0xffff });
    int(r, field(o, 'leafWeight'), key(p, 'leafWeight'), { min: 0, max: 0xffff });
    return o;
  });
  for (const k of ['throttleReadBpsDevice', 'throttleWriteBpsDevice', 'throttleReadIOPSDevice', 'throttleWriteIOPSDevice']) {
    list(r, field(bio, k), key(path, k), (d, p) => {
      const o = obj(r, d, p, { required: true });
      if (!o) return undefined;
      int(r, field(o, 'major'), key(p, 'major'), { required: true, min: 0, max: MAX_UINT32 });
      int(r, field(o, 'minor'), key(p, 'minor'), { required: true, min: 0, max: MAX_UINT32 });
      int(r, field(o, 'rate'), key(p, 'rate'), { required: true, min: 0 });
      return o;
    });
  }
}

/** The problems of a LinuxResources given on its own (update), with paths under `path`. Never throws. */
export function resourcesProblems(v: unknown, path = 'resources'): Problem[] {
  const r = new Report();
  try {
    checkResources(r, v, path);
  } catch (err) {
    r.problem(path, `could not be validated: ${String((err as Error)?.message ?? err)}`);
  }
  return r.problems;
}
