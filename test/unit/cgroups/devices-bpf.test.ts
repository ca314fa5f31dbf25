/**
 * The v2 device program, run through a small BPF interpreter written here (the subset a
 * cgroup device program may use: 32/64-bit ALU, 32-bit loads from the context, JMP and
 * JMP32 compares, exit), and compared with the policy the v1 path enforces.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { BPF, decodeInsns, deviceFilterInsns, deviceFilterProgram, encodeInsns, type Insn } from '../../../src/cgroups/v2/devices-bpf.js';
import { defaultDeviceRules, devicePolicy, type DeviceRule, normalizeRule, policyAllows } from '../../../src/cgroups/devices.js';

const M64 = (1n << 64n) - 1n;
const M32 = (1n << 32n) - 1n;

/** Run a program on a bpf_cgroup_dev_ctx {u32 access_type; u32 major; u32 minor}; returns r0. */
function run(prog: Insn[], ctx: { type: number; access: number; major: number; minor: number }): bigint {
  const mem = Buffer.alloc(12);
  mem.writeUInt32LE(((ctx.access << 16) | ctx.type) >>> 0, 0);
  mem.writeUInt32LE(ctx.major >>> 0, 4);
  mem.writeUInt32LE(ctx.minor >>> 0, 8);
  const r: Array<bigint | undefined> = new Array(11).fill(undefined);
  r[1] = 0xc0ffee00n; // pointer to ctx (an opaque tag)
  r[10] = 0xfe000000n; // frame pointer, unused
  const get = (i: number) => {
    const v = r[i];
    if (v === undefined) throw new Error(`read of uninitialized r${i}`);
    return v;
  };
  let pc = 0;
  for (let steps = 0; steps < 100000; steps++) {
    const i = prog[pc];
    if (!i) throw new Error(`pc ${pc} out of the program`);
    const cls = i.code & 0x07;
    const op = i.code & 0xf0;
    const srcX = (i.code & 0x08) !== 0;
    pc++;
    if (cls === BPF.LDX) {
      if ((i.code & 0xe0) !== BPF.MEM) throw new Error('ldx mode');
      if (get(i.src) !== 0xc0ffee00n) throw new Error('load not from ctx');
      const size = i.code & 0x18;
      const n = size === BPF.W ? 4 : size === BPF.H ? 2 : size === BPF.B ? 1 : 8;
      if (i.off < 0 || i.off + n > 12 || n === 8) throw new Error(`ctx access off=${i.off} size=${n}`);
      r[i.dst] = BigInt(n === 4 ? mem.readUInt32LE(i.off) : n === 2 ? mem.readUInt16LE(i.off) : mem.readUInt8(i.off));
    } else if (cls === BPF.ALU || cls === BPF.ALU64) {
      const wide = cls === BPF.ALU64;
      const mask = wide ? M64 : M32;
      const a = op === BPF.MOV ? 0n : get(i.dst) & mask;
      const b = (srcX ? get(i.src) : BigInt.asUintN(64, BigInt(i.imm))) & mask;
      let v: bigint;
      switch (op) {
        case BPF.MOV: v = b; break;
        case BPF.AND: v = a & b; break;
        case BPF.OR: v = a | b; break;
        case BPF.ADD: v = a + b; break;
        case BPF.SUB: v = a - b; break;
        case BPF.RSH: v = a >> (b & (wide ? 63n : 31n)); break;
        case BPF.LSH: v = a << (b & (wide ? 63n : 31n)); break;
        default: throw new Error(`alu op ${op.toString(16)}`);
      }
      r[i.dst] = v & mask; // 32-bit ops zero the upper half
    } else if (cls === BPF.JMP || cls === BPF.JMP32) {
      if (op === BPF.EXIT) {
        if (cls !== BPF.JMP) throw new Error('exit in jmp32');
        return get(0);
      }
      const mask = cls === BPF.JMP32 ? M32 : M64;
      const a = op === BPF.JA ? 0n : get(i.dst) & mask;
      const b = (srcX ? get(i.src) : BigInt.asUintN(64, BigInt(i.imm))) & mask;
      let take: boolean;
      switch (op) {
        case BPF.JA: take = true; break;
        case BPF.JEQ: take = a === b; break;
        case BPF.JNE: take = a !== b; break;
        case BPF.JGT: take = a > b; break;
        case BPF.JGE: take = a >= b; break;
        case BPF.JSET: take = (a & b) !== 0n; break;
        default: throw new Error(`jmp op ${op.toString(16)}`);
      }
      if (take) {
        if (i.off < 0) throw new Error('backward jump');
        pc += i.off;
      }
    } else {
      throw new Error(`class ${cls}`);
    }
  }
  throw new Error('no exit');
}

