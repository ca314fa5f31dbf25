/**
 * runts update: change the resource limits of a live container, from runc's flags or
 * from an OCI LinuxResources JSON (`--resources FILE`, `-` for stdin). Only the fields
 * given change.
 */
import { readFileSync } from 'node:fs';
import { invalid } from '../errors.js';
import type { LinuxResources } from '../spec/types.js';
import type { CommandDef, Parsed } from './args.js';
import { usage } from './args.js';
import { oneId, runtime } from './common.js';
import type { CliContext } from './main.js';

const NUM_FLAGS: Array<[flag: string, help: string, set: (r: LinuxResources, v: number) => void, bytes?: boolean]> = [
  ['memory', 'memory limit (bytes, or with k/m/g suffix)', (r, v) => ((r.memory ??= {}).limit = v), true],
  ['memory-reservation', 'memory soft limit', (r, v) => ((r.memory ??= {}).reservation = v), true],
  ['memory-swap', 'memory + swap limit (-1: unlimited)', (r, v) => ((r.memory ??= {}).swap = v), true],
  ['kernel-memory', 'ignored (deprecated by the kernel)', () => undefined, true],
  ['kernel-memory-tcp', 'ignored (deprecated by the kernel)', () => undefined, true],
  ['cpu-shares', 'CPU shares (relative weight)', (r, v) => ((r.cpu ??= {}).shares = v)],
  ['cpu-share', 'CPU shares (runc\'s spelling of --cpu-shares)', (r, v) => ((r.cpu ??= {}).shares = v)],
  ['cpu-quota', 'CPU CFS quota in microseconds (-1: unlimited)', (r, v) => ((r.cpu ??= {}).quota = v)],
  ['cpu-period', 'CPU CFS period in microseconds', (r, v) => ((r.cpu ??= {}).period = v)],
  ['cpu-burst', 'CPU CFS burst in microseconds', (r, v) => ((r.cpu ??= {}).burst = v)],
  ['cpu-idle', 'SCHED_IDLE for the cgroup (0 or 1)', (r, v) => ((r.cpu ??= {}).idle = v)],
  ['cpu-rt-period', 'realtime period in microseconds', (r, v) => ((r.cpu ??= {}).realtimePeriod = v)],
  ['cpu-rt-runtime', 'realtime runtime in microseconds', (r, v) => ((r.cpu ??= {}).realtimeRuntime = v)],
  ['pids-limit', 'maximum number of tasks (-1: unlimited)', (r, v) => (r.pids = { limit: v })],
  ['blkio-weight', 'block IO weight (10-1000)', (r, v) => ((r.blockIO ??= {}).weight = v)],
];

export const def: CommandDef = {
  name: 'update',
  usage: 'update [command options] <container-id>',
  summary: 'Update the resource limits of a container.',
  flags: [
    { name: 'resources', short: 'r', value: true, help: 'OCI LinuxResources JSON file, or - for stdin' },
    ...NUM_FLAGS.map(([name, help]) => ({ name, value: true, help })),
    { name: 'cpuset-cpus', value: true, help: 'CPUs to use (0-3, 0,1)' },
    { name: 'cpuset-mems', value: true, help: 'memory nodes to use' },
    { name: 'l3-cache-schema', value: true, help: 'Intel RDT L3 schema (not supported)' },
    { name: 'mem-bw-schema', value: true, help: 'Intel RDT memory bandwidth schema (not supported)' },
  ],
};

/** Parse a byte count with an optional binary suffix (b, k, m, g, t, p), or -1. */
export function parseBytes(flag: string, v: string): number {
  const m = /^(-1|\d+(?:\.\d+)?)\s*([bkmgtp])?i?b?$/i.exec(v.trim());
  if (!m) throw usage('update', `--${flag}: invalid size ${JSON.stringify(v)} (use bytes or a k/m/g suffix)`);
  if (m[1] === '-1') return -1;
  const mult = { b: 1, k: 2 ** 10, m: 2 ** 20, g: 2 ** 30, t: 2 ** 40, p: 2 ** 50 }[(m[2] ?? 'b').toLowerCase() as 'b'];
  return Math.floor(Number(m[1]) * mult);
}

/**
 * The part of a LinuxResources JSON that runc's update applies: memory, cpu, blockIO
 * weight, pids and unified. The rest (devices above all: the device rules stay the ones
 * the container was created with) is ignored, as runc does, so an update can never open
 * a device the config denies.
 */
export function updatable(r: LinuxResources): LinuxResources {
  const out: LinuxResources = {};
  if (r.memory) out.memory = r.memory;
  if (r.cpu) out.cpu = r.cpu;
  if (r.blockIO?.weight !== undefined) out.blockIO = { weight: r.blockIO.weight };
  if (r.pids) out.pids = r.pids;
  if (r.unified) out.unified = r.unified;
  return out;
}

/** The LinuxResources the flags describe. */
export function resourcesFromFlags(p: Parsed): LinuxResources {
  let r: LinuxResources = {};
  const file = p.flags['resources'] as string | undefined;
  if (file !== undefined) {
    const text = readFileSync(file === '-' ? 0 : file, 'utf8');
    try {
      r = JSON.parse(text) as LinuxResources;
    } catch (e) {
      throw invalid([{ path: '', message: `${file === '-' ? 'stdin' : file}: ${(e as Error).message}` }], 'invalid resources');
    }
    if (!r || typeof r !== 'object' || Array.isArray(r)) throw invalid([{ path: '', message: 'expected a LinuxResources object' }], 'invalid resources');
    r = updatable(r);
  }
  for (const [flag, , set, bytes] of NUM_FLAGS) {
    const v = p.flags[flag];
    if (typeof v !== 'string') continue;
    let n: number;
    if (bytes) n = parseBytes(flag, v);
    else {
      n = Number(v);
      if (!/^-?\d+$/.test(v) || !Number.isSafeInteger(n)) throw usage('update', `--${flag}: expected an integer, not ${JSON.stringify(v)}`);
    }
    set(r, n);
  }
  if (typeof p.flags['cpuset-cpus'] === 'string') (r.cpu ??= {}).cpus = p.flags['cpuset-cpus'];
  if (typeof p.flags['cpuset-mems'] === 'string') (r.cpu ??= {}).mems = p.flags['cpuset-mems'];
  for (const f of ['l3-cache-schema', 'mem-bw-schema']) {
    if (p.flags[f] !== undefined) throw usage('update', `--${f}: Intel RDT is not supported by runts`);
  }
  return r;
}

export function main(ctx: CliContext, p: Parsed): number {
  const id = oneId('update', p.args);
  runtime(ctx).load(id).set(resourcesFromFlags(p));
  return 0;
}
