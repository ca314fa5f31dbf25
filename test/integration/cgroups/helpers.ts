/**
 * Helpers for the cgroup integration tests: unique names, test processes, the bpf-devices
 * helper binary, leak checks. Every test cleans up in finally/after, even on failure.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { randomBytes } from 'node:crypto';
import type { CgroupManager, CgroupState } from '../../../src/cgroups/manager.js';

export const IS_ROOT = process.getuid?.() === 0;
export const SKIP_NOT_ROOT = IS_ROOT ? false : 'cgroup integration tests create real cgroups and need root';

/** The repository root (found from this file, compiled or not). */
export function repoRoot(): string {
  let d = dirname(fileURLToPath(import.meta.url));
  while (d !== '/' && !existsSync(join(d, 'native', 'cgroup-bpf.c'))) d = dirname(d);
  return d === '/' ? process.cwd() : d;
}

/** A unique cgroup name. */
export function uniqueName(): string {
  return `runts-test-${randomBytes(5).toString('hex')}`;
}

/** A `sleep` to put into cgroups; the returned kill() is for finally blocks. */
export function sleeper(): { child: ChildProcess; pid: number; kill: () => void } {
  const child = spawn('sleep', ['1000'], { stdio: 'ignore' });
  const pid = child.pid!;
  return {
    child,
    pid,
    kill: () => {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // gone
      }
    },
  };
}

/** /proc/<pid>/cgroup as controller → path. */
export function procCgroup(pid: number): Map<string, string> {
  const m = new Map<string, string>();
  for (const line of readFileSync(`/proc/${pid}/cgroup`, 'utf8').split('\n')) {
    const [, names, path] = line.split(':');
    if (names === undefined || path === undefined) continue;
    if (names === '') m.set('', path);
    else for (const n of names.split(',')) m.set(n, path);
  }
  return m;
}

/** Wait (async) until cond() or throw after ms. */
export async function waitFor(cond: () => boolean, ms = 3000, what = 'condition'): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Every directory a manager state refers to (its cgroups and the parents it made). */
export function dirsOf(st: CgroupState): string[] {
  return [...new Set([...Object.values(st.paths), ...(st.created ?? [])])];
}

/** The directories of these states that still exist (must be [] after destroy). */
export function leftovers(states: CgroupState[]): string[] {
  return states.flatMap(dirsOf).filter((d) => existsSync(d));
}

/** destroy() that never throws (for finally blocks), returning the error if any. */
export function safeDestroy(m: CgroupManager | undefined): unknown {
  try {
    m?.destroy();
    return undefined;
  } catch (e) {
    return e;
  }
}

let shim: string | null | undefined;

/**
 * A binary that serves `bpf-devices`: $RUNTS_SHIM, else native/build/runts-init when it
 * already has the entry point, else a tiny one built with gcc from native/cgroup-bpf.c.
 * null when none can be had (the caller skips and says why).
 */
export function bpfShim(): string | null {
  if (shim !== undefined) return shim;
  const serves = (p: string) => existsSync(p) && /bpf-devices: usage/.test(spawnSync(p, ['bpf-devices'], { encoding: 'utf8' }).stderr ?? '');
  const env = process.env.RUNTS_SHIM;
  const built = join(repoRoot(), 'native', 'build', 'runts-init');
  if (env && serves(env)) return (shim = env);
  if (serves(built)) return (shim = built);
  // Under the repo's dist/ when there is one, so the cgroup2 VM (which shares the repo) sees it.
  const dist = join(repoRoot(), 'dist');
  const dir = existsSync(dist) ? join(dist, 'test-bin') : join(tmpdir(), `runts-bpf-shim-${process.getuid?.() ?? 0}`);
  mkdirSync(dir, { recursive: true });
  const main = join(dir, 'main.c');
  const out = join(dir, 'runts-init');
  const src = `#include <string.h>\nint cgroup_bpf_main(int argc, char **argv);\nint main(int argc, char **argv) { if (argc >= 2 && !strcmp(argv[1], "bpf-devices")) return cgroup_bpf_main(argc - 1, argv + 1); return 2; }\n`;
  spawnSync('sh', ['-c', `printf '%s' "$1" > "$2"`, 'sh', src, main]);
  const r = spawnSync('gcc', ['-std=gnu11', '-Wall', '-Wextra', '-Werror', '-D_GNU_SOURCE', '-O2', '-o', out, main, join(repoRoot(), 'native', 'cgroup-bpf.c')], { encoding: 'utf8' });
  shim = r.status === 0 && serves(out) ? out : null;
  return shim;
}

/** Run `sh -c script` inside the cgroups of `m` (the shell joins first, then runs script). */
export function runIn(m: CgroupManager, script: string): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('sh', ['-c', `read go; ${script}`], { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout!.on('data', (d) => (out += d));
    child.stderr!.on('data', (d) => (err += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, out, err }));
    try {
      m.apply(child.pid!);
    } catch (e) {
      child.kill('SIGKILL');
      reject(e);
      return;
    }
    child.stdin!.end('go\n');
  });
}