const TYPE = { b: 1, c: 2 } as const;
const ACC = (a: string) => (a.includes('m') ? 1 : 0) | (a.includes('r') ? 2 : 0) | (a.includes('w') ? 4 : 0);
const allowed = (prog: Insn[], t: 'b' | 'c', major: number, minor: number, access: string) => run(prog, { type: TYPE[t], access: ACC(access), major, minor }) === 1n;

test('encoding: struct bpf_insn layout round-trips', () => {
  const insns = deviceFilterInsns([normalizeRule({ allow: false }), normalizeRule({ allow: true, type: 'c', major: 4000000000, minor: 3, access: 'rw' })]);
  const bytes = encodeInsns(insns);
  assert.equal(bytes.length, insns.length * 8);
  assert.deepEqual(decodeInsns(bytes), insns.map((i) => ({ ...i, imm: i.imm | 0 })));
  // first instruction: ldxw r2, [r1+0] = 0x61, regs 0x12
  assert.deepEqual([...bytes.subarray(0, 8)], [0x61, 0x12, 0, 0, 0, 0, 0, 0]);
  // last: exit
  assert.equal(bytes[bytes.length - 8], 0x95);
});

test('empty rule list: deny everything (two instructions)', () => {
  const prog = deviceFilterInsns([]);
  assert.equal(prog.length, 2);
  assert.ok(!allowed(prog, 'c', 1, 3, 'r'));
  assert.ok(!allowed(prog, 'b', 8, 0, 'm'));
});

test('the default container rules', () => {
  const rules = [normalizeRule({ allow: false, access: 'rwm' }), ...defaultDeviceRules().map(normalizeRule)];
  const prog = deviceFilterInsns(rules);
  assert.ok(allowed(prog, 'c', 1, 3, 'rw')); // /dev/null
  assert.ok(allowed(prog, 'c', 1, 9, 'r')); // /dev/urandom
  assert.ok(allowed(prog, 'c', 136, 2, 'rw')); // a pts
  assert.ok(allowed(prog, 'c', 7, 7, 'm')); // mknod of any char device
  assert.ok(!allowed(prog, 'c', 7, 7, 'r')); // but not opening it
  assert.ok(!allowed(prog, 'b', 8, 0, 'r')); // /dev/sda
  assert.ok(!allowed(prog, 'c', 1, 1, 'rw')); // /dev/mem
  assert.ok(allowed(prog, 'c', 10, 200, 'rwm')); // /dev/net/tun
});

test('blacklist: allow all, deny one block device write', () => {
  const prog = deviceFilterInsns([normalizeRule({ allow: true }), normalizeRule({ allow: false, type: 'b', major: 8, minor: 0, access: 'w' })]);
  assert.ok(allowed(prog, 'b', 8, 0, 'r'));
  assert.ok(!allowed(prog, 'b', 8, 0, 'w'));
  assert.ok(!allowed(prog, 'b', 8, 0, 'rw'));
  assert.ok(allowed(prog, 'b', 8, 1, 'rw'));
  assert.ok(allowed(prog, 'c', 8, 0, 'w'));
});

test('majors and minors ≥ 2^31 compare as u32', () => {
  const prog = deviceFilterInsns([normalizeRule({ allow: false }), normalizeRule({ allow: true, type: 'c', major: 0xfffffff0, minor: 0x80000001 })]);
  assert.ok(allowed(prog, 'c', 0xfffffff0, 0x80000001, 'r'));
  assert.ok(!allowed(prog, 'c', 0xfffffff0, 1, 'r'));
});

test('the usual shape is last-match-wins, default deny', () => {
  // deny all, then allows: a request is allowed iff some allow rule covers it
  const rules = [normalizeRule({ allow: false }), normalizeRule({ allow: true, type: 'c', major: 1, access: 'r' }), normalizeRule({ allow: true, type: 'c', major: 1, minor: 3, access: 'w' })];
  const prog = deviceFilterInsns(rules);
  assert.ok(allowed(prog, 'c', 1, 3, 'w'));
  assert.ok(allowed(prog, 'c', 1, 3, 'r'));
  assert.ok(allowed(prog, 'c', 1, 4, 'r'));
  assert.ok(!allowed(prog, 'c', 1, 4, 'w'));
});

