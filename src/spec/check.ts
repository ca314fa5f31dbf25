/**
 * Small, total type checks for validating untrusted JSON: each one records a problem
 * with its JSON path instead of throwing, and returns the value only when it has the
 * expected type. Shared by the spec validators (validate*.ts, rlimits.ts).
 *
 * Paths look like `process.args[1]`, `linux.sysctl["net.ipv4.ip_forward"]`; the root
 * value itself has the empty path.
 */

import type { Problem } from '../errors.js';

/** Largest id for uid, gid, hostID, containerID and mapping sizes (uint32). */
export const MAX_UINT32 = 0xffff_ffff;

/** Where problems and warnings are collected while walking a document. */
export class Report {
  /** Problems: the document is invalid. */
  readonly problems: Problem[] = [];
  /** Warnings: accepted, but the caller should log them. */
  readonly warnings: Problem[] = [];

  /** Record a problem at `path`. */
  problem(path: string, message: string): void {
    this.problems.push({ path, message });
  }

  /** Record a warning at `path`. */
  warn(path: string, message: string): void {
    this.warnings.push({ path, message });
  }
}

/** A plain JSON object (not null, not an array). */
export type JsonObject = Record<string, unknown>;

/** The type of a JSON value as named in messages: `string`, `number`, `array`, `null` ... */
export function typeName(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  return typeof v;
}

/** True for a non-null, non-array object. */
export function isObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** An own property of `o` (never one inherited from a prototype). */
export function field(o: JsonObject, key: string): unknown {
  return Object.prototype.hasOwnProperty.call(o, key) ? o[key] : undefined;
}

const IDENT = /^[A-Za-z_$][\w$]*$/;

/** key() answers by key name (the same few names come up for every mount, hook, rule ...). */
const IDENT_SEEN = new Map<string, boolean>();

/** IDENT.test(k), remembered for up to 512 names (a Map lookup is cheaper than the regex). */
function isIdent(k: string): boolean {
  let ok = IDENT_SEEN.get(k);
  if (ok === undefined) {
    ok = IDENT.test(k);
    if (IDENT_SEEN.size < 512) IDENT_SEEN.set(k, ok);
  }
  return ok;
}

/** Append an object key to a JSON path: `a.b`, or `a["x.y"]` when the key is not an identifier. */
export function key(path: string, k: string): string {
  if (typeof k === 'string' ? isIdent(k) : IDENT.test(k)) return path === '' ? k : `${path}.${k}`;
  return `${path}[${JSON.stringify(k)}]`;
}

/** Append an array index to a JSON path: `a[3]`. */
export function index(path: string, i: number): string {
  return `${path}[${i}]`;
}

/** Options shared by the checks. */
export interface CheckOptions {
  /** A missing (undefined) value is a problem. */
  required?: boolean;
}

function missing(r: Report, v: unknown, path: string, opts: CheckOptions): boolean {
  if (v !== undefined) return false;
  if (opts.required) r.problem(path, 'is required');
  return true;
}

/** Check for an object; returns it, or undefined (with a problem unless optional and absent). */
export function obj(r: Report, v: unknown, path: string, opts: CheckOptions = {}): JsonObject | undefined {
  if (missing(r, v, path, opts)) return undefined;
  if (isObject(v)) return v;
  r.problem(path, `expected an object, got ${typeName(v)}`);
  return undefined;
}

/** Check for an array; returns it, or undefined. */
export function arr(r: Report, v: unknown, path: string, opts: CheckOptions & { nonEmpty?: boolean } = {}): unknown[] | undefined {
  if (missing(r, v, path, opts)) return undefined;
  if (!Array.isArray(v)) {
    r.problem(path, `expected an array, got ${typeName(v)}`);
    return undefined;
  }
  if (opts.nonEmpty && v.length === 0) r.problem(path, 'must not be empty');
  return v;
}

/** Check for a boolean. */
export function bool(r: Report, v: unknown, path: string, opts: CheckOptions = {}): boolean | undefined {
  if (missing(r, v, path, opts)) return undefined;
  if (typeof v === 'boolean') return v;
  r.problem(path, `expected a boolean, got ${typeName(v)}`);
  return undefined;
}

/** Extra checks for strings. */
export interface StringOptions extends CheckOptions {
  /** Must start with `/`. */
  absolute?: boolean;
  /** Must not be "". */
  nonEmpty?: boolean;
  /** Must be one of these. */
  oneOf?: readonly string[];
}

/** Check for a string (never containing a NUL byte, which no syscall argument can carry). */
export function str(r: Report, v: unknown, path: string, opts: StringOptions = {}): string | undefined {
  if (missing(r, v, path, opts)) return undefined;
  if (typeof v !== 'string') {
    r.problem(path, `expected a string, got ${typeName(v)}`);
    return undefined;
  }
  if (v.includes('\0')) {
    r.problem(path, 'must not contain a NUL byte');
    return undefined;
  }
  if (opts.nonEmpty && v === '') {
    r.problem(path, 'must not be empty');
    return undefined;
  }
  if (opts.absolute && !v.startsWith('/')) {
    r.problem(path, `must be an absolute path, got ${JSON.stringify(v)}`);
    return undefined;
  }
  if (opts.oneOf && !opts.oneOf.includes(v)) {
    r.problem(path, `unknown value ${JSON.stringify(v)}: expected one of ${opts.oneOf.join(', ')}`);
    return undefined;
  }
  return v;
}

