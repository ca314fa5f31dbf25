/**
 * Integration test helpers: a shared busybox rootfs, per-test bundles and state roots,
 * the CLI runner, and leak checks. Every test uses its own --root and unique ids and
 * cleans up in `after`, even when it fails.
 */
import { spawn, spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { closeSync, cpSync, existsSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defaultSpec } from '../../src/spec/defaults.js';
import type { Spec } from '../../src/spec/types.js';

/** Repository root. */
export const REPO = resolve(fileURLToPath(import.meta.url), '..', '..', '..', '..');
/**
 * The shim. RUNTS_TEST_SHIM (test code only) swaps in another build of it, such as the
 * ASan/UBSan one of `make native-asan`, for the library and the CLI alike.
 */
export const SHIM = process.env['RUNTS_TEST_SHIM'] ? resolve(process.env['RUNTS_TEST_SHIM']) : join(REPO, 'native', 'build', 'runts-init');
/**
 * The CLI: bin/runts, the static binary whose shim is built in. RUNTS_TEST_CLI swaps in
 * another build of it, such as bin/runts-asan (`make qjs-cli-asan`: host module and shim
 * under ASan + UBSan); RUNTS_TEST_SHIM applies to the library only.
 */
export const RUNTS = process.env['RUNTS_TEST_CLI'] ? resolve(process.env['RUNTS_TEST_CLI']) : join(REPO, 'bin', 'runts');

/** True when tests can create containers (root). Tests that need it say why they skip. */
export const IS_ROOT = process.getuid?.() === 0;
export const SKIP_NOT_ROOT = IS_ROOT ? false : 'integration tests create real containers and need root';

let sharedRootfs: string | undefined;

/** A busybox-static rootfs shared by the tests that do not write into it. */
export function rootfs(): string {
  if (sharedRootfs) return sharedRootfs;
  const dir = join(tmpdir(), `runts-test-rootfs-${process.pid}`);
  if (!existsSync(join(dir, 'bin', 'busybox'))) {
    const r = spawnSync('bash', [join(REPO, 'scripts', 'make-rootfs.sh'), dir], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`make-rootfs failed: ${r.stderr}`);
  }
  sharedRootfs = dir;
  process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** A test workspace: a state root and a bundle dir; `cleanup()` removes both. */
export interface Workspace {
  dir: string;
  root: string;
  bundle: string;
  /** A unique container id. */
  id(prefix?: string): string;
  /** Write config.json (default spec with args, rootfs = the shared one unless privateRootfs). */
  writeSpec(spec: Spec): void;
  spec(args: string[], edit?: (s: Spec) => void): Spec;
  /** A private copy of the rootfs (for tests that change files in it). */
  privateRootfs(): string;
  /** runts CLI with --root. */
  runts(args: string[], opts?: { input?: string; timeout?: number }): SpawnSyncReturns<string>;
  /** Delete every container left and remove the workspace. */
  cleanup(): void;
}

let counter = 0;

/** Make a workspace under /tmp. */
export function workspace(name: string): Workspace {
  const dir = mkdtempSync(join(tmpdir(), `runts-${name}-`));
  const root = join(dir, 'state');
  const bundle = join(dir, 'bundle');
  mkdirSync(bundle);
  const ws: Workspace = {
    dir,
    root,
    bundle,
    id: (prefix = name) => `${prefix}-${process.pid}-${++counter}`,
    spec(args, edit) {
      const s = defaultSpec();
      s.root = { path: rootfs(), readonly: true };
      s.process!.args = args;
      s.process!.terminal = false;
      edit?.(s);
      return s;
    },
    writeSpec(spec) {
      writeFileSync(join(bundle, 'config.json'), JSON.stringify(spec));
    },
    privateRootfs() {
      const p = join(dir, 'rootfs');
      if (!existsSync(p)) cpSync(rootfs(), p, { recursive: true, verbatimSymlinks: true });
      return p;
    },
    runts(args, opts = {}) {
      // stdout/stderr go to files, not pipes: a detached container inherits them, and
      // spawnSync would wait for a pipe until the container exits.
      const out = join(dir, `.out-${process.pid}`);
      const err = join(dir, `.err-${process.pid}`);
      const fds = [openSync(out, 'w'), openSync(err, 'w')];
      try {
        const r = spawnSync(RUNTS, ['--root', root, ...args], {
          cwd: bundle,
          timeout: opts.timeout ?? 30_000,
          stdio: [opts.input !== undefined ? 'pipe' : 'ignore', fds[0]!, fds[1]!],
          ...(opts.input !== undefined ? { input: opts.input } : {}),
        });
        return { ...r, stdout: readFileSync(out, 'utf8'), stderr: readFileSync(err, 'utf8'), output: [] } as unknown as SpawnSyncReturns<string>;
      } finally {
        for (const fd of fds) closeSync(fd);
      }
    },
    cleanup() {
      if (existsSync(root)) {
        for (const id of spawnSync(RUNTS, ['--root', root, 'list', '-q'], { encoding: 'utf8' }).stdout.split('\n').filter(Boolean)) {
          spawnSync(RUNTS, ['--root', root, 'delete', '--force', id]);
        }
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return ws;
}

/** Parse `runts state` output. */
export function stateOf(ws: Workspace, id: string): { status: string; pid: number } {
  const r = ws.runts(['state', id]);
  if (r.status !== 0) throw new Error(`state ${id}: ${r.stderr}`);
  return JSON.parse(r.stdout);
}

/** Wait until fn() is true (polling), or throw after ms. */
export async function until(fn: () => boolean, ms = 5000, what = 'condition'): Promise<void> {
  const end = Date.now() + ms;
  while (!fn()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Every mount point under a path (from /proc/self/mountinfo): leak checks. */
export function mountsUnder(prefix: string): string[] {
  return readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .map((l) => l.split(' ')[4] ?? '')
    .filter((m) => m.startsWith(prefix));
}

/** Run a process and collect its output (async, for tests that need the event loop). */
export function runAsync(cmd: string, args: string[], opts: { cwd?: string } = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((res) => {
    const c = spawn(cmd, args, { cwd: opts.cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    c.stdout.on('data', (d) => (stdout += d));
    c.stderr.on('data', (d) => (stderr += d));
    c.on('close', (code) => res({ code, stdout, stderr }));
  });
}

/** Cgroup directories named `name` in any hierarchy, up to three levels down (leak checks). */
export function cgroupsNamed(name: string): string[] {
  const found: string[] = [];
  const walk = (dir: string, depth: number) => {
    let entries: import('node:fs').Dirent[];
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      if (!e.isDirectory()) continue;
      if (e.name === name) found.push(join(dir, e.name));
      if (depth < 3) walk(join(dir, e.name), depth + 1);
    }
  };
  walk('/sys/fs/cgroup', 0);
  return found;
}

/** Pids of processes whose root or cwd is under one of the prefixes, or whose argv names one (leak checks). */
export function initsUnder(...prefixes: string[]): number[] {
  const out: number[] = [];
  for (const name of readdirSync('/proc')) {
    const pid = Number(name);
    if (!pid || pid === process.pid) continue;
    try {
      const links = [readlinkSync(`/proc/${pid}/root`), readlinkSync(`/proc/${pid}/cwd`)];
      const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
      if (prefixes.some((p) => links.some((l) => l.startsWith(p)) || cmd.includes(p))) out.push(pid);
    } catch {
      /* gone, or a kernel thread */
    }
  }
  return out;
}
