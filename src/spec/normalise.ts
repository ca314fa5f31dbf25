/**
 * What runc tolerates in a config before validating it, applied once so that the
 * validator and the plan builders see one canonical shape:
 *
 * - JSON `null` as the value of an object member means "absent". That is Go's
 *   encoding/json semantics (a null leaves the field at its zero value), so configs
 *   written by Go tools (`"args": null`, `"timeOffsets": null`) are valid for runc. Nulls
 *   inside arrays are kept: Go turns them into zero values that the validator rejects
 *   anyway (an empty string, a mount with no destination).
 * - A namespace with `"path": ""` is a new namespace (Go cannot tell "" from absent).
 * - A relative mount destination is taken relative to `/`, with a warning (runc has
 *   deprecated it but still accepts it).
 *
 * Pure: the input is never modified; the result is a copy (unless the caller hands the
 * config over: see normaliseSpec's `inPlace`).
 */

import type { Problem } from '../errors.js';
import { isObject } from './check.js';

/** Deepest nesting copied (the validator reports anything deeper: validate.ts MAX_DEPTH). */
const MAX_COPY_DEPTH = 64;

/**
 * A deep copy of a JSON value without the object members whose value is null.
 * Values nested deeper than 64 levels are not copied (the validator refuses them).
 */
export function dropNulls(v: unknown, depth = 0): unknown {
  if (v === null || typeof v !== 'object' || depth > MAX_COPY_DEPTH) return v;
  if (Array.isArray(v)) {
    // A plain loop (this copies every config); a sparse array (never from JSON.parse)
    // keeps its holes, as Array.map does.
    const n = v.length;
    const arr: unknown[] = [];
    for (let i = 0; i < n; i++) {
      if (!(i in v)) return v.map((x) => dropNulls(x, depth + 1));
      arr.push(dropNulls(v[i], depth + 1));
    }
    return arr;
  }
  const out: Record<string, unknown> = {};
  const o = v as Record<string, unknown>;
  for (const k of Object.keys(o)) {
    const x = o[k];
    if (x === null) continue;
    // defineProperty: a key such as "__proto__" must stay a plain member
    if (k === '__proto__') Object.defineProperty(out, k, { value: dropNulls(x, depth + 1), enumerable: true, writable: true, configurable: true });
    else out[k] = dropNulls(x, depth + 1);
  }
  return out;
}

/** Result of {@link normaliseSpec}. */
export interface Normalised {
  /** The canonical config (a copy; the input when it is not an object). */
  spec: unknown;
  /** What was accepted only for compatibility (the caller logs these). */
  warnings: Problem[];
}

/**
 * Apply runc's tolerances to a parsed config.json (see the file comment). Never throws on
 * JSON values. `inPlace`: the caller owns `spec` and has already deleted its null object
 * members (checkSpec's depth walk does): it is changed in place and returned, not copied.
 */
export function normaliseSpec(spec: unknown, inPlace = false): Normalised {
  const warnings: Problem[] = [];
  const out = inPlace ? spec : dropNulls(spec);
  if (!isObject(out)) return { spec: out, warnings };

  const linux = out['linux'];
  const namespaces = isObject(linux) ? linux['namespaces'] : undefined;
  if (Array.isArray(namespaces)) {
    for (const ns of namespaces) {
      if (isObject(ns) && ns['path'] === '') delete ns['path'];
    }
  }

  const mounts = out['mounts'];
  if (Array.isArray(mounts)) {
    mounts.forEach((m, i) => {
      if (!isObject(m)) return;
      const dest = m['destination'];
      if (typeof dest !== 'string' || dest === '' || dest.startsWith('/')) return;
      m['destination'] = `/${dest}`;
      warnings.push({
        path: `mounts[${i}].destination`,
        message: `mount destination ${dest} is not absolute: taken as /${dest} (deprecated, as with runc)`,
      });
    });
  }
  return { spec: out, warnings };
}
