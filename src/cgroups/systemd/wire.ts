/**
 * The D-Bus wire format (the D-Bus specification, "Message Protocol"), the part runts
 * needs: little-endian messages, signature-driven marshalling of y b u t s o g a ( ) { } v
 * and the reverse. Pure: bytes in, values out.
 *
 * DESIGN: a hand-written codec instead of a library. The maintained JS D-Bus clients
 * (dbus-next, dbus-native) are built on node:net, Buffer and EventEmitter, which the
 * command line's QuickJS engine does not have, and they pull in several dependencies;
 * systemd's driver needs one call shape and a handful of variant types, ~250 lines.
 *
 * Values: y u → number, t → bigint (number accepted), b → boolean, s o g → string,
 * a… → array, (…) → array (a tuple), a{kv} → array of [k, v], v → [signature, value].
 */
import { utf8, text, concat, view } from '../../sys/bytes.js';

export type DBusValue = number | bigint | boolean | string | DBusValue[] | Variant;
/** A variant: its signature and value. */
export type Variant = readonly [string, DBusValue];

export const enum MsgType {
  Call = 1,
  Return = 2,
  Error = 3,
  Signal = 4,
}

/** A message as the client sees it. */
export interface Message {
  type: MsgType;
  flags: number;
  serial: number;
  path?: string;
  iface?: string;
  member?: string;
  errorName?: string;
  replySerial?: number;
  destination?: string;
  sender?: string;
  signature: string;
  body: DBusValue[];
}

const ALIGN: Record<string, number> = { y: 1, b: 4, n: 2, q: 2, i: 4, u: 4, x: 8, t: 8, d: 8, s: 4, o: 4, g: 1, a: 4, '(': 8, '{': 8, v: 1, h: 4 };

/** Split a signature into its complete types: 'sa(sv)u' → ['s', 'a(sv)', 'u']. */
export function splitSignature(sig: string): string[] {
  const out: string[] = [];
  let i = 0;
  while (i < sig.length) {
    const end = typeEnd(sig, i);
    out.push(sig.slice(i, end));
    i = end;
  }
  return out;
}

function typeEnd(sig: string, i: number): number {
  const c = sig[i];
  if (c === 'a') return typeEnd(sig, i + 1);
  if (c === '(' || c === '{') {
    const close = c === '(' ? ')' : '}';
    let j = i + 1;
    while (sig[j] !== close) {
      if (j >= sig.length) throw new Error(`bad D-Bus signature ${sig}`);
      j = typeEnd(sig, j);
    }
    return j + 1;
  }
  if (c === undefined || !(c in ALIGN)) throw new Error(`bad D-Bus signature ${sig}`);
  return i + 1;
}

/** Appends aligned values; offsets count from the start of the message. */
class Writer {
  private parts: number[] = [];
  constructor(private readonly base = 0) {}
  get length(): number {
    return this.parts.length;
  }
  pad(n: number): void {
    while ((this.base + this.parts.length) % n) this.parts.push(0);
  }
  bytes(b: Uint8Array): void {
    for (const x of b) this.parts.push(x);
  }
  u32(v: number): void {
    this.pad(4);
    this.parts.push(v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, (v >>> 24) & 0xff);
  }
  setU32(at: number, v: number): void {
    this.parts.splice(at, 4, v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, (v >>> 24) & 0xff);
  }
  u64(v: bigint): void {
    this.pad(8);
    for (let i = 0n; i < 8n; i++) this.parts.push(Number((v >> (8n * i)) & 0xffn));
  }
  value(sig: string, v: DBusValue): void {
    const c = sig[0]!;
    switch (c) {
      case 'y':
        this.parts.push(Number(v) & 0xff);
        return;
      case 'b':
        return this.u32(v ? 1 : 0);
      case 'u':
        return this.u32(Number(v));
      case 't':
        return this.u64(BigInt(v as number | bigint));
      case 's':
      case 'o': {
        const b = utf8(String(v));
        this.u32(b.length);
        this.bytes(b);
        this.parts.push(0);
        return;
      }
      case 'g': {
        const b = utf8(String(v));
        this.parts.push(b.length);
        this.bytes(b);
        this.parts.push(0);
        return;
      }
      case 'v': {
        const [s, inner] = v as Variant;
        this.value('g', s);
        return this.value(s, inner);
      }
      case 'a': {
        const elem = sig.slice(1);
        this.u32(0);
        const lenAt = this.parts.length - 4;
        this.pad(ALIGN[elem[0]!]!); // padding before the first element is not counted
        const start = this.parts.length;
        const items = v as DBusValue[];
        if (elem[0] === '{') for (const kv of items) this.value(`(${elem.slice(1, -1)})`, kv);
        else for (const item of items) this.value(elem, item);
        this.setU32(lenAt, this.parts.length - start);
        return;
      }
      case '(': {
        this.pad(8);
        const fields = splitSignature(sig.slice(1, -1));
        const vals = v as DBusValue[];
        fields.forEach((f, i) => this.value(f, vals[i]!));
        return;
      }
      default:
        throw new Error(`D-Bus type ${c} is not supported`);
    }
  }
  done(): Uint8Array {
    return Uint8Array.from(this.parts);
  }
}

/** Marshal `values` of signature `sig` starting at `base` (0 for a message body). */
export function marshal(sig: string, values: DBusValue[], base = 0): Uint8Array {
  const w = new Writer(base);
  splitSignature(sig).forEach((t, i) => w.value(t, values[i]!));
  return w.done();
}

