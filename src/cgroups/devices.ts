/**
 * Device cgroup rules, pure. The spec's `linux.resources.devices` is a list of cgroup v1
 * style allow/deny rules. Both backends reduce it the way runc does, by emulating the v1
 * kernel: an `a` rule (type all, or no type) resets the default to its action and drops
 * every exception; any other rule whose action differs from the default adds its access
 * to the exception with exactly that type:major:minor, and one whose action equals the
 * default removes its access from that exact exception. A request is answered by the
 * default unless an exception matches the device: in default-deny mode one single allow
 * exception must cover every access requested; in default-allow mode a deny exception
 * that overlaps any access requested denies (the kernel's match_exception_partial).
 *
 * The list starts from deny-all (as runc: an empty list denies everything). For the
 * usual shape (`deny a`, then allows) this is "last match wins, default deny". Where the
 * v1 kernel would silently ignore a rule (removing access that only a wildcard exception
 * grants, "punching a hole"), this module refuses it, as runc does, so v1 and v2 enforce
 * the same policy.
 *
 * v1 writes the minimal transition to devices.allow/devices.deny; v2 compiles the
 * exceptions to an eBPF program (v2/devices-bpf.ts).
 */
import type { DeviceCgroupRule, LinuxResources } from '../spec/types.js';

/** A rule with defaults applied: major/minor -1 is the wildcard `*`. */
export interface DeviceRule {
  allow: boolean;
  type: 'a' | 'b' | 'c';
  major: number;
  minor: number;
  /** a non-empty subset of "rwm", in that order */
  access: string;
}

/** The reduced policy: a default and the exceptions to it (all with the other action). */
export interface DevicePolicy {
  defaultAllow: boolean;
  /** type:major:minor → access ("rwm" subset); type is 'b' or 'c' */
  exceptions: Map<string, string>;
}

/** One exception, sorted by (major, minor, type) as runc does. */
export interface DeviceException {
  type: 'b' | 'c';
  major: number;
  minor: number;
  access: string;
}

/** Spec rule → DeviceRule. Throws a plain Error naming what is wrong (no field path). */
export function normalizeRule(r: DeviceCgroupRule): DeviceRule {
  const type = r.type ?? 'a';
  if (type !== 'a' && type !== 'b' && type !== 'c') throw new Error(`type ${JSON.stringify(type)} is not a, b or c`);
  const major = num(r.major, 'major');
  const minor = num(r.minor, 'minor');
  const access = normAccess(r.access ?? 'rwm');
  if (typeof r.allow !== 'boolean') throw new Error('allow must be true or false');
  return { allow: r.allow, type, major, minor, access };
}

function num(v: number | null | undefined, what: string): number {
  if (v === undefined || v === null || v === -1) return -1;
  if (!Number.isInteger(v) || v < 0 || v > 0xffffffff) throw new Error(`${what} ${v} is not a device number`);
  return v;
}

/** normAccess results by input (a handful of strings: "rwm", "m", unions of them). */
const ACCESS_SEEN = new Map<string, string>();

function normAccess(a: string): string {
  // Runs for every rule and union: a Map lookup instead of a regex and a filter.
  if (typeof a !== 'string') return normAccessOf(a);
  let n = ACCESS_SEEN.get(a);
  if (n === undefined) {
    n = normAccessOf(a); // throws for an invalid one, which is never remembered
    if (ACCESS_SEEN.size < 256) ACCESS_SEEN.set(a, n);
  }
  return n;
}

/** The access letters of `a` in "rwm" order; throws unless `a` is a non-empty string of them. */
function normAccessOf(a: string): string {
  if (a === '' || /[^rwm]/.test(a)) throw new Error(`access ${JSON.stringify(a)} is not a non-empty subset of "rwm"`);
  return ['r', 'w', 'm'].filter((c) => a.includes(c)).join('');
}

