/**
 * Host facts for `features` and `--version`: what the shim links (its build writes
 * `runts-init.version` next to it, so reading it costs no process; without the file the
 * shim is asked, `runts-init version`, ~2 ms), and which LSMs and resctrl this host has.
 */
import { existsSync, readFileSync } from 'node:fs';
import { RuntsError } from '../errors.js';
import type { HostFeatures } from '../spec/features.js';
import type { Spec } from '../spec/types.js';

/** `key: value` lines of the shim's native versions, e.g. "libseccomp: 2.5.4". */
export function nativeVersions(shimPath: string): string {
  try {
    return readFileSync(`${shimPath}.version`, 'utf8');
  } catch {
    // Loaded only on this path: node:child_process costs start-up time on Bun.
    const { spawnSync } = process.getBuiltinModule('node:child_process') as typeof import('node:child_process');
    const r = spawnSync(shimPath, ['version'], { encoding: 'utf8', timeout: 5000 });
    return r.status === 0 ? r.stdout : '';
  }
}

function readTrim(path: string): string {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch {
    return '';
  }
}

/** Detect what the features document depends on. */
export function hostFeatures(shimPath: string): HostFeatures {
  const lib = /^libseccomp: (\S+)$/m.exec(nativeVersions(shimPath))?.[1];
  return {
    ...(lib ? { libseccomp: lib } : {}),
    apparmor: readTrim('/sys/module/apparmor/parameters/enabled') === 'Y',
    selinux: existsSync('/sys/fs/selinux/enforce'),
  };
}

/**
 * Config fields this host or build cannot honour, checked before anything is created:
 * an EUNSUPPORTED error naming the field, or undefined.
 */
export function hostUnsupported(spec: Spec): RuntsError | undefined {
  if (spec.linux?.intelRdt !== undefined) {
    const mounted = / \/sys\/fs\/resctrl resctrl /.test(readTrim('/proc/self/mounts'));
    return new RuntsError('EUNSUPPORTED', mounted
      ? 'linux.intelRdt: resctrl groups are not implemented by runts yet'
      : 'linux.intelRdt: resctrl is not mounted at /sys/fs/resctrl (no Intel RDT on this host)');
  }
  return undefined;
}
