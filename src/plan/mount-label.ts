/**
 * PURE: `linux.mountLabel` -> the `context="..."` mount option SELinux reads, added to
 * the filesystem mounts that carry a label in their data (as runc: not proc, sysfs,
 * mqueue or cgroup, which have their own labels, and not binds, which keep the source's).
 */
import { MountKind } from '../process/protocol.js';
import type { PlanMount } from './types.js';

const UNLABELED = new Set(['proc', 'sysfs', 'mqueue', 'cgroup', 'cgroup2']);

/** The mounts with `context="label"` appended to the data of the labelled ones. */
export function withMountLabel(mounts: PlanMount[], label: string | undefined): PlanMount[] {
  if (!label) return mounts;
  return mounts.map((m) => {
    if (m.kind !== MountKind.FS || UNLABELED.has(m.fstype)) return m;
    const ctx = `context="${label}"`;
    return { ...m, data: m.data ? `${m.data},${ctx}` : ctx };
  });
}
