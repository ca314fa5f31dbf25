/**
 * The cgroup v2 device filter: a BPF_PROG_TYPE_CGROUP_DEVICE program, generated here as
 * raw `struct bpf_insn` bytes (pure), loaded and attached by the runts-init helper
 * (`runts-init bpf-devices DIR`, native/cgroup-bpf.c) because Node cannot call bpf(2).
 *
 * Same policy as v1 and as runc's devicefilter (see ../devices.ts): the rules are reduced
 * to a default plus exceptions; the program tests each exception in turn and returns the
 * non-default verdict on the first one that matches, else the default. One deliberate
 * difference from runc: with a default-allow policy, a deny exception matches when it
 * overlaps the access requested (as the v1 kernel does), where runc's program requires
 * the request to be a subset, so there `deny b 8:0 w` lets an O_RDWR open through.
 *
 * Each test loads the context field it compares right before it, so that no register
 * carries a value from one block into the next: at every block's start r0 and r2-r5 are
 * dead, all paths that reach it are the same verifier state, and the verifier walks each
 * block once (with the fields loaded once up front, the states that reached a block held
 * different constants and were not pruned: 232 instructions processed for the default
 * rules and ~330 us per BPF_PROG_LOAD here, 121 and ~190 us this way).
 *
 *   block i:  r2 = ctx->access_type; w2 &= 0xffff; if w2 != type goto i+1   (BPF_DEVCG_DEV_BLOCK 1, _CHAR 2)
 *             [r3 = ctx->access_type; w3 >>= 16; w0 = w3; w0 &= access;      (BPF_DEVCG_ACC_MKNOD 1, _READ 2, _WRITE 4)
 *                if w0 != w3 goto i+1]                   (default deny; skipped when access is rwm)
 *                if w0 == 0 goto i+1]                    (default allow)
 *             [r4 = ctx->major; if w4 != major goto i+1] [r5 = ctx->minor; if w5 != minor goto i+1]   (skipped for *)
 *             w0 = !default; exit
 *   last:     w0 = default; exit
 *
 * Comparisons use BPF_JMP32 (kernel ≥ 5.1; cgroup v2 device programs need 4.15 anyway,
 * and every kernel with the features runts needs has it): device numbers are u32, and a
 * 64-bit compare against an imm32 would sign-extend majors ≥ 2^31.
 */
import type { DeviceRule } from '../devices.js';
import { devicePolicy, exceptions } from '../devices.js';
import { view } from '../../sys/bytes.js';

/** BPF opcode pieces (linux/bpf_common.h, linux/bpf.h). */
export const BPF = {
  LDX: 0x01, ALU: 0x04, JMP: 0x05, JMP32: 0x06, ALU64: 0x07,
  W: 0x00, H: 0x08, B: 0x10, DW: 0x18, MEM: 0x60,
  K: 0x00, X: 0x08,
  ADD: 0x00, SUB: 0x10, MUL: 0x20, DIV: 0x30, OR: 0x40, AND: 0x50, LSH: 0x60, RSH: 0x70, NEG: 0x80, MOD: 0x90, XOR: 0xa0, MOV: 0xb0, ARSH: 0xc0,
  JA: 0x00, JEQ: 0x10, JGT: 0x20, JGE: 0x30, JSET: 0x40, JNE: 0x50, EXIT: 0x90,
} as const;

export const BPF_DEVCG_DEV_BLOCK = 1;
export const BPF_DEVCG_DEV_CHAR = 2;
export const BPF_DEVCG_ACC_MKNOD = 1;
export const BPF_DEVCG_ACC_READ = 2;
export const BPF_DEVCG_ACC_WRITE = 4;
/** The license string passed to BPF_PROG_LOAD (device programs need no GPL helpers). */
export const DEVICE_PROGRAM_LICENSE = 'Apache';

/** One decoded instruction. */
export interface Insn {
  code: number;
  dst: number;
  src: number;
  off: number;
  imm: number;
}

/** Access letters → BPF_DEVCG_ACC_* mask. */
export function accessMask(access: string): number {
  let m = 0;
  if (access.includes('r')) m |= BPF_DEVCG_ACC_READ;
  if (access.includes('w')) m |= BPF_DEVCG_ACC_WRITE;
  if (access.includes('m')) m |= BPF_DEVCG_ACC_MKNOD;
  return m;
}

/** The program for these (normalized) rules, as instructions. Throws like devicePolicy. */
export function deviceFilterInsns(rules: DeviceRule[]): Insn[] {
  return decodeInsns(deviceFilterProgram(rules));
}

/** Instructions of each part of a block (see the layout above). */
const TYPE_LEN = 3;
const ACCESS_LEN = 5;
const NUMBER_LEN = 2;
const VERDICT_LEN = 2;

/**
 * Writes `struct bpf_insn`s (8 bytes, little-endian) into a buffer sized up front: the
 * program is generated on every container start, and building an object per instruction
 * cost ~5x more here (QuickJS) than the bytes.
 */
