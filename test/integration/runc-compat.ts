/**
 * Running one bundle through runts and the reference runtimes (runc 1.3 at
 * /opt/next/bin/runc, Debian's runc 1.1.5 at /usr/sbin/runc) and comparing what a caller
 * sees: exit status, stdout bytes, whether there was an error. Each runtime gets its own
 * state root under the workspace; `cleanupRuntimes` deletes whatever they left.
 */
import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { RUNTS, type Workspace } from './helpers.js';

export interface Runtime {
  name: string;
  bin: string;
}

export const RUNTS_RT: Runtime = { name: 'runts', bin: RUNTS };
export const RUNC: Runtime = { name: 'runc-1.3', bin: '/opt/next/bin/runc' };
export const RUNC_OLD: Runtime = { name: 'runc-1.1', bin: '/usr/sbin/runc' };

/** The reference runtimes installed here (a missing one is reported by `missingRuntimes`). */
export function references(): Runtime[] {
  return [RUNC, RUNC_OLD].filter((r) => existsSync(r.bin));
}

/** Why a comparison test must skip, or false. */
export function missingRuntimes(): string | false {
  return existsSync(RUNC.bin) ? false : `${RUNC.bin} (runc 1.3, the reference) is not installed`;
}

export interface Seen {
  status: number | null;
  stdout: string;
  stderr: string;
}

function rootOf(ws: Workspace, rt: Runtime): string {
  return rt === RUNTS_RT ? ws.root : join(ws.dir, `state-${rt.name}`);
}

/** One CLI call of a runtime with its own --root, in the bundle; stdout/stderr via files. */
export function cli(ws: Workspace, rt: Runtime, args: string[], opts: { timeout?: number; env?: NodeJS.ProcessEnv; prefix?: string[] } = {}): Seen {
  const out = join(ws.dir, `.out-${rt.name}`);
  const err = join(ws.dir, `.err-${rt.name}`);
  const fds = [openSync(out, 'w'), openSync(err, 'w')];
  try {
    const argv = [...(opts.prefix ?? []), rt.bin, '--root', rootOf(ws, rt), ...args];
    const r = spawnSync(argv[0]!, argv.slice(1), {
      cwd: ws.bundle,
      timeout: opts.timeout ?? 30_000,
      stdio: ['ignore', fds[0]!, fds[1]!],
      ...(opts.env ? { env: opts.env } : {}),
    });
    return { status: r.status, stdout: readFileSync(out, 'utf8'), stderr: readFileSync(err, 'utf8') };
  } finally {
    for (const fd of fds) closeSync(fd);
  }
}

/** What a caller compares: the status, stdout, and whether stderr said anything. */
export function visible(s: Seen): { status: number | null; stdout: string; error: boolean } {
  return { status: s.status, stdout: s.stdout, error: s.status !== 0 };
}

/** Delete every container each reference runtime still has under the workspace. */
export function cleanupRuntimes(ws: Workspace): void {
  for (const rt of [RUNC, RUNC_OLD]) {
    const root = rootOf(ws, rt);
    if (!existsSync(root) || !existsSync(rt.bin)) continue;
    const list = spawnSync(rt.bin, ['--root', root, 'list', '-q'], { encoding: 'utf8' });
    for (const id of (list.stdout ?? '').split('\n').filter(Boolean)) spawnSync(rt.bin, ['--root', root, 'delete', '--force', id]);
  }
}
