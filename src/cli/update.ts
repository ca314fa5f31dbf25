/**
 * runts update: change the resource limits of a live container, from runc's flags or
 * from an OCI LinuxResources JSON (`--resources FILE`, `-` for stdin). Only the fields
 * given change. As runc: with --resources, the other flags are ignored.
 *
 * Flags are spelled and parsed as runc (1.3) spells and parses them: unsigned numbers
 * as strconv.ParseUint (digits only), signed ones as ParseInt (an optional sign), memory
 * sizes as go-units' RAMInBytes (`512k`, `1.5g`, `10 MiB`; binary units) or -1.
 */
import * as fs from '../sys/fs.js';
import { invalid } from '../errors.js';
import { dropNulls } from '../spec/normalise.js';
import type { LinuxResources } from '../spec/types.js';
import type { CommandDef, FlagDef, Parsed } from './args.js';
import { usage } from './args.js';
import { oneId, runtime } from './common.js';
import { logWarn } from './log.js';
import type { CliContext } from './main.js';

type Kind = 'uint' | 'int' | 'bytes';
type Setter = (r: LinuxResources, v: number) => void;

/** [runc's flag, how runc parses it, help, where it goes, runts' older spellings]. */
const NUM_FLAGS: Array<[flag: string, kind: Kind, help: string, set: Setter, aliases?: string[]]> = [
  ['blkio-weight', 'uint', 'block IO weight (10-1000)', (r, v) => ((r.blockIO ??= {}).weight = v)],
  ['cpu-period', 'uint', 'CPU CFS period in microseconds', (r, v) => ((r.cpu ??= {}).period = v)],
  ['cpu-quota', 'int', 'CPU CFS quota in microseconds (-1: unlimited)', (r, v) => ((r.cpu ??= {}).quota = v)],
  ['cpu-burst', 'uint', 'CPU CFS burst in microseconds', (r, v) => ((r.cpu ??= {}).burst = v)],
  ['cpu-share', 'uint', 'CPU shares (relative weight)', (r, v) => ((r.cpu ??= {}).shares = v), ['cpu-shares']],
  ['cpu-rt-period', 'uint', 'realtime period in microseconds', (r, v) => ((r.cpu ??= {}).realtimePeriod = v)],
  ['cpu-rt-runtime', 'int', 'realtime runtime in microseconds', (r, v) => ((r.cpu ??= {}).realtimeRuntime = v)],
  ['cpu-idle', 'int', 'SCHED_IDLE for the cgroup (0 or 1)', (r, v) => ((r.cpu ??= {}).idle = v)],
  ['memory', 'bytes', 'memory limit (bytes, or with a k/m/g suffix; -1: unlimited)', (r, v) => ((r.memory ??= {}).limit = v)],
  ['memory-reservation', 'bytes', 'memory soft limit', (r, v) => ((r.memory ??= {}).reservation = v)],
  ['memory-swap', 'bytes', 'memory + swap limit (-1: unlimited)', (r, v) => ((r.memory ??= {}).swap = v)],
  ['kernel-memory', 'bytes', 'ignored (removed from the kernel)', () => undefined],
  ['kernel-memory-tcp', 'bytes', 'ignored (removed from the kernel)', () => undefined],
  ['pids-limit', 'int', 'maximum number of tasks (-1: unlimited)', (r, v) => (r.pids = { limit: v })],
];

export const def: CommandDef = {
  name: 'update',
  usage: 'update [command options] <container-id>',
  summary: 'Update the resource limits of a container.',
  flags: [
    { name: 'resources', short: 'r', value: true, help: 'OCI LinuxResources JSON file, or - for stdin (the other flags are then ignored)' },
    ...NUM_FLAGS.map(([name, , help, , aliases]): FlagDef => ({ name, value: true, help, ...(aliases ? { aliases } : {}) })),
    { name: 'cpuset-cpus', value: true, help: 'CPUs to use (0-3, 0,1)' },
    { name: 'cpuset-mems', value: true, help: 'memory nodes to use' },
    { name: 'l3-cache-schema', value: true, help: 'Intel RDT L3 schema (not supported)' },
    { name: 'mem-bw-schema', value: true, help: 'Intel RDT memory bandwidth schema (not supported)' },
  ],
};