class Emitter {
  /** The program so far. */
  readonly b: Uint8Array;
  /** Bytes written. */
  n = 0;
  constructor(insns: number) {
    this.b = new Uint8Array(insns * 8);
  }
  /** One instruction. */
  op(code: number, dst: number, src: number, off: number, imm: number): void {
    const b = this.b;
    const o = this.n;
    b[o] = code;
    b[o + 1] = (dst & 0xf) | ((src & 0xf) << 4);
    b[o + 2] = off & 0xff;
    b[o + 3] = (off >> 8) & 0xff;
    b[o + 4] = imm & 0xff;
    b[o + 5] = (imm >>> 8) & 0xff;
    b[o + 6] = (imm >>> 16) & 0xff;
    b[o + 7] = (imm >>> 24) & 0xff;
    this.n = o + 8;
  }
  /** dst = *(u32 *)(ctx + off) */
  load(dst: number, off: number): void {
    this.op(BPF.LDX | BPF.MEM | BPF.W, dst, 1, off, 0);
  }
  /** w0 = verdict; exit */
  verdict(allow: boolean): void {
    this.op(BPF.ALU | BPF.MOV | BPF.K, 0, 0, 0, allow ? 1 : 0);
    this.op(BPF.JMP | BPF.EXIT, 0, 0, 0, 0);
  }
}

/** The program bytes for these rules. Throws like devicePolicy. */
export function deviceFilterProgram(rules: DeviceRule[]): Uint8Array {
  const policy = devicePolicy(rules);
  const list = exceptions(policy);
  let total = VERDICT_LEN;
  const masks: number[] = [];
  for (const e of list) {
    const mask = accessMask(e.access);
    masks.push(mask);
    total += TYPE_LEN + (mask !== 7 ? ACCESS_LEN : 0) + (e.major >= 0 ? NUMBER_LEN : 0) + (e.minor >= 0 ? NUMBER_LEN : 0) + VERDICT_LEN;
  }
  const w = new Emitter(total);
  list.forEach((e, k) => {
    const mask = masks[k]!;
    const hasAccess = mask !== 7;
    // Each test's jump skips what follows it in the block: the later tests and the verdict.
    let rest = (hasAccess ? ACCESS_LEN : 0) + (e.major >= 0 ? NUMBER_LEN : 0) + (e.minor >= 0 ? NUMBER_LEN : 0) + VERDICT_LEN;
    w.load(2, 0);
    w.op(BPF.ALU | BPF.AND | BPF.K, 2, 0, 0, 0xffff);
    w.op(BPF.JMP32 | BPF.JNE | BPF.K, 2, 0, rest, e.type === 'b' ? BPF_DEVCG_DEV_BLOCK : BPF_DEVCG_DEV_CHAR);
    if (hasAccess) {
      rest -= ACCESS_LEN;
      w.load(3, 0);
      w.op(BPF.ALU | BPF.RSH | BPF.K, 3, 0, 0, 16);
      w.op(BPF.ALU | BPF.MOV | BPF.X, 0, 3, 0, 0);
      w.op(BPF.ALU | BPF.AND | BPF.K, 0, 0, 0, mask);
      if (policy.defaultAllow) w.op(BPF.JMP32 | BPF.JEQ | BPF.K, 0, 0, rest, 0); // deny exception: any overlap
      else w.op(BPF.JMP32 | BPF.JNE | BPF.X, 0, 3, rest, 0); // allow exception: covers all
    }
    if (e.major >= 0) {
      rest -= NUMBER_LEN;
      w.load(4, 4);
      w.op(BPF.JMP32 | BPF.JNE | BPF.K, 4, 0, rest, e.major | 0);
    }
    if (e.minor >= 0) {
      rest -= NUMBER_LEN;
      w.load(5, 8);
      w.op(BPF.JMP32 | BPF.JNE | BPF.K, 5, 0, rest, e.minor | 0);
    }
    w.verdict(!policy.defaultAllow);
  });
  w.verdict(policy.defaultAllow);
  if (w.n !== w.b.length) throw new Error(`device program: ${w.n / 8} instructions written, ${total} planned`);
  return w.b;
}

/** Encode instructions as `struct bpf_insn` (8 bytes each, little-endian host). */
export function encodeInsns(insns: Insn[]): Uint8Array {
  const b = new Uint8Array(insns.length * 8);
  const v = view(b);
  insns.forEach((i, n) => {
    v.setUint8(n * 8, i.code);
    v.setUint8(n * 8 + 1, (i.dst & 0xf) | ((i.src & 0xf) << 4));
    v.setInt16(n * 8 + 2, i.off, true);
    v.setInt32(n * 8 + 4, i.imm | 0, true);
  });
  return b;
}

/** Decode `struct bpf_insn` bytes (for tests and debugging). */
export function decodeInsns(b: Uint8Array): Insn[] {
  const out: Insn[] = [];
  const v = view(b);
  for (let o = 0; o + 8 <= b.length; o += 8) {
    const regs = v.getUint8(o + 1);
    out.push({ code: v.getUint8(o), dst: regs & 0xf, src: regs >> 4, off: v.getInt16(o + 2, true), imm: v.getInt32(o + 4, true) });
  }
  return out;
}

