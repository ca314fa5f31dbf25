/**
 * /etc/passwd and /etc/group parsing and runc's user resolution (libcontainer's user
 * package, now moby/sys/user): a user given as `name`, `uid`, `name:group`, `uid:gid`
 * or `uid:groupname` is looked up in the container's own files, whose text the caller
 * reads (safely, inside the rootfs) and passes in. This module never touches the host.
 *
 * Semantics kept from runc:
 * - a numeric user or group is always an id, even if a name like "1000" exists;
 *   when the id is not in the file it is used as is (home "/", gid 0 for the user);
 * - a name that is not found is an error;
 * - supplementary groups from /etc/group membership are added only when no group is
 *   given explicitly (`daemon`, not `daemon:daemon`, not the uid/gid object form);
 * - `additionalGids` (names or numbers) are added after them.
 * Differences: comment lines (`#`) and lines whose ids are not numbers are skipped
 * rather than read as uid 0; an empty home falls back to "/"; duplicate gids are dropped.
 */

import { RuntsError } from '../errors.js';
import { MAX_UINT32 } from './check.js';

/** One /etc/passwd entry. */
export interface PasswdEntry {
  name: string;
  password: string;
  uid: number;
  gid: number;
  gecos: string;
  home: string;
  shell: string;
}

/** One /etc/group entry. */
export interface GroupEntry {
  name: string;
  password: string;
  gid: number;
  /** Member user names. */
  members: string[];
}

/** A user for {@link resolveUser}: a `user[:group]` string, or ids as in `process.user`. */
export type UserSpec = string | { uid: number; gid: number; additionalGids?: readonly (number | string)[] };

/** The resolved identity of a process. */
export interface ResolvedUser {
  uid: number;
  gid: number;
  /** Supplementary groups for setgroups(2), in order, without duplicates. */
  additionalGids: number[];
  /** Home directory (for HOME when the config does not set it). */
  home: string;
}

/** Parse /etc/passwd text. Blank lines, `#` comments and lines without numeric ids are skipped. */
export function parsePasswd(text: string): PasswdEntry[] {
  const out: PasswdEntry[] = [];
  for (const f of lines(text)) {
    const uid = parseId(f[2]);
    const gid = f[3] === undefined || f[3] === '' ? 0 : parseId(f[3]);
    if (uid === undefined || gid === undefined) continue;
    out.push({ name: f[0]!, password: f[1] ?? '', uid, gid, gecos: f[4] ?? '', home: f[5] ?? '', shell: f[6] ?? '' });
  }
  return out;
}

/** Parse /etc/group text. Blank lines, `#` comments and lines without a numeric gid are skipped. */
export function parseGroup(text: string): GroupEntry[] {
  const out: GroupEntry[] = [];
  for (const f of lines(text)) {
    const gid = parseId(f[2]);
    if (gid === undefined) continue;
    const members = (f[3] ?? '').split(',').map((s) => s.trim()).filter((s) => s !== '');
    out.push({ name: f[0]!, password: f[1] ?? '', gid, members });
  }
  return out;
}

/**
 * Resolve a user the way runc does (see the module comment). `passwdText`/`groupText`
 * are the container's /etc/passwd and /etc/group contents; leave them undefined when
 * the file does not exist (then only numeric ids resolve). Throws an EINVALID
 * RuntsError naming what was not found.
 */
export function resolveUser(spec: UserSpec, passwdText?: string, groupText?: string): ResolvedUser {
  const users = passwdText === undefined ? [] : parsePasswd(passwdText);
  const groups = groupText === undefined ? [] : parseGroup(groupText);

  let userArg: string;
  let groupArg: string | undefined;
  let extra: readonly (number | string)[] = [];
  if (typeof spec === 'string') {
    const colon = spec.indexOf(':');
    userArg = colon < 0 ? spec : spec.slice(0, colon);
    groupArg = colon < 0 ? undefined : spec.slice(colon + 1);
    if (groupArg === '') groupArg = undefined;
  } else {
    userArg = String(checkId(spec.uid, 'uid'));
    groupArg = String(checkId(spec.gid, 'gid'));
    extra = spec.additionalGids ?? [];
  }
  if (userArg === '') userArg = '0';

  const uidArg = numeric(userArg);
  const user = users.find((u) => (uidArg !== undefined ? u.uid === uidArg : u.name === userArg));
  let uid: number;
  let gid = 0;
  let home = '/';
  if (user) {
    uid = user.uid;
    gid = user.gid;
    if (user.home !== '') home = user.home;
  } else if (uidArg !== undefined) {
    uid = checkId(uidArg, `user ${userArg}`);
  } else {
    throw notFound(`unable to find user ${userArg}: no matching entries in passwd file`);
  }

  const gids: number[] = [];
  if (groupArg !== undefined) {
    const gidArg = numeric(groupArg);
    const group = groups.find((g) => (gidArg !== undefined ? g.gid === gidArg : g.name === groupArg));
    if (group) gid = group.gid;
    else if (gidArg !== undefined) gid = checkId(gidArg, `group ${groupArg}`);
    else throw notFound(`unable to find group ${groupArg}: no matching entries in group file`);
  } else if (user) {
    for (const g of groups) if (g.members.includes(user.name)) gids.push(g.gid);
  }

  for (const ag of extra) gids.push(...additionalGid(ag, groups));
  return { uid, gid, additionalGids: [...new Set(gids)], home };
}

/** Resolve one `additionalGids` entry (group name or number) to gids. */
function additionalGid(ag: number | string, groups: GroupEntry[]): number[] {
  if (typeof ag === 'number') return [checkId(ag, 'additional gid')];
  const n = numeric(ag);
  const found = groups.filter((g) => (n !== undefined ? g.gid === n : g.name === ag)).map((g) => g.gid);
  if (found.length > 0) return found;
  if (n !== undefined) return [checkId(n, `additional group ${ag}`)];
  throw notFound(`unable to find group ${ag}: no matching entries in group file`);
}

function* lines(text: string): Generator<string[]> {
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const f = line.split(':');
    if (f[0] === '') continue;
    yield f;
  }
}

function parseId(s: string | undefined): number | undefined {
  const n = s === undefined ? undefined : numeric(s.trim());
  return n !== undefined && n <= MAX_UINT32 ? n : undefined;
}

/** A decimal, non-negative integer string, or undefined. */
function numeric(s: string): number | undefined {
  return /^\d{1,16}$/.test(s) ? Number(s) : undefined;
}

function checkId(n: number, what: string): number {
  if (!Number.isInteger(n) || n < 0 || n > MAX_UINT32) {
    throw new RuntsError('EINVALID', `${what}: uids and gids must be in range 0-${MAX_UINT32}, got ${n}`);
  }
  return n;
}

function notFound(message: string): RuntsError {
  return new RuntsError('EINVALID', message);
}
