/**
 * Which Linux security modules this host runs, and the config fields that need one:
 * a spec asking for an AppArmor profile or an SELinux label on a host without that
 * module fails before anything is created (runc silently ignores an AppArmor profile
 * when AppArmor is off; we refuse, so a caller never believes a process is confined
 * when it is not).
 */
import * as fs from './fs.js';
import { join } from './path.js';
import { RuntsError } from '../errors.js';
import type { Process, Spec } from '../spec/types.js';

/** The LSMs that can label a process here. */
export interface LsmSupport {
  apparmor: boolean;
  selinux: boolean;
}

/** Detect AppArmor and SELinux under `sysRoot` (a fake tree in tests). */
export function hostLsm(sysRoot = '/'): LsmSupport {
  let enabled = '';
  try {
    enabled = fs.readText(join(sysRoot, 'sys/module/apparmor/parameters/enabled')).trim();
  } catch {
    /* no apparmor module */
  }
  return {
    apparmor: enabled === 'Y' || fs.exists(join(sysRoot, 'sys/kernel/security/apparmor')),
    selinux: fs.exists(join(sysRoot, 'sys/fs/selinux/enforce')),
  };
}

/** EUNSUPPORTED naming the first field this host cannot honour, or undefined. */
export function lsmUnsupported(spec: Pick<Spec, 'process' | 'linux'>, lsm: LsmSupport): RuntsError | undefined {
  return processLsmUnsupported(spec.process, lsm, 'process') ??
    (spec.linux?.mountLabel && !lsm.selinux
      ? new RuntsError('EUNSUPPORTED', 'linux.mountLabel: SELinux is not enabled on this host (no /sys/fs/selinux/enforce)')
      : undefined);
}

/** The same for one process (`exec` checks its process with `at` = 'process'). */
export function processLsmUnsupported(proc: Process | undefined, lsm: LsmSupport, at: string): RuntsError | undefined {
  if (proc?.apparmorProfile && !lsm.apparmor) {
    return new RuntsError('EUNSUPPORTED', `${at}.apparmorProfile: AppArmor is not enabled on this host (cannot apply profile ${proc.apparmorProfile})`);
  }
  if (proc?.selinuxLabel && !lsm.selinux) {
    return new RuntsError('EUNSUPPORTED', `${at}.selinuxLabel: SELinux is not enabled on this host (cannot apply label ${proc.selinuxLabel})`);
  }
  return undefined;
}