// Property: for any rule list the policy accepts, the program answers every request the
// way the policy (= the v1 kernel semantics) does.
const ruleArb: fc.Arbitrary<DeviceRule> = fc.record({
  allow: fc.boolean(),
  type: fc.constantFrom<'a' | 'b' | 'c'>('a', 'b', 'b', 'c', 'c', 'c'),
  major: fc.constantFrom(-1, 1, 5, 8, 0xffffffff),
  minor: fc.constantFrom(-1, 0, 3, 0x80000000),
  access: fc.constantFrom('r', 'w', 'm', 'rw', 'rm', 'wm', 'rwm'),
});
const reqArb = fc.record({
  type: fc.constantFrom<'b' | 'c'>('b', 'c'),
  major: fc.constantFrom(1, 5, 8, 9, 0xffffffff),
  minor: fc.constantFrom(0, 3, 4, 0x80000000),
  access: fc.constantFrom('r', 'w', 'm', 'rw', 'rm', 'wm', 'rwm'),
});

test('property: program ≡ policy for random rule lists and requests', () => {
  fc.assert(
    fc.property(fc.array(ruleArb, { maxLength: 12 }), fc.array(reqArb, { minLength: 1, maxLength: 20 }), (rules, reqs) => {
      let policy;
      try {
        policy = devicePolicy(rules);
      } catch {
        return; // rejected (hole punching); deviceFilterInsns must reject too
      }
      const prog = deviceFilterInsns(rules);
      assert.ok(prog.length < 4096);
      for (const q of reqs) assert.equal(allowed(prog, q.type, q.major, q.minor, q.access), policyAllows(policy, q.type, q.major, q.minor, q.access), JSON.stringify({ rules, q }));
    }),
    { numRuns: 2000 },
  );
});

/** Registers an instruction reads (ctx loads read r1; exit reads r0). */
function reads(i: Insn): number[] {
  const cls = i.code & 0x07;
  const op = i.code & 0xf0;
  const srcX = (i.code & 0x08) !== 0;
  if (cls === BPF.LDX) return [i.src];
  if (cls === BPF.ALU || cls === BPF.ALU64) return [...(op === BPF.MOV ? [] : [i.dst]), ...(srcX ? [i.src] : [])];
  if (op === BPF.EXIT) return [0];
  if (op === BPF.JA) return [];
  return [i.dst, ...(srcX ? [i.src] : [])];
}

test('no register value crosses a jump target (each verifier state at a block start is the same)', () => {
  // What keeps BPF_PROG_LOAD's verification linear in the number of rules: a register read
  // in a block was written in that block, so the states reaching a jump target differ only
  // in dead registers and the verifier prunes all but the first.
  const check = (rules: DeviceRule[]) => {
    const prog = deviceFilterInsns(rules);
    const targets = new Set<number>();
    prog.forEach((i, pc) => {
      const cls = i.code & 0x07;
      if ((cls === BPF.JMP || cls === BPF.JMP32) && (i.code & 0xf0) !== BPF.EXIT) targets.add(pc + 1 + i.off);
    });
    let live = new Set([1, 10]);
    prog.forEach((i, pc) => {
      if (targets.has(pc)) live = new Set([1, 10]);
      for (const r of reads(i)) assert.ok(live.has(r), `pc ${pc} reads r${r} written before a jump target (rules ${JSON.stringify(rules)})`);
      const cls = i.code & 0x07;
      if (cls === BPF.LDX || cls === BPF.ALU || cls === BPF.ALU64) live.add(i.dst);
    });
  };
  check([normalizeRule({ allow: false, access: 'rwm' }), ...defaultDeviceRules().map(normalizeRule)]);
  check([normalizeRule({ allow: true }), normalizeRule({ allow: false, type: 'b', major: 8, minor: 0, access: 'w' })]);
  fc.assert(
    fc.property(fc.array(ruleArb, { maxLength: 12 }), (rules) => {
      try {
        devicePolicy(rules);
      } catch {
        return;
      }
      check(rules);
    }),
    { numRuns: 500 },
  );
});

test('rejected rule lists are rejected by the generator too', () => {
  const rules = [normalizeRule({ allow: false }), normalizeRule({ allow: true, type: 'c', major: 1 }), normalizeRule({ allow: false, type: 'c', major: 1, minor: 3 })];
  assert.throws(() => deviceFilterProgram(rules), /punch a hole/);
});