const UNITS: Record<string, number> = { k: 2 ** 10, m: 2 ** 20, g: 2 ** 30, t: 2 ** 40, p: 2 ** 50 };

/** A number as Go's strconv.ParseFloat reads a decimal one (sign, `5.`, `.5`, exponent, `1_000`). */
const GO_FLOAT = /^[+-]?(?:\d(?:_?\d)*(?:\.(?:\d(?:_?\d)*)?)?|\.\d(?:_?\d)*)(?:[eE][+-]?\d+)?$/;

/**
 * A memory size as runc reads it: "-1", or go-units' RAMInBytes: a number, then (after at
 * most one space) an optional binary unit k/m/g/t/p followed by nothing, `b` or `ib`, or
 * a lone `b`; any case. The number ends at the last digit, dot or space, as there.
 */
export function parseBytes(flag: string, v: string): number {
  if (v === '-1') return -1;
  const bad = (why: string) => usage('update', `invalid value for --${flag}: ${why}`);
  const sep = Math.max(...[...'0123456789. '].map((c) => v.lastIndexOf(c)));
  if (sep < 0) throw bad(`invalid size ${JSON.stringify(v)}`);
  const num = v[sep] === ' ' ? v.slice(0, sep) : v.slice(0, sep + 1);
  const sfx = v.slice(sep + 1).toLowerCase();
  if (!GO_FLOAT.test(num)) throw bad(`invalid size ${JSON.stringify(v)}: ${JSON.stringify(num)} is not a number`);
  const size = Number(num.replace(/_/g, ''));
  if (size < 0) throw bad(`invalid size ${JSON.stringify(v)}`);
  let mult = 1;
  if (sfx !== '' && sfx !== 'b') {
    const unit = UNITS[sfx[0]!];
    if (unit === undefined || !['', 'b', 'ib'].includes(sfx.slice(1))) throw bad(`invalid suffix ${JSON.stringify(sfx)} (use k, m, g, t or p, optionally with b or ib)`);
    mult = unit;
  }
  const n = Math.trunc(size * mult);
  if (!Number.isSafeInteger(n)) throw bad(`${JSON.stringify(v)} is too large`);
  return n;
}

/** An integer flag as strconv.ParseUint ('uint': digits only) or ParseInt ('int': optional sign) reads it. */
export function parseInteger(flag: string, kind: 'uint' | 'int', v: string): number {
  const ok = kind === 'uint' ? /^\d+$/ : /^[+-]?\d+$/;
  const n = Number(v);
  if (!ok.test(v)) throw usage('update', `invalid value for --${flag}: ${JSON.stringify(v)} is not ${kind === 'uint' ? 'a non-negative' : 'an'} integer`);
  if (!Number.isSafeInteger(n)) throw usage('update', `invalid value for --${flag}: ${JSON.stringify(v)} is out of range`);
  return n;
}

function readResources(file: string): LinuxResources {
  const text = file === '-' ? fs.readFdText(0) : fs.readText(file);
  let r: unknown;
  try {
    r = JSON.parse(text);
  } catch (e) {
    throw invalid([{ path: '', message: `${file === '-' ? 'stdin' : file}: ${(e as Error).message}` }], 'invalid resources');
  }
  // Go semantics, as for config.json: a null member is an absent one.
  r = dropNulls(r);
  if (!r || typeof r !== 'object' || Array.isArray(r)) throw invalid([{ path: '', message: 'expected a LinuxResources object' }], 'invalid resources');
  return updatable(r as LinuxResources);
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
  const file = p.flags['resources'] as string | undefined;
  if (file !== undefined) return readResources(file);
  const r: LinuxResources = {};
  for (const [flag, kind, , set] of NUM_FLAGS) {
    const v = p.flags[flag];
    if (typeof v !== 'string') continue;
    set(r, kind === 'bytes' ? parseBytes(flag, v) : parseInteger(flag, kind, v));
    if (flag.startsWith('kernel-memory')) logWarn('Kernel memory settings are ignored and will be removed');
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
