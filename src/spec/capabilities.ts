/**
 * Linux capabilities: names (as in config.json, `CAP_SYS_ADMIN`) to bit numbers
 * (<linux/capability.h>), and name lists to 64-bit masks.
 *
 * runc (1.1.5 and 1.3 alike) ignores any capability name it does not know, with a
 * warning, so that a config written for a newer kernel still runs: case counts
 * (`cap_chown` is not CAP_CHOWN, it is unknown and ignored), and so does a name that can
 * never be a capability (`chown`, ""). We do the same. Only a non-string is an error
 * (Go cannot decode it).
 */

import type { Problem } from '../errors.js';
import { typeName as kind } from './check.js';

/** Capability name → bit number, in kernel order (CAP_CHOWN 0 … CAP_CHECKPOINT_RESTORE 40). */
export const CAPABILITIES: Readonly<Record<string, number>> = Object.freeze({
  CAP_CHOWN: 0,
  CAP_DAC_OVERRIDE: 1,
  CAP_DAC_READ_SEARCH: 2,
  CAP_FOWNER: 3,
  CAP_FSETID: 4,
  CAP_KILL: 5,
  CAP_SETGID: 6,
  CAP_SETUID: 7,
  CAP_SETPCAP: 8,
  CAP_LINUX_IMMUTABLE: 9,
  CAP_NET_BIND_SERVICE: 10,
  CAP_NET_BROADCAST: 11,
  CAP_NET_ADMIN: 12,
  CAP_NET_RAW: 13,
  CAP_IPC_LOCK: 14,
  CAP_IPC_OWNER: 15,
  CAP_SYS_MODULE: 16,
  CAP_SYS_RAWIO: 17,
  CAP_SYS_CHROOT: 18,
  CAP_SYS_PTRACE: 19,
  CAP_SYS_PACCT: 20,
  CAP_SYS_ADMIN: 21,
  CAP_SYS_BOOT: 22,
  CAP_SYS_NICE: 23,
  CAP_SYS_RESOURCE: 24,
  CAP_SYS_TIME: 25,
  CAP_SYS_TTY_CONFIG: 26,
  CAP_MKNOD: 27,
  CAP_LEASE: 28,
  CAP_AUDIT_WRITE: 29,
  CAP_AUDIT_CONTROL: 30,
  CAP_SETFCAP: 31,
  CAP_MAC_OVERRIDE: 32,
  CAP_MAC_ADMIN: 33,
  CAP_SYSLOG: 34,
  CAP_WAKE_ALARM: 35,
  CAP_BLOCK_SUSPEND: 36,
  CAP_AUDIT_READ: 37,
  CAP_PERFMON: 38,
  CAP_BPF: 39,
  CAP_CHECKPOINT_RESTORE: 40,
});

/** The highest capability number we know (CAP_LAST_CAP of the newest kernel we model). */
export const CAP_LAST_CAP = 40;

/** The capability sets of `process.capabilities`, in the spec's order. */
export const CAPABILITY_SETS = ['bounding', 'effective', 'inheritable', 'permitted', 'ambient'] as const;

/** One of the five capability sets. */
export type CapabilitySet = (typeof CAPABILITY_SETS)[number];

/** Every capability name we know, in bit order. */
export function allCapabilities(): string[] {
  return Object.keys(CAPABILITIES).sort((a, b) => CAPABILITIES[a]! - CAPABILITIES[b]!);
}

/** Bit number of a capability name, or undefined when unknown. Exact, case-sensitive match. */
export function capNumber(name: string): number | undefined {
  return Object.prototype.hasOwnProperty.call(CAPABILITIES, name) ? CAPABILITIES[name] : undefined;
}

/** Result of {@link capMask}. */
export interface CapMaskResult {
  /** Bit i set for each known capability number i. */
  mask: bigint;
  /** Entries that are not strings, each with its JSON path. */
  problems: Problem[];
  /** Unknown names (the caller logs a warning and ignores them, as runc does). */
  unknown: string[];
}

/**
 * Turn a capability name list into a bitmask. `path` is the JSON path of the list
 * (e.g. `process.capabilities.bounding`) and prefixes each problem's path. Never throws;
 * a `names` that is not an array is a single problem.
 */
export function capMask(names: unknown, path: string): CapMaskResult {
  const result: CapMaskResult = { mask: 0n, problems: [], unknown: [] };
  if (!Array.isArray(names)) {
    result.problems.push({ path, message: `expected an array of capability names, got ${kind(names)}` });
    return result;
  }
  // A plain loop; the path of an entry is built only for a problem.
  let mask = 0n;
  for (let i = 0; i < names.length; i++) {
    if (!(i in names)) continue; // forEach skips holes
    const name: unknown = names[i];
    if (typeof name !== 'string') {
      result.problems.push({ path: `${path}[${i}]`, message: `expected a capability name string, got ${kind(name)}` });
      continue;
    }
    const bit = capNumber(name);
    if (bit !== undefined) {
      mask |= capBit(bit);
    } else if (!result.unknown.includes(name)) {
      result.unknown.push(name);
    }
  }
  result.mask = mask;
  return result;
}

/** 1n << BigInt(bit), from a table for the known bits. */
function capBit(bit: number): bigint {
  return CAP_BITS[bit] ?? 1n << BigInt(bit);
}

/** 1n << BigInt(i) for i in 0..CAP_LAST_CAP. */
const CAP_BITS: readonly bigint[] = Array.from({ length: CAP_LAST_CAP + 1 }, (_, i) => 1n << BigInt(i));

/** Names of the capabilities whose bits are set in `mask` (bits beyond CAP_LAST_CAP are skipped). */
export function capNames(mask: bigint): string[] {
  return allCapabilities().filter((name) => (mask >> BigInt(CAPABILITIES[name]!)) & 1n);
}
