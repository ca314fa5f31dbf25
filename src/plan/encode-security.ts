/**
 * Encode/decode of the security tags (330-379 of protocol.ts): seccomp, LSM labels,
 * rootless maps. Called by encode.ts; kept apart so each subsystem owns its tags.
 */
import { Tag } from '../process/protocol.js';
import { parseTlv, type TlvWriter } from './encode.js';
import type { PlanSeccomp, PlanSeccompArg, PlanSeccompRule } from './seccomp.js';
import type { InitPlan } from './types.js';
import { text, view } from '../sys/bytes.js';

const n = (v: Uint8Array) => view(v).getUint32(0, true);

function writeSeccomp(w: TlvWriter, sc: PlanSeccomp): void {
  const g = w.open(Tag.SECCOMP);
  w.u32(Tag.SC_DEFAULT_ACTION, sc.defaultAction);
  for (const a of sc.archs) w.u32(Tag.SC_ARCH, a);
  if (sc.flags) w.u32(Tag.SC_FLAGS, sc.flags);
  for (const r of sc.rules) {
    const rg = w.open(Tag.SC_RULE);
    for (const x of r.names) w.str(Tag.SC_NAME, x);
    w.u32(Tag.SC_ACTION, r.action);
    for (const a of r.args) {
      const ag = w.open(Tag.SC_ARG);
      w.u32(Tag.SA_INDEX, a.index);
      w.u32(Tag.SA_OP, a.op);
      w.u64(Tag.SA_VALUE, a.value);
      w.u64(Tag.SA_VALUE_TWO, a.valueTwo);
      w.close(ag);
    }
    w.close(rg);
  }
  for (const x of sc.enosysNames) w.str(Tag.SC_ENOSYS_NAME, x);
  if (sc.listenerPath) w.str(Tag.SC_LISTENER_PATH, sc.listenerPath);
  for (const s of sc.listenerState) w.str(Tag.SC_LISTENER_STATE, s);
  if (sc.cachePath) w.str(Tag.SC_CACHE_PATH, sc.cachePath);
  w.close(g);
}

/** Append the security fields of a plan to `w`, as TLV records. */
export function encodeSecurity(w: TlvWriter, p: InitPlan): void {
  if (p.seccomp) writeSeccomp(w, p.seccomp);
  if (p.apparmorProfile !== undefined) w.str(Tag.APPARMOR_PROFILE, p.apparmorProfile);
  if (p.selinuxLabel !== undefined) w.str(Tag.SELINUX_LABEL, p.selinuxLabel);
  if (p.mapsByParent) w.u32(Tag.MAPS_BY_PARENT, 1);
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
