/**
 * runts events: resource usage as JSON lines in runc's shape, {"type":"stats","id",
 * "data"}; with --stats one snapshot, else one every --interval plus {"type":"oom"}
 * whenever the kernel OOM-kills in the container. Stops when the container does.
 */
import type { CommandDef, Parsed } from './args.js';
import { usage } from './args.js';
import { oneId, runtime } from './common.js';
import type { CliContext } from './main.js';
import { abortable, sleep, writeOut } from '../sys/self.js';

export const def: CommandDef = {
  name: 'events',
  usage: 'events [command options] <container-id>',
  summary: 'Display container events: OOM notifications and resource usage.',
  flags: [
    { name: 'interval', value: true, help: 'stats interval (default 5s; 500ms, 2s, 1m ...)' },
    { name: 'stats', help: 'print one stats snapshot and exit' },
  ],
};

/** The longest delay a timer takes as asked (a signed 32-bit millisecond count). */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** Parse a Go-style duration (5s, 500ms, 1m, 1.5s) into milliseconds. */
export function parseInterval(v: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)$/.exec(v);
  if (!m) throw usage('events', `--interval: invalid duration ${JSON.stringify(v)} (e.g. 5s, 500ms)`);
  const ms = Number(m[1]) * { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[m[2] as 'ms'];
  if (ms <= 0) throw usage('events', '--interval must be greater than 0');
  // Go's durations are int64 nanoseconds: longer is an error there too.
  if (ms * 1e6 >= 2 ** 63) throw usage('events', `--interval: duration ${JSON.stringify(v)} is out of range (at most about 292 years)`);
  return ms;
}

export async function main(ctx: CliContext, p: Parsed): Promise<number> {
  const id = oneId('events', p.args);
  const c = runtime(ctx).load(id);
  const emit = (o: object) => writeOut(JSON.stringify(o) + '\n');
  if (p.flags['stats']) {
    emit({ type: 'stats', id, data: c.stats() });
    return 0;
  }
  const interval = parseInterval((p.flags['interval'] as string | undefined) ?? '5s');
  const stop = abortable();
  const oom = (async () => {
    for await (const e of c.oomEvents(stop.signal)) emit({ type: e.type, id });
  })();
  try {
    while (c.status() !== 'stopped') {
      emit({ type: 'stats', id, data: c.stats() });
      // A timer longer than 2^31-1 ms fires at once (Node and Bun clamp it to 1 ms): wait
      // at most that long per round (~24.8 days), never in a busy loop.
      await sleep(Math.min(interval, MAX_TIMER_MS));
    }
  } finally {
    // The OOM watcher polls the cgroup's oom_kill counter (every 200 ms); an OOM kill
    // often ends the container, so give it one more poll before stopping it.
    await sleep(300);
    stop.abort();
    await oom.catch(() => undefined);
  }
  return 0;
}
