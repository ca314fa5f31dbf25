/**
 * OOM notifications by polling, on both versions. v1's native notification
 * (memory.oom_control + cgroup.event_control) needs an eventfd, which Node and Bun lack,
 * so v1 polls memory.oom_control: `oom_kill` counts kills and `under_oom` shows a cgroup
 * stalled with the OOM killer disabled. v2 polls the `oom_kill` count of memory.events.
 * The iteration ends when the signal aborts or the cgroup disappears.
 */
import { timer } from '../sys/self.js';
import { join } from '../sys/path.js';
import type { CgroupState } from './manager.js';
import { tryRead } from './fs.js';
import { keyValues } from './stats.js';

/** An OOM kill (or, v1, the cgroup going under OOM) seen in the container's memory cgroup. */
export interface OomEvent {
  /** Always 'oom' (runc's event type). */
  type: 'oom';
}

/** The file to watch, or undefined when the container has no memory cgroup. */
export function oomFile(st: CgroupState): string | undefined {
  if (st.layout !== 'v2' && st.paths.memory) return join(st.paths.memory, 'memory.oom_control');
  const u = st.paths[''];
  return u === undefined ? undefined : join(u, 'memory.events');
}

/** One event per poll in which an OOM kill happened (or, v1, the cgroup went under OOM). */
export async function* watchOom(st: CgroupState, signal: AbortSignal, intervalMs = 200): AsyncIterable<OomEvent> {
  const file = oomFile(st);
  if (!file) return;
  const read = () => {
    const t = tryRead(file);
    return t === undefined ? undefined : keyValues(t);
  };
  let last = read();
  while (last && !signal.aborted) {
    const woke = await new Promise<boolean>((resolve) => {
      const cancel = timer(intervalMs, () => {
        signal.removeEventListener('abort', onAbort);
        resolve(true);
      });
      const onAbort = () => {
        cancel();
        resolve(false);
      };
      signal.addEventListener('abort', onAbort, { once: true });
    });
    if (!woke) return;
    const now = read();
    if (!now) return;
    if ((now.oom_kill ?? 0) > (last.oom_kill ?? 0) || (now.under_oom === 1 && last.under_oom !== 1)) yield { type: 'oom' };
    last = now;
  }
}
