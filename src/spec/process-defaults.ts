/**
 * What runc fills in a process that leaves it out (Go's zero values, since its spec
 * types hold `user` and `gid` by value): no `user` is uid 0 and gid 0, no `user.gid` is
 * gid 0. Validation accepts both absent; this runs right after it, so the rest of runts
 * always sees a complete `process.user`.
 */
import type { Process } from './types.js';

/** Fill the defaults in place (the process has passed validation). */
export function fillProcessDefaults(proc: Process | undefined): void {
  if (!proc) return;
  const loose = proc as { user?: Partial<Process['user']> };
  loose.user ??= {};
  loose.user.uid ??= 0;
  loose.user.gid ??= 0;
}
