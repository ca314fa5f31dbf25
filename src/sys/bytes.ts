/**
 * Bytes as Uint8Array on every engine (no Buffer: the CLI's engine has none): UTF-8
 * encoding and decoding, concatenation, hex, and little-endian integer access. The
 * codecs run in C on the CLI (per-call primitives stay lean, DESIGN.md §2b).
 */
import { nodeModule, qjs } from './host.js';

let enc: TextEncoder | undefined;
let dec: TextDecoder | undefined;

export function utf8(s: string): Uint8Array {
  if (qjs) return new Uint8Array(qjs.utf8(s));
  return (enc ??= new TextEncoder()).encode(s);
}

export function text(b: Uint8Array): string {
  if (qjs) return qjs.text(b);
  return (dec ??= new TextDecoder()).decode(b);
}

export function concat(parts: readonly Uint8Array[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let off = 0;
  for (const p of parts) {
    out.set(p, off);
    off += p.length;
  }
  return out;
}

/** SHA-256 of `data` (UTF-8 for a string), as lower-case hex. */
export function sha256Hex(data: string | Uint8Array): string {
  const b = typeof data === 'string' ? utf8(data) : data;
  if (qjs) return hex(new Uint8Array(qjs.sha256(b)));
  return nodeModule<typeof import('node:crypto')>('node:crypto').createHash('sha256').update(b).digest('hex');
}

/** Lower-case hex of the bytes (in C on the CLI: a JS loop costs ~0.17 us a byte there). */
export function hex(b: Uint8Array): string {
  if (qjs) return qjs.hex(b);
  let s = '';
  for (const x of b) s += x.toString(16).padStart(2, '0');
  return s;
}

/** A DataView over exactly the bytes of `b`. */
export function view(b: Uint8Array): DataView {
  return new DataView(b.buffer, b.byteOffset, b.byteLength);
}
