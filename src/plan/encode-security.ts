/**
 * Encode/decode of the security tags (330-379 of protocol.ts): seccomp, LSM labels,
 * rootless maps. Called by encode.ts; kept apart so each subsystem owns its tags.
 */
import { Tag } from '../process/protocol.js';
import { parseTlv, tlv } from './encode.js';
import type { PlanSeccomp, PlanSeccompArg, PlanSeccompRule } from './seccomp.js';
import type { InitPlan } from './types.js';

type Field = [tag: number, value: Buffer];

const u32 = (tag: number, v: number): Field => {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(v >>> 0);
  return [tag, b];
};
const u64 = (tag: number, v: bigint): Field => {
  const b = Buffer.alloc(8);
  b.writeBigUInt64LE(BigInt.asUintN(64, v));
  return [tag, b];
};
const str = (tag: number, v: string): Field => [tag, Buffer.from(v, 'utf8')];
const n = (v: Buffer) => v.readUInt32LE(0);

function seccompFields(sc: PlanSeccomp): Field[] {
  const f: Field[] = [u32(Tag.SC_DEFAULT_ACTION, sc.defaultAction), ...sc.archs.map((a) => u32(Tag.SC_ARCH, a))];
  if (sc.flags) f.push(u32(Tag.SC_FLAGS, sc.flags));
  for (const r of sc.rules) {
    const rf: Field[] = [...r.names.map((x) => str(Tag.SC_NAME, x)), u32(Tag.SC_ACTION, r.action)];
    for (const a of r.args) {
      rf.push([Tag.SC_ARG, tlv([u32(Tag.SA_INDEX, a.index), u32(Tag.SA_OP, a.op), u64(Tag.SA_VALUE, a.value), u64(Tag.SA_VALUE_TWO, a.valueTwo)])]);
    }
    f.push([Tag.SC_RULE, tlv(rf)]);
  }
  for (const x of sc.enosysNames) f.push(str(Tag.SC_ENOSYS_NAME, x));
  if (sc.listenerPath) f.push(str(Tag.SC_LISTENER_PATH, sc.listenerPath));
  for (const s of sc.listenerState) f.push(str(Tag.SC_LISTENER_STATE, s));
  if (sc.cachePath) f.push(str(Tag.SC_CACHE_PATH, sc.cachePath));
  return f;
}

/** The security fields of a plan, as TLV records. */
export function encodeSecurity(p: InitPlan): Field[] {
  const f: Field[] = [];
  if (p.seccomp) f.push([Tag.SECCOMP, tlv(seccompFields(p.seccomp))]);
  if (p.apparmorProfile !== undefined) f.push(str(Tag.APPARMOR_PROFILE, p.apparmorProfile));
  if (p.selinuxLabel !== undefined) f.push(str(Tag.SELINUX_LABEL, p.selinuxLabel));
  if (p.mapsByParent) f.push(u32(Tag.MAPS_BY_PARENT, 1));
  return f;
}

function decodeSeccomp(buf: Buffer): PlanSeccomp {
  const sc: PlanSeccomp = { defaultAction: 0, archs: [], flags: 0, rules: [], enosysNames: [], listenerPath: '', listenerState: [], cachePath: '' };
  for (const [t, v] of parseTlv(buf)) {
    if (t === Tag.SC_DEFAULT_ACTION) sc.defaultAction = n(v);
    else if (t === Tag.SC_ARCH) sc.archs.push(n(v));
    else if (t === Tag.SC_FLAGS) sc.flags = n(v);
    else if (t === Tag.SC_LISTENER_PATH) sc.listenerPath = v.toString('utf8');
    else if (t === Tag.SC_LISTENER_STATE) sc.listenerState.push(v.toString('utf8'));
    else if (t === Tag.SC_CACHE_PATH) sc.cachePath = v.toString('utf8');
    else if (t === Tag.SC_ENOSYS_NAME) sc.enosysNames.push(v.toString('utf8'));
    else if (t === Tag.SC_RULE) {
      const r: PlanSeccompRule = { names: [], action: 0, args: [] };
      for (const [rt, rv] of parseTlv(v)) {
        if (rt === Tag.SC_NAME) r.names.push(rv.toString('utf8'));
        else if (rt === Tag.SC_ACTION) r.action = n(rv);
        else if (rt === Tag.SC_ARG) {
          const a: PlanSeccompArg = { index: 0, op: 0, value: 0n, valueTwo: 0n };
          for (const [at, av] of parseTlv(rv)) {
            if (at === Tag.SA_INDEX) a.index = n(av);
            else if (at === Tag.SA_OP) a.op = n(av);
            else if (at === Tag.SA_VALUE) a.value = av.readBigUInt64LE(0);
            else if (at === Tag.SA_VALUE_TWO) a.valueTwo = av.readBigUInt64LE(0);
            else throw new RangeError(`unknown seccomp arg tag ${at}`);
          }
          r.args.push(a);
        } else throw new RangeError(`unknown seccomp rule tag ${rt}`);
      }
      sc.rules.push(r);
    } else throw new RangeError(`unknown seccomp tag ${t}`);
  }
  return sc;
}

/** Decode one security tag into p; false when the tag is not one of them. */
export function decodeSecurity(p: InitPlan, tag: number, v: Buffer): boolean {
  switch (tag) {
    case Tag.SECCOMP: p.seccomp = decodeSeccomp(v); return true;
    case Tag.APPARMOR_PROFILE: p.apparmorProfile = v.toString('utf8'); return true;
    case Tag.SELINUX_LABEL: p.selinuxLabel = v.toString('utf8'); return true;
    case Tag.MAPS_BY_PARENT: p.mapsByParent = n(v) !== 0; return true;
    default: return false;
  }
}
