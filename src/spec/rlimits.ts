/**
 * `process.rlimits`: RLIMIT_* names to resource numbers (Linux x86_64/arm64 values,
 * <asm-generic/resource.h>), with the checks the runtime-spec asks for: known type,
 * no duplicate type, soft <= hard.
 *
 * Values are uint64 in the spec. JSON numbers lose precision beyond 2^53, so such
 * values are rejected, except 18446744073709551615 (which parses to exactly 2^64):
 * that one is RLIM_INFINITY, as written by tools that print the Go uint64 maximum.
 */

import type { Problem } from '../errors.js';
import { field, int, obj, Report, str, arr, index, key } from './check.js';

/** RLIMIT_* name → resource number for setrlimit/prlimit. */
export const RLIMITS: Readonly<Record<string, number>> = Object.freeze({
  RLIMIT_CPU: 0,
  RLIMIT_FSIZE: 1,
  RLIMIT_DATA: 2,
  RLIMIT_STACK: 3,
  RLIMIT_CORE: 4,
  RLIMIT_RSS: 5,
  RLIMIT_NPROC: 6,
  RLIMIT_NOFILE: 7,
  RLIMIT_MEMLOCK: 8,
  RLIMIT_AS: 9,
  RLIMIT_LOCKS: 10,
  RLIMIT_SIGPENDING: 11,
  RLIMIT_MSGQUEUE: 12,
  RLIMIT_NICE: 13,
  RLIMIT_RTPRIO: 14,
  RLIMIT_RTTIME: 15,
});

/** RLIM_INFINITY: no limit (2^64 - 1). */
export const RLIM_INFINITY = 0xffff_ffff_ffff_ffffn;

/** A checked rlimit, ready for setrlimit. */
export interface ResolvedRlimit {
  /** `RLIMIT_NOFILE` etc., as given. */
  name: string;
  /** Resource number (RLIMITS[name]). */
  resource: number;
  soft: bigint;
  hard: bigint;
}

/** Result of {@link parseRlimits}. */
export interface RlimitsResult {
  /** The valid entries, in order. */
  rlimits: ResolvedRlimit[];
  /** One per invalid entry or field, with its JSON path. */
  problems: Problem[];
}

/** Resource number of an RLIMIT_* name, or undefined. */
export function rlimitNumber(name: string): number | undefined {
  return Object.prototype.hasOwnProperty.call(RLIMITS, name) ? RLIMITS[name] : undefined;
}

/**
 * Check and resolve a `process.rlimits` value (`path` is its JSON path, default
 * `process.rlimits`). Never throws.
 */
export function parseRlimits(value: unknown, path = 'process.rlimits'): RlimitsResult {
  const r = new Report();
  const rlimits = checkRlimits(r, value, path);
  return { rlimits, problems: r.problems };
}

/** Like {@link parseRlimits}, recording into an existing report (used by the validator). */
export function checkRlimits(r: Report, value: unknown, path: string): ResolvedRlimit[] {
  const out: ResolvedRlimit[] = [];
  const items = arr(r, value, path);
  if (!items) return out;
  const seen = new Map<string, number>();
  items.forEach((item, i) => {
    const at = index(path, i);
    const o = obj(r, item, at, { required: true });
    if (!o) return;
    const name = str(r, field(o, 'type'), key(at, 'type'), { required: true });
    let resource: number | undefined;
    if (name !== undefined) {
      resource = rlimitNumber(name);
      if (resource === undefined) {
        r.problem(key(at, 'type'), `unknown rlimit type ${JSON.stringify(name)}`);
      } else if (seen.has(name)) {
        r.problem(key(at, 'type'), `duplicate rlimit type ${name} (first at ${index(path, seen.get(name)!)})`);
        resource = undefined;
      } else {
        seen.set(name, i);
      }
    }
    const soft = limitValue(r, field(o, 'soft'), key(at, 'soft'));
    const hard = limitValue(r, field(o, 'hard'), key(at, 'hard'));
    if (soft !== undefined && hard !== undefined && soft > hard) {
      r.problem(key(at, 'soft'), `soft limit ${soft} is greater than hard limit ${hard}`);
      return;
    }
    if (name !== undefined && resource !== undefined && soft !== undefined && hard !== undefined) {
      out.push({ name, resource, soft, hard });
    }
  });
  return out;
}

function limitValue(r: Report, v: unknown, path: string): bigint | undefined {
  // 2^64 is what JSON.parse makes of 18446744073709551615 (the uint64 maximum).
  if (v === 2 ** 64) return RLIM_INFINITY;
  const n = int(r, v, path, { required: true, min: 0 });
  return n === undefined ? undefined : BigInt(n);
}
