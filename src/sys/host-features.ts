/**
 * Host facts for `features` and `--version`: what the shim links (its build writes
 * `runts-init.version` next to it, so reading it costs no process; without the file the
 * shim is asked, `runts-init version`, ~2 ms), and which LSMs and resctrl this host has.
 */
import * as fs from './fs.js';
import { RuntsError } from '../errors.js';
import type { HostFeatures } from '../spec/features.js';
import type { Spec } from '../spec/types.js';
import { qjs } from './host.js';
import { runSync } from './spawn.js';

/** `key: value` lines of the shim's native versions, e.g. "libseccomp: 2.5.4". */
export function nativeVersions(shimPath: string): string {
  if (qjs && shimPath === qjs.exe) return qjs.nativeVersions();
  try {
    return fs.readText(`${shimPath}.version`);
  } catch {
    try {
      const r = runSync(shimPath, ['version'], { timeoutMs: 5000 });
      return r.status === 0 ? r.stdout : '';
    } catch {
      return '';
    }
  }
}

function readTrim(path: string): string {
  try {
    return fs.readText(path).trim();
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
    selinux: fs.exists('/sys/fs/selinux/enforce'),
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