const union = (a: string, b: string) => normAccess(a + b);
/** The access in `a` but not in `b` (code point by code point, without an array). */
function minus(a: string, b: string): string {
  let out = '';
  for (const c of a) if (!b.includes(c)) out += c;
  return out;
}
/** Does `a` share any access with `b`? */
function overlaps(a: string, b: string): boolean {
  for (const c of a) if (b.includes(c)) return true;
  return false;
}
const key = (t: string, major: number, minor: number) => `${t}:${major}:${minor}`;

/** Reduce rules to a policy (see the module comment). Throws a plain Error on hole punching. */
export function devicePolicy(rules: DeviceRule[], start: DevicePolicy = { defaultAllow: false, exceptions: new Map() }): DevicePolicy {
  const p: DevicePolicy = { defaultAllow: start.defaultAllow, exceptions: new Map(start.exceptions) };
  for (const r of rules) {
    if (r.type === 'a') {
      p.defaultAllow = r.allow;
      p.exceptions.clear();
      continue;
    }
    const k = key(r.type, r.major, r.minor);
    if (r.allow !== p.defaultAllow) {
      p.exceptions.set(k, union(p.exceptions.get(k) ?? '', r.access));
      continue;
    }
    // Removing access: refuse when a broader exception grants it (v1 would ignore the rule).
    for (const [ma, mi] of [[-1, r.minor], [r.major, -1], [-1, -1]] as const) {
      const wk = key(r.type, ma, mi);
      const w = p.exceptions.get(wk);
      if (wk !== k && w && overlaps(w, r.access)) {
        throw new Error(`rule ${ruleText(r)} would punch a hole in the wider rule ${r.type} ${star(ma)}:${star(mi)} ${w}, which cgroups cannot express`);
      }
    }
    const left = minus(p.exceptions.get(k) ?? '', r.access);
    if (left) p.exceptions.set(k, left);
    else p.exceptions.delete(k);
  }
  return p;
}

/** The exceptions of a policy, sorted by (major, minor, type). */
export function exceptions(p: DevicePolicy): DeviceException[] {
  const out: DeviceException[] = [];
  for (const [k, access] of p.exceptions) {
    const [t, ma, mi] = k.split(':');
    out.push({ type: t as 'b' | 'c', major: Number(ma), minor: Number(mi), access });
  }
  return out.sort((a, b) => a.major - b.major || a.minor - b.minor || (a.type < b.type ? -1 : a.type > b.type ? 1 : 0));
}

/** Is this access to this device allowed by the policy? (the reference the BPF program must match) */
export function policyAllows(p: DevicePolicy, type: 'b' | 'c', major: number, minor: number, access: string): boolean {
  for (const e of exceptions(p)) {
    if (e.type !== type) continue;
    if (e.major !== -1 && e.major !== major) continue;
    if (e.minor !== -1 && e.minor !== minor) continue;
    // As the v1 kernel: an allow exception must cover every access requested; a deny
    // exception (default allow) denies when it overlaps any of them.
    if (p.defaultAllow ? !overlaps(access, e.access) : minus(access, e.access) !== '') continue;
    return !p.defaultAllow;
  }
  return p.defaultAllow;
}

/**
 * Parse v1 devices.list into a policy. The list shows only allowed entries, so a
 * blacklist cgroup shows `a *:* rwm` and its deny exceptions are unknown (as in runc).
 */
export function parseDevicesList(text: string): DevicePolicy {
  const p: DevicePolicy = { defaultAllow: false, exceptions: new Map() };
  for (const line of text.split('\n')) {
    const m = /^([abc]) (\d+|\*):(\d+|\*) ([rwm]+)$/.exec(line.trim());
    if (!m) continue;
    if (m[1] === 'a') return { defaultAllow: true, exceptions: new Map() };
    const k = key(m[1]!, m[2] === '*' ? -1 : Number(m[2]), m[3] === '*' ? -1 : Number(m[3]));
    p.exceptions.set(k, union(p.exceptions.get(k) ?? '', m[4]!));
  }
  return p;
}

