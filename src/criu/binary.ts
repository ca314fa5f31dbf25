/**
 * Finding CRIU and knowing, before any work, that it can run here.
 *
 * `checkpoint` and `restore` first resolve the binary (RuntimeOptions.criuPath, else
 * `criu` on PATH), read its version (`criu --version`; runts needs >= 3.16 for the RPC
 * fields it sends) and run `criu check`. A missing binary or a failing check is an
 * EUNSUPPORTED error that says which and why (the last lines of `criu check`), before a
 * container is touched. `criu check` takes ~0.3 s, so its success is cached in the state
 * root, keyed by the binary (path, size, mtime) and the kernel release: a new kernel or
 * a new CRIU is checked again.
 */
import { runSync } from '../sys/spawn.js';
import { env, osRelease, pid } from '../sys/self.js';
import * as fs from '../sys/fs.js';
import { isAbsolute, join, resolve } from '../sys/path.js';
import { RuntsError } from '../errors.js';
import { plainErrors } from './log.js';

/** A usable CRIU. */
export interface Criu {
  /** Absolute path of the binary. */
  path: string;
  /** Version as major * 10000 + minor * 100 + sublevel (runc's encoding: 4.1.1 -> 40101). */
  version: number;
  /** The version as CRIU prints it. */
  versionText: string;
}

/** The oldest CRIU runts drives (lsm_profile and cgroup v2 freezer need 3.16). */
export const MIN_CRIU_VERSION = 31600;

/**
 * Environment for every CRIU run. CRIU stops a task leaving its parasite code with a
 * hardware breakpoint; in VMs that do not deliver debug-register traps (Firecracker, this
 * machine) the task never stops and the dump hangs with the container frozen. Fault
 * code 130 (FI_NO_BREAKPOINTS) makes CRIU single-step to the sigreturn with
 * PTRACE_SYSCALL instead, the path it takes on architectures without breakpoints; it
 * costs a few ptrace stops per task. A caller's own CRIU_FAULT wins.
 */
export function criuEnv(): Record<string, string | undefined> {
  return { ...env(), CRIU_FAULT: env()['CRIU_FAULT'] || '130' };
}

/** Run criu to completion; a criu that cannot be started shows as `error`, as spawnSync did. */
function runCriu(path: string, args: string[], timeoutMs: number): { status: number | null; stdout: string; stderr: string; error?: Error } {
  try {
    const r = runSync(path, args, { env: criuEnv(), timeoutMs });
    return r.timedOut ? { ...r, error: new Error(`timed out after ${timeoutMs / 1000} s`) } : r;
  } catch (e) {
    return { status: null, stdout: '', stderr: '', error: e as Error };
  }
}

/** Resolve the criu binary: an explicit path, else `criu` on PATH. */
export function findCriu(explicit?: string): string {
  if (explicit) {
    const p = resolve(explicit);
    if (!executable(p)) throw missing(`${p} is not an executable file`);
    return p;
  }
  for (const dir of (env()['PATH'] ?? '/usr/sbin:/usr/bin:/sbin:/bin').split(':')) {
    if (!dir || !isAbsolute(dir)) continue;
    const p = join(dir, 'criu');
    if (executable(p)) return p;
  }
  throw missing('criu was not found on PATH (install CRIU >= 3.16, or pass its path)');
}

/** Parse `criu --version` output ("Version: 4.1.1" or "Version: 3.17"). */
export function parseCriuVersion(text: string): { version: number; text: string } | undefined {
  const m = /Version:\s*(\d+)\.(\d+)(?:\.(\d+))?/.exec(text);
  if (!m) return undefined;
  const [maj, min, sub] = [Number(m[1]), Number(m[2]), Number(m[3] ?? 0)];
  return { version: maj * 10000 + min * 100 + sub, text: `${maj}.${min}${m[3] ? `.${sub}` : ''}` };
}

/**
 * Find CRIU, check its version and that `criu check` passes on this kernel (cached in
 * `cacheDir`). Throws EUNSUPPORTED saying why not.
 */
export function requireCriu(opts: { path?: string; cacheDir?: string } = {}): Criu {
  const path = findCriu(opts.path);
  const v = runCriu(path, ['--version'], 10_000);
  const parsed = parseCriuVersion(`${v.stdout ?? ''}${v.stderr ?? ''}`);
  if (v.error || v.status !== 0 || !parsed) {
    throw missing(`${path} --version failed: ${v.error?.message ?? lastLines(`${v.stderr}${v.stdout}`) ?? `exit status ${v.status}`}`);
  }
  if (parsed.version < MIN_CRIU_VERSION) {
    throw missing(`${path} is CRIU ${parsed.text}; runts needs CRIU 3.16 or newer`);
  }
  const criu: Criu = { path, version: parsed.version, versionText: parsed.text };
  const st = fs.stat(path);
  const key = JSON.stringify({ path, size: st.size, mtime: st.mtimeMs, kernel: osRelease() });
  const cache = opts.cacheDir ? join(opts.cacheDir, '.criu-check') : undefined;
  if (cache && readCache(cache) === key) return criu;
  const c = runCriu(path, ['check'], 60_000);
  if (c.error || c.status !== 0) {
    const why = lastLines(`${c.stdout ?? ''}${c.stderr ?? ''}`) ?? c.error?.message ?? `exit status ${c.status}`;
    throw missing(`\`${path} check\` failed on kernel ${osRelease()} (CRIU ${parsed.text}): ${why}`);
  }
  if (cache) writeCache(cache, key);
  return criu;
}

function missing(why: string): RuntsError {
  return new RuntsError('EUNSUPPORTED', `criu is not usable: ${plainErrors(why)}`);
}

function executable(p: string): boolean {
  try {
    fs.access(p, fs.X_OK);
    return fs.stat(p).isFile();
  } catch {
    return false;
  }
}

/** The last one or two meaningful lines of CRIU output, joined, without log prefixes. */
function lastLines(text: string): string | undefined {
  const lines = text.split('\n').map((l) => l.replace(/^\(\s*[\d.]+\)\s*/, '').replace(/^(Error|Warn)\s*\([^)]*\):\s*/, '').replace(/\.$/, '').trim()).filter(Boolean);
  if (!lines.length) return undefined;
  return lines.slice(-2).join('; ');
}

function readCache(file: string): string | undefined {
  try {
    return fs.readText(file);
  } catch {
    return undefined;
  }
}

function writeCache(file: string, key: string): void {
  try {
    fs.mkdir(join(file, '..'), { recursive: true, mode: 0o700 });
    const tmp = `${file}.${pid()}.tmp`;
    fs.writeFile(tmp, key, 0o600);
    fs.rename(tmp, file);
  } catch {
    /* a cache only */
  }
}
