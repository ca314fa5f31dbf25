/**
 * Running the reference runc next to runts on the same bundle, for the compatibility tests
 * (issue 17): same config.json, each runtime with its own state root inside the workspace,
 * output captured through files (a detached container keeps pipes open).
 */
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { workspace, type Workspace } from './helpers.js';

/** runc 1.3 (the behaviour reference); RUNTS_TEST_RUNC overrides. */
export const RUNC = process.env['RUNTS_TEST_RUNC'] ?? '/opt/next/bin/runc';
export const SKIP_NO_RUNC = existsSync(RUNC) ? false : `the reference runc is not at ${RUNC} (set RUNTS_TEST_RUNC)`;

export type Result = SpawnSyncReturns<string>;

/** runc with its own --root in the workspace, cwd the bundle. */
export function runc(ws: Workspace, args: string[], opts: { input?: string; timeout?: number; root?: string; devNull?: boolean } = {}): Result {
  // devNull: stdin and stdout on /dev/null, stderr too for `run`/`create` (a detached
  // container keeps them: CRIU cannot dump a pipe, socket or workspace file runc hands
  // over as is); other verbs keep stderr in a file.
  if (opts.devNull) {
    const keepErr = args[0] !== 'run' && args[0] !== 'create';
    const err = join(ws.dir, `.runc-err-${process.pid}`);
    const fd = keepErr ? openSync(err, 'w') : undefined;
    try {
      const r = spawnSync(RUNC, ['--root', opts.root ?? join(ws.dir, 'runc-state'), ...args], { cwd: ws.bundle, timeout: opts.timeout ?? 30_000, stdio: ['ignore', 'ignore', fd ?? 'ignore'] });
      return { ...r, stdout: '', stderr: keepErr ? readFileSync(err, 'utf8') : '', output: [] } as unknown as Result;
    } finally {
      if (fd !== undefined) closeSync(fd);
    }
  }
  const out = join(ws.dir, `.runc-out-${process.pid}`);
  const err = join(ws.dir, `.runc-err-${process.pid}`);
  const fds = [openSync(out, 'w'), openSync(err, 'w')];
  try {
    const r = spawnSync(RUNC, ['--root', opts.root ?? join(ws.dir, 'runc-state'), ...args], {
      cwd: ws.bundle,
      timeout: opts.timeout ?? 30_000,
      stdio: [opts.input !== undefined ? 'pipe' : 'ignore', fds[0]!, fds[1]!],
      ...(opts.input !== undefined ? { input: opts.input } : {}),
    });
    return { ...r, stdout: readFileSync(out, 'utf8'), stderr: readFileSync(err, 'utf8'), output: [] } as unknown as Result;
  } finally {
    for (const fd of fds) closeSync(fd);
  }
}

export type Runtime = 'runts' | 'runc';

/**
 * The same verb through both runtimes (each its own state root), one after the other.
 * `args` may depend on the runtime: containers alive at the same time need their own ids
 * (the default cgroup path is the id).
 */
export function both(ws: Workspace, args: string[] | ((rt: Runtime) => string[]), opts: { input?: string; timeout?: number } = {}): Record<Runtime, Result> {
  const a = typeof args === 'function' ? args : () => args;
  return { runts: ws.runts(a('runts'), opts), runc: runc(ws, a('runc'), opts) };
}

/** One id per runtime, for containers that live side by side. */
export function pairIds(ws: Workspace): Record<Runtime, string> {
  return { runts: ws.id(), runc: ws.id() };
}

/** Delete whatever runc containers the workspace still has (call before ws.cleanup()). */
export function runcCleanup(ws: Workspace): void {
  const root = join(ws.dir, 'runc-state');
  if (!existsSync(root)) return;
  const ids = spawnSync(RUNC, ['--root', root, 'list', '-q'], { encoding: 'utf8' }).stdout.split('\n').filter(Boolean);
  for (const id of ids) spawnSync(RUNC, ['--root', root, 'delete', '--force', id]);
}

/** What a caller sees of a run: exit status and stdout, and whether stderr said anything. */
export function seen(r: Result): { status: number | null; stdout: string } {
  return { status: r.status, stdout: r.stdout };
}

/** A test body with its own workspace, cleaned up (runc's containers first) even when it fails. */
export function withWs(name: string, fn: (ws: Workspace) => Promise<void> | void): () => Promise<void> {
  return async () => {
    const ws = workspace(name);
    try {
      await fn(ws);
    } finally {
      runcCleanup(ws);
      ws.cleanup();
    }
  };
}
