/**
 * Property tests of the plan encoder (the bytes the C shim trusts): any plan of the
 * right shape round-trips exactly, every strict prefix of an encoded plan is refused
 * with a clear error, and arbitrary bytes never make the decoder fail in any other way
 * than a RangeError naming the problem. The C side of the same boundary is fuzzed by
 * test/fuzz/plan_fuzz.c (`make fuzz`).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { decodePlan, encodePlan } from '../../../src/plan/encode.js';
import { emptyPlan, type InitPlan } from '../../../src/plan/types.js';

/** A plan with every field of known shape set: the template of the arbitrary. */
const TEMPLATE: InitPlan = {
  ...emptyPlan(), mode: 1, barrier: 2, fifoPath: '/run/x/exec.fifo', cloneFlags: 0x7e020000n,
  joinNamespaces: [{ type: 0x40000000, path: '/var/run/netns/a' }], uidMap: '0 1000 1\n', gidMap: '0 1000 1\n',
  rootfs: '/r', rootfsPropagation: 1n << 19n,
  mounts: [{ kind: 2, source: '/src', destination: '/dst', fstype: 'tmpfs', flags: 4096n, data: 'size=1m', propagation: [1n << 18n],
    attrSet: 1n, attrClr: 0n, destIsFile: true, remountFlags: 1n }],
  devices: [{ path: '/dev/null', kind: 1, major: 1, minor: 3, mode: 0o666, uid: 0, gid: 0 }],
  symlinks: [{ target: '/proc/self/fd', path: '/dev/fd' }], maskedPaths: ['/proc/kcore'], readonlyPaths: ['/proc/sys'],
  rootReadonly: true, hostname: 'h', domainname: 'd', sysctls: [{ path: 'net/ipv4/ip_forward', value: '1' }],
  rlimits: [{ resource: 7, soft: 1024n, hard: 0xffffffffffffffffn }], oomScoreAdj: -500, keyring: '_ses.x',
  loopbackUp: true, uid: 1000, gid: 1000, additionalGids: [10, 29], umask: 0o22, cwd: '/tmp', args: ['sh', '-c', 'x'],
  env: ['PATH=/bin'], capBounding: 1n, capEffective: 1n, capInheritable: 1n, capPermitted: 1n, capAmbient: 1n,
  noNewPrivs: true, preserveFds: 2, setsid: true, cgroupProcs: ['/sys/fs/cgroup/unified/c/cgroup.procs'],
  cgroupTasks: ['/sys/fs/cgroup/pids/c/tasks'], cgroupInto: '/sys/fs/cgroup/c', label: 'x', monitor: true, terminal: true, consoleSocket: '/s',
  consoleHeight: 24, consoleWidth: 80,
};

const U64 = (1n << 64n) - 1n;

/** An arbitrary of the same shape as `v` (numbers keep their sign class: signed 32-bit or unsigned 32-bit). */
function like(v: unknown): fc.Arbitrary<unknown> {
  if (typeof v === 'string') return fc.string({ unit: 'grapheme', maxLength: 40 });
  if (typeof v === 'bigint') return fc.bigInt({ min: 0n, max: U64 });
  if (typeof v === 'boolean') return fc.boolean();
  if (typeof v === 'number') return v < 0 ? fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }) : fc.nat(0xffffffff);
  if (Array.isArray(v)) return v.length ? fc.array(like(v[0]), { maxLength: 4 }) : fc.constant([]);
  if (v && typeof v === 'object') {
    const shape: Record<string, fc.Arbitrary<unknown>> = {};
    for (const [k, x] of Object.entries(v)) shape[k] = like(x);
    return fc.record(shape).map((o) => ({ ...o }));
  }
  return fc.constant(v);
}

const arbPlan = like(TEMPLATE) as fc.Arbitrary<InitPlan>;

/** Booleans encode as presence: a plan whose flags are false decodes with them false. */
function normalise(p: InitPlan): InitPlan {
  return decodePlan(encodePlan(p));
}

describe('plan encoder (property)', () => {
  it('round-trips any plan of the right shape', () => {
    fc.assert(
      fc.property(arbPlan, (p) => {
        const once = normalise(p);
        assert.deepEqual(normalise(once), once, 'decode(encode(.)) is a fixed point');
        // Every field that is set comes back as it was.
        for (const k of ['args', 'env', 'mounts', 'devices', 'rlimits', 'sysctls', 'joinNamespaces', 'uid', 'gid', 'capBounding', 'cloneFlags', 'cwd', 'rootfs'] as const) {
          assert.deepEqual(once[k], p[k], k);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('refuses every strict prefix of an encoded plan with a clear RangeError', () => {
    fc.assert(
      fc.property(arbPlan, fc.double({ min: 0, max: 1, noNaN: true }), (p, frac) => {
        const b = encodePlan(p);
        const cut = Math.floor(frac * (b.length - 1));
        try {
          decodePlan(b.subarray(0, cut));
        } catch (e) {
          assert.ok(e instanceof RangeError, `not a RangeError: ${String(e)}`);
          assert.match((e as Error).message, /^[a-z]/);
          return;
        }
        // A cut on a record boundary is a shorter, valid plan: that is the only other outcome.
        const again = encodePlan(decodePlan(b.subarray(0, cut)));
        assert.ok(again.length <= b.length);
      }),
      { numRuns: 300 },
    );
  });

  it('decodes or refuses arbitrary bytes, never fails another way', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 512 }), (bytes) => {
        try {
          decodePlan(Buffer.from(bytes));
        } catch (e) {
          assert.ok(e instanceof RangeError, `${(e as Error)?.constructor?.name}: ${String(e)}`);
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('decodes or refuses bit-flipped real plans, never fails another way', () => {
    const base = encodePlan(TEMPLATE);
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat(base.length - 1), fc.nat(255)), { minLength: 1, maxLength: 8 }), (flips) => {
        const b = Buffer.from(base);
        for (const [i, x] of flips) b[i] = x;
        try {
          decodePlan(b);
        } catch (e) {
          assert.ok(e instanceof RangeError, `${(e as Error)?.constructor?.name}: ${String(e)}`);
        }
      }),
      { numRuns: 2000 },
    );
  });
});