/** Reads aligned values; offsets count from the start of the message. */
class Reader {
  pos: number;
  private readonly dv: DataView;
  constructor(private readonly b: Uint8Array, pos = 0) {
    this.pos = pos;
    this.dv = view(b);
  }
  pad(n: number): void {
    this.pos = Math.ceil(this.pos / n) * n;
  }
  need(n: number): void {
    if (this.pos + n > this.b.length) throw new Error('truncated D-Bus message');
  }
  u32(): number {
    this.pad(4);
    this.need(4);
    const v = this.dv.getUint32(this.pos, true);
    this.pos += 4;
    return v;
  }
  value(sig: string): DBusValue {
    const c = sig[0]!;
    switch (c) {
      case 'y':
        this.need(1);
        return this.b[this.pos++]!;
      case 'b':
        return this.u32() !== 0;
      case 'u':
      case 'h':
        return this.u32();
      case 'i': {
        const v = this.u32();
        return v | 0;
      }
      case 'n':
      case 'q': {
        this.pad(2);
        this.need(2);
        const v = c === 'n' ? this.dv.getInt16(this.pos, true) : this.dv.getUint16(this.pos, true);
        this.pos += 2;
        return v;
      }
      case 't':
      case 'x':
      case 'd': {
        this.pad(8);
        this.need(8);
        const v = c === 't' ? this.dv.getBigUint64(this.pos, true) : c === 'x' ? this.dv.getBigInt64(this.pos, true) : this.dv.getFloat64(this.pos, true);
        this.pos += 8;
        return v;
      }
      case 's':
      case 'o': {
        const n = this.u32();
        this.need(n + 1);
        const s = text(this.b.subarray(this.pos, this.pos + n));
        this.pos += n + 1;
        return s;
      }
      case 'g': {
        this.need(1);
        const n = this.b[this.pos++]!;
        this.need(n + 1);
        const s = text(this.b.subarray(this.pos, this.pos + n));
        this.pos += n + 1;
        return s;
      }
      case 'v': {
        const s = this.value('g') as string;
        return [s, this.value(s)] as Variant;
      }
      case 'a': {
        const n = this.u32();
        const elem = sig.slice(1);
        this.pad(ALIGN[elem[0]!]!);
        const end = this.pos + n;
        this.need(n);
        const out: DBusValue[] = [];
        const item = elem[0] === '{' ? `(${elem.slice(1, -1)})` : elem;
        while (this.pos < end) out.push(this.value(item));
        return out;
      }
      case '(': {
        this.pad(8);
        return splitSignature(sig.slice(1, -1)).map((f) => this.value(f));
      }
      default:
        throw new Error(`D-Bus type ${c} is not supported`);
    }
  }
}

/** Unmarshal values of `sig` from `b` (offsets relative to `base`, which is where alignment starts). */
export function unmarshal(sig: string, b: Uint8Array, base = 0): DBusValue[] {
  const r = new Reader(b, base);
  return splitSignature(sig).map((t) => r.value(t));
}

const FIELDS: Array<[number, keyof Message, string]> = [
  [1, 'path', 'o'],
  [2, 'iface', 's'],
  [3, 'member', 's'],
  [4, 'errorName', 's'],
  [5, 'replySerial', 'u'],
  [6, 'destination', 's'],
  [7, 'sender', 's'],
  [8, 'signature', 'g'],
];

/** The bytes of a message (header, header fields, padding to 8, body). */
export function encodeMessage(m: Omit<Message, 'body' | 'signature'> & { signature?: string; body?: DBusValue[] }): Uint8Array {
  const sig = m.signature ?? '';
  const body = sig ? marshal(sig, m.body ?? []) : new Uint8Array(0);
  const fields: DBusValue[] = [];
  for (const [code, key, t] of FIELDS) {
    const v = m[key];
    if (v === undefined || (key === 'signature' && v === '')) continue;
    fields.push([code, [t, v as DBusValue]]);
  }
  const w = new Writer();
  w.bytes(Uint8Array.of(0x6c, m.type, m.flags, 1));
  w.u32(body.length);
  w.u32(m.serial);
  w.value('a(yv)', fields);
  w.pad(8);
  return concat([w.done(), body]);
}

/** Length of the message at the start of `b`, or 0 when its fixed header is incomplete. */
export function messageLength(b: Uint8Array): number {
  if (b.length < 16) return 0;
  if (b[0] !== 0x6c) throw new Error('big-endian D-Bus messages are not supported');
  const dv = view(b);
  const fieldsLen = dv.getUint32(12, true);
  return Math.ceil((16 + fieldsLen) / 8) * 8 + dv.getUint32(4, true);
}

/** Parse one complete message. */
export function decodeMessage(b: Uint8Array): Message {
  const dv = view(b);
  const r = new Reader(b, 12);
  const fields = r.value('a(yv)') as Array<[number, Variant]>;
  const m: Message = { type: b[1] as MsgType, flags: b[2]!, serial: dv.getUint32(8, true), signature: '', body: [] };
  for (const [code, [, v]] of fields) {
    const f = FIELDS.find((x) => x[0] === code);
    if (f) (m as unknown as Record<string, unknown>)[f[1]] = v;
  }
  r.pad(8);
  if (m.signature) m.body = unmarshal(m.signature, b.subarray(r.pos), 0);
  return m;
}