/** Bounds for integers. */
export interface IntOptions extends CheckOptions {
  min?: number;
  max?: number;
}

/**
 * Check for an integer within [min, max]. Fractions, NaN, infinities and magnitudes
 * beyond 2^53 (which JSON parsing has already rounded) are problems.
 */
export function int(r: Report, v: unknown, path: string, opts: IntOptions = {}): number | undefined {
  if (missing(r, v, path, opts)) return undefined;
  if (typeof v !== 'number') {
    r.problem(path, `expected an integer, got ${typeName(v)}`);
    return undefined;
  }
  if (!Number.isFinite(v)) {
    r.problem(path, `expected a finite integer, got ${v}`);
    return undefined;
  }
  if (!Number.isInteger(v)) {
    r.problem(path, `expected an integer, got ${v}`);
    return undefined;
  }
  if (!Number.isSafeInteger(v)) {
    r.problem(path, `integer beyond 2^53 cannot be represented exactly, got ${v}`);
    return undefined;
  }
  if (opts.min !== undefined && v < opts.min) {
    r.problem(path, opts.min === 0 ? `must not be negative, got ${v}` : `must be at least ${opts.min}, got ${v}`);
    return undefined;
  }
  if (opts.max !== undefined && v > opts.max) {
    r.problem(path, `must be at most ${opts.max}, got ${v}`);
    return undefined;
  }
  return v;
}

/** Check for a uint32 id (uid, gid). */
export function id(r: Report, v: unknown, path: string, opts: CheckOptions = {}): number | undefined {
  return int(r, v, path, { ...opts, min: 0, max: MAX_UINT32 });
}

/**
 * Check each element of an array with `each`; returns the elements that passed
 * (`each` returns undefined for a failed one).
 */
export function list<T>(
  r: Report,
  v: unknown,
  path: string,
  each: (item: unknown, path: string, i: number) => T | undefined,
  opts: CheckOptions & { nonEmpty?: boolean } = {},
): T[] | undefined {
  const a = arr(r, v, path, opts);
  if (!a) return undefined;
  const out: T[] = [];
  for (let i = 0; i < a.length; i++) {
    const x = each(a[i], index(path, i), i);
    if (x !== undefined) out.push(x);
  }
  return out;
}

/** Options for {@link strList}: `nonEmpty` is about the list, `nonEmptyItems` about each string. */
export interface StringListOptions extends Omit<StringOptions, 'nonEmpty'> {
  nonEmpty?: boolean;
  nonEmptyItems?: boolean;
}

/** Check an array of strings. */
export function strList(r: Report, v: unknown, path: string, opts: StringListOptions = {}): string[] | undefined {
  const { required, nonEmpty, nonEmptyItems, ...each } = opts;
  const itemOpts: StringOptions = { ...each, nonEmpty: nonEmptyItems, required: true };
  return list(r, v, path, (x, p) => str(r, x, p, itemOpts), { required, nonEmpty });
}

/** Check an object whose values are all strings (annotations, sysctl, unified). */
export function strMap(r: Report, v: unknown, path: string, opts: CheckOptions = {}): Record<string, string> | undefined {
  const o = obj(r, v, path, opts);
  if (!o) return undefined;
  const out: Record<string, string> = {};
  for (const [k, x] of Object.entries(o)) {
    const s = str(r, x, key(path, k), { required: true });
    // defineProperty: a key such as "__proto__" must stay a plain entry
    if (s !== undefined) Object.defineProperty(out, k, { value: s, enumerable: true, writable: true, configurable: true });
  }
  return out;
}

/**
 * Largest CPU or NUMA node number in a list: runc's CPU sets have 1024 bits (it refuses
 * "values larger than 1023"), and the kernel has at most 1024 NUMA nodes (NODES_SHIFT 10).
 * The bound also keeps a list such as `0-99999999999` from being expanded at all.
 */
export const MAX_CPU_OR_NODE = 1023;

/**
 * Check a list such as `0-3,7` of CPU or node numbers (`what`: "CPU", "node"), each at
 * most MAX_CPU_OR_NODE, ranges low to high. Returns true when valid.
 */
export function cpuList(r: Report, s: string, path: string, what: string): boolean {
  if (!/^\d+(-\d+)?(,\d+(-\d+)?)*$/.test(s)) {
    r.problem(path, `invalid ${what} list ${JSON.stringify(s)}: expected a list such as 0-3,7`);
    return false;
  }
  for (const part of s.split(',')) {
    const [a, b = a] = part.split('-').map(Number) as [number, number?];
    const big = [a, b].find((n) => n > MAX_CPU_OR_NODE);
    if (big !== undefined) {
      const digits = part.split('-').find((x) => Number(x) === big) ?? String(big);
      r.problem(path, `${what} ${digits} is out of range: values larger than ${MAX_CPU_OR_NODE} are not supported`);
      return false;
    }
    if (b < a) {
      r.problem(path, `invalid range ${part}: the first ${what} is larger than the last`);
      return false;
    }
  }
  return true;
}
