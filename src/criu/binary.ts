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
import { spawnSync } from 'node:child_process';
import { accessSync, constants, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { release } from 'node:os';
import { delimiter, isAbsolute, join, resolve } from 'node:path';
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
export function criuEnv(): NodeJS.ProcessEnv {
  return { ...process.env, CRIU_FAULT: process.env['CRIU_FAULT'] || '130' };
}

/** Resolve the criu binary: an explicit path, else `criu` on PATH. */
export function findCriu(explicit?: string): string {
  if (explicit) {
    const p = resolve(explicit);
    if (!executable(p)) throw missing(`${p} is not an executable file`);
    return p;
  }
  for (const dir of (process.env['PATH'] ?? '/usr/sbin:/usr/bin:/sbin:/bin').split(delimiter)) {
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
  const v = spawnSync(path, ['--version'], { encoding: 'utf8', env: criuEnv(), timeout: 10_000 });
  const parsed = parseCriuVersion(`${v.stdout ?? ''}${v.stderr ?? ''}`);
  if (v.error || v.status !== 0 || !parsed) {
    throw missing(`${path} --version failed: ${v.error?.message ?? lastLines(`${v.stderr}${v.stdout}`) ?? `exit status ${v.status}`}`);
  }
  if (parsed.version < MIN_CRIU_VERSION) {
    throw missing(`${path} is CRIU ${parsed.text}; runts needs CRIU 3.16 or newer`);
  }
  const criu: Criu = { path, version: parsed.version, versionText: parsed.text };
  const st = statSync(path);
  const key = JSON.stringify({ path, size: st.size, mtime: st.mtimeMs, kernel: release() });
  const cache = opts.cacheDir ? join(opts.cacheDir, '.criu-check') : undefined;
  if (cache && readCache(cache) === key) return criu;
  const c = spawnSync(path, ['check'], { encoding: 'utf8', env: criuEnv(), timeout: 60_000 });
  if (c.error || c.status !== 0) {
    const why = lastLines(`${c.stdout ?? ''}${c.stderr ?? ''}`) ?? c.error?.message ?? `exit status ${c.status}`;
    throw missing(`\`${path} check\` failed on kernel ${release()} (CRIU ${parsed.text}): ${why}`);
  }
  if (cache) writeCache(cache, key);
  return criu;
}

function missing(why: string): RuntsError {
  return new RuntsError('EUNSUPPORTED', `criu is not usable: ${plainErrors(why)}`);
}

function executable(p: string): boolean {
  try {
    accessSync(p, constants.X_OK);
    return statSync(p).isFile();
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
    return readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

function writeCache(file: string, key: string): void {
  try {
    mkdirSync(join(file, '..'), { recursive: true, mode: 0o700 });
    const tmp = `${file}.${process.pid}.tmp`;
    writeFileSync(tmp, key, { mode: 0o600 });
    renameSync(tmp, file);
  } catch {
    /* a cache only */
  }
}
