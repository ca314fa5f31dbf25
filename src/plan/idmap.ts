/**
 * PURE: idmapped bind mounts. A bind with `uidMappings`/`gidMappings`, or the `idmap`
 * (this mount) / `ridmap` (with its submounts) option, is shown through a user namespace
 * with those maps (an `idmap` without maps takes the container's): a file owned by id k
 * on disk appears owned by the host id k maps to. The shim builds that user namespace
 * on the host and attaches it with mount_setattr(MOUNT_ATTR_IDMAP).
 */
import { MountKind } from '../process/protocol.js';
import { parseMountOptions } from '../spec/mount-options.js';
import type { IDMapping, Linux, Mount } from '../spec/types.js';
import type { PlanMount } from './types.js';

const text = (maps: IDMapping[]) => maps.map((m) => `${m.containerID} ${m.hostID} ${m.size}\n`).join('');

/** The plan mount with the idmap of spec mount `m` (unchanged when it is not idmapped). */
export function withIdmap(pm: PlanMount, m: Mount, linux: Linux | undefined): PlanMount {
  const o = parseMountOptions(m.options ?? []);
  const asked = o.idmap || o.ridmap || m.uidMappings !== undefined || m.gidMappings !== undefined;
  if (!asked || pm.kind !== MountKind.BIND) return pm;
  const uid = m.uidMappings ?? linux?.uidMappings ?? [];
  const gid = m.gidMappings ?? linux?.gidMappings ?? [];
  return { ...pm, uidMap: text(uid), gidMap: text(gid), idmapRecursive: o.ridmap };
}
