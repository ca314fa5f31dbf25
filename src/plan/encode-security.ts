/**
 * Encode/decode of the security tags (330-379 of protocol.ts): seccomp, LSM labels,
 * rootless maps. Called by encode.ts; kept apart so each subsystem owns its tags.
 */
import { Tag } from '../process/protocol.js';
import { parseTlv, tlv } from './encode.js';
import type { PlanSeccomp, PlanSeccompArg, PlanSeccompRule } from './seccomp.js';
import type { InitPlan } from './types.js';
import { text, utf8, view } from '../sys/bytes.js';

type Field = [tag: number, value: Uint8Array];

const u32 = (tag: number, v: number): Field => {
  const b = new Uint8Array(4);
  view(b).setUint32(0, v >>> 0, true);
  return [tag, b];
};
const u64 = (tag: number, v: bigint): Field => {
  const b = new Uint8Array(8);
  view(b).setBigUint64(0, BigInt.asUintN(64, v), true);
  return [tag, b];
};
const str = (tag: number, v: string): Field => [tag, utf8(v)];
const n = (v: Uint8Array) => view(v).getUint32(0, true);

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

function decodeSeccomp(buf: Uint8Array): PlanSeccomp {
  const sc: PlanSeccomp = { defaultAction: 0, archs: [], flags: 0, rules: [], enosysNames: [], listenerPath: '', listenerState: [], cachePath: '' };
  for (const [t, v] of parseTlv(buf)) {
    if (t === Tag.SC_DEFAULT_ACTION) sc.defaultAction = n(v);
    else if (t === Tag.SC_ARCH) sc.archs.push(n(v));
    else if (t === Tag.SC_FLAGS) sc.flags = n(v);
    else if (t === Tag.SC_LISTENER_PATH) sc.listenerPath = text(v);
    else if (t === Tag.SC_LISTENER_STATE) sc.listenerState.push(text(v));
    else if (t === Tag.SC_CACHE_PATH) sc.cachePath = text(v);
    else if (t === Tag.SC_ENOSYS_NAME) sc.enosysNames.push(text(v));
    else if (t === Tag.SC_RULE) {
      const r: PlanSeccompRule = { names: [], action: 0, args: [] };
      for (const [rt, rv] of parseTlv(v)) {
        if (rt === Tag.SC_NAME) r.names.push(text(rv));
        else if (rt === Tag.SC_ACTION) r.action = n(rv);
        else if (rt === Tag.SC_ARG) {
          const a: PlanSeccompArg = { index: 0, op: 0, value: 0n, valueTwo: 0n };
          for (const [at, av] of parseTlv(rv)) {
            if (at === Tag.SA_INDEX) a.index = n(av);
            else if (at === Tag.SA_OP) a.op = n(av);
            else if (at === Tag.SA_VALUE) a.value = view(av).getBigUint64(0, true);
            else if (at === Tag.SA_VALUE_TWO) a.valueTwo = view(av).getBigUint64(0, true);
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
export function decodeSecurity(p: InitPlan, tag: number, v: Uint8Array): boolean {
  switch (tag) {
    case Tag.SECCOMP: p.seccomp = decodeSeccomp(v); return true;
    case Tag.APPARMOR_PROFILE: p.apparmorProfile = text(v); return true;
    case Tag.SELINUX_LABEL: p.selinuxLabel = text(v); return true;
    case Tag.MAPS_BY_PARENT: p.mapsByParent = n(v) !== 0; return true;
    default: return false;
  }
}
