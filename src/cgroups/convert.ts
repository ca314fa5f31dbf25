/**
 * Unit conversions between the OCI spec (cgroup v1 vocabulary) and cgroup v2 files. Pure.
 */

/**
 * cpu.shares (2..262144, default 1024) → cpu.weight (1..10000, default 100), runc 1.2's
 * linear mapping `1 + ((shares - 2) * 9999) / 262142` in integer arithmetic.
 *
 * Why the linear one and not runc 1.3+'s quadratic curve (which maps 1024 to 100): the
 * weights only mean something relative to siblings, and the siblings of a container's
 * cgroup are mostly written by others with the linear formula (kubelet for pod and QoS
 * cgroups, crun, runc ≤ 1.2, systemd's CPUShares= compatibility). Mixing curves skews the
 * ratio between a runts container and its neighbours; keeping the established one does not.
 * 0 means "not set".
 */
export function sharesToWeight(shares: number): number {
  if (!shares) return 0;
  return 1 + Math.floor(((shares - 2) * 9999) / 262142);
}

/** The inverse of sharesToWeight (to report a v2 weight in spec units); 0 stays 0. */
export function weightToShares(weight: number): number {
  if (!weight) return 0;
  return 2 + Math.ceil(((weight - 1) * 262142) / 9999);
}

/**
 * blkio.weight (10..1000; BFQ accepts 1..1000) → io.weight (1..10000), as runc:
 * `1 + (weight - 10) * 9999 / 990`. 0 means "not set".
 */
export function blkioWeightToIoWeight(weight: number): number {
  if (!weight) return 0;
  return 1 + Math.floor((Math.max(weight, 10) - 10) * 9999 / 990);
}

/**
 * The spec's `memory.swap` is memory+swap (v1's memsw); v2's memory.swap.max is swap
 * alone. Returns the memory.swap.max value: a number, 'max', or undefined for "leave as
 * is". Throws a plain Error (message without the field) for impossible combinations.
 * `limit` is the memory limit in force after the update (the spec's, or the current one).
 */
export function swapToV2(swap: number | undefined, limit: number | undefined): number | 'max' | undefined {
  // As in v1: an unlimited memory limit with no swap value means both unlimited.
  if (limit === -1 && (swap === undefined || swap === 0)) return 'max';
  if (swap === undefined || swap === 0) return undefined;
  if (swap === -1) return 'max';
  if (swap < 0) throw new Error(`invalid value ${swap}`);
  if (limit === undefined || limit === 0 || limit === -1) {
    throw new Error('a swap limit needs a memory limit (memory.limit)');
  }
  if (swap < limit) throw new Error(`memory+swap (${swap}) must be >= the memory limit (${limit})`);
  return swap - limit;
}

/** A v2 limit file value: -1 → 'max', otherwise the number. */
export function maxValue(n: number): string {
  return n < 0 ? 'max' : String(n);
}