/** One line for devices.allow / devices.deny. */
export interface DeviceWrite {
  file: 'devices.allow' | 'devices.deny';
  value: string;
}

/**
 * The v1 writes that take a cgroup from `current` to `target` without a window where a
 * device that stays allowed is denied: a disruptive `a` write only when the default
 * changes (or the current state is a blacklist whose denies are unknown).
 */
export function devicesTransition(current: DevicePolicy, target: DevicePolicy): DeviceWrite[] {
  const out: DeviceWrite[] = [];
  const write = (allow: boolean, value: string) => out.push({ file: allow ? 'devices.allow' : 'devices.deny', value });
  let old = current;
  if (current.defaultAllow || current.defaultAllow !== target.defaultAllow) {
    write(target.defaultAllow, 'a *:* rwm');
    old = { defaultAllow: target.defaultAllow, exceptions: new Map() };
  }
  for (const e of exceptions(old)) {
    const dropped = minus(e.access, target.exceptions.get(key(e.type, e.major, e.minor)) ?? '');
    if (dropped) write(target.defaultAllow, `${e.type} ${star(e.major)}:${star(e.minor)} ${dropped}`);
  }
  for (const e of exceptions(target)) {
    const gained = minus(e.access, old.exceptions.get(key(e.type, e.major, e.minor)) ?? '');
    if (gained) write(!target.defaultAllow, `${e.type} ${star(e.major)}:${star(e.minor)} ${gained}`);
  }
  return out;
}

function star(n: number): string {
  return n < 0 ? '*' : String(n);
}

function ruleText(r: DeviceRule): string {
  return `${r.allow ? 'allow' : 'deny'} ${r.type} ${star(r.major)}:${star(r.minor)} ${r.access}`;
}

/**
 * The rules runc's specconv appends after `linux.resources.devices`: mknod of any
 * char/block node, and rwm on the standard nodes (null, zero, full, random, urandom, tty,
 * ptmx, pts, tun). Neither /dev/console (a terminal's console is a pts, 136:N) nor the
 * `linux.devices` entries are allowed here: a config that creates a node must allow it
 * in `linux.resources.devices` (engines do), as with runc 1.2+. The container lifecycle
 * appends these; the manager applies exactly the list it is given.
 */
export function defaultDeviceRules(): DeviceCgroupRule[] {
  // Fresh objects each call (callers may modify them), built from a constant table.
  const out: DeviceCgroupRule[] = [];
  for (const d of DEFAULT_RULES) out.push({ allow: true, type: d[0], major: d[1], minor: d[2], access: d[3] });
  return out;
}

/** defaultDeviceRules' allow rules as [type, major, minor, access]. */
const DEFAULT_RULES: ReadonlyArray<readonly ['b' | 'c', number | null, number | null, string]> = [
  ['c', null, null, 'm'],
  ['b', null, null, 'm'],
  ['c', 1, 3, 'rwm'], // /dev/null
  ['c', 1, 8, 'rwm'], // /dev/random
  ['c', 1, 7, 'rwm'], // /dev/full
  ['c', 5, 0, 'rwm'], // /dev/tty
  ['c', 1, 5, 'rwm'], // /dev/zero
  ['c', 1, 9, 'rwm'], // /dev/urandom
  ['c', 136, null, 'rwm'], // /dev/pts/*
  ['c', 5, 2, 'rwm'], // /dev/ptmx
  ['c', 10, 200, 'rwm'], // /dev/net/tun
];

/**
 * The device rules for a container, as runc builds them: the spec's own
 * `linux.resources.devices`, then defaultDeviceRules(). Since the policy starts from
 * deny-all, a spec without rules still gets "deny all but the defaults".
 */
export function deviceRulesFor(resources: LinuxResources | undefined): DeviceCgroupRule[] {
  return [...(resources?.devices ?? []), ...defaultDeviceRules()];
}
