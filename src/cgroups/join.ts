/**
 * How the init shim puts a container's process into its cgroups, as plan fields. Pure:
 * from the layout and the directories (key: v1 hierarchy, '' for the unified one).
 *
 * Moving a whole process (a cgroup.procs write) write-locks the kernel's global
 * cgroup_threadgroup_rwsem, and the first such write after ~10-20 ms without one waits
 * for an RCU grace period (~5-15 ms measured here: the lock's rcu_sync has gone back to
 * its reader-fast state). Neither way below takes that lock:
 * - cgroup v2 (and the unified hierarchy of a hybrid host): the process is born in its
 *   cgroup (clone3 with CLONE_INTO_CGROUP), nothing is migrated;
 * - cgroup v1 hierarchies: stage-0 writes "0" to each `tasks` file, which moves only the
 *   calling thread, and the kernel skips the global lock for that. stage-0 has a single
 *   thread, so the whole process moves, and what it clones or forks is born there.
 * One exception: an init that joins an existing cgroup namespace by path (setns before
 * the clone) could not be cloned into a cgroup outside that namespace's root (ENOENT), so
 * on a hybrid host stage-0 joins the unified directory the old way (cgroup.procs, before
 * any namespace is joined). The pure v2 path is left as it was.
 */
import { join } from '../sys/path.js';
import type { CgroupLayout } from './manager.js';

export interface CgroupJoin {
  /** The v2 directory the process is cloned into ('' for none). */
  cgroupInto: string;
  /** v1 `tasks` files stage-0 writes "0" to, before it clones or forks. */
  cgroupTasks: string[];
  /** cgroup.procs files stage-0 writes its pid to (see above for when). */
  cgroupProcs: string[];
}

/** `cgroupNsJoined`: the plan setns()es into a cgroup namespace before the clone. */
export function cgroupJoin(layout: CgroupLayout, paths: Readonly<Record<string, string>>, cgroupNsJoined = false): CgroupJoin {
  const into = paths[''] ?? '';
  if (layout === 'v2') return { cgroupInto: into, cgroupTasks: [], cgroupProcs: [] };
  // Co-mounted controllers (cpu,cpuacct) share one directory: join it once.
  const v1 = [...new Set(Object.entries(paths).filter(([k]) => k !== '').map(([, d]) => d))];
  const tasks = v1.map((d) => join(d, 'tasks'));
  if (into && cgroupNsJoined) return { cgroupInto: '', cgroupTasks: tasks, cgroupProcs: [join(into, 'cgroup.procs')] };
  return { cgroupInto: into, cgroupTasks: tasks, cgroupProcs: [] };
}
