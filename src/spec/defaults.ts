/**
 * The example config.json printed by `spec` (and `spec --rootless`): field for field
 * what `runc spec` (runc 1.1.5) prints, except that `ociVersion` is the version we
 * implement. Key order follows runc's output, so JSON.stringify(spec, null, '\t')
 * prints the same text.
 *
 * runc adds a cgroup namespace when the host is on cgroup v2 only; this module is
 * pure, so the caller says so with `cgroupns`. Likewise the rootless mappings use the
 * caller's euid/egid, passed in as `hostUid`/`hostGid`.
 */

import type { Mount, Namespace, Spec } from './types.js';

import { SPEC_VERSION } from './version.js';

export { SPEC_VERSION };

/** Options of {@link defaultSpec}. */
export interface DefaultSpecOptions {
  /** Produce the `spec --rootless` variant (user namespace, no network namespace, no cgroup rules). */
  rootless?: boolean;
  /** The command to run (default `["sh"]`). */
  args?: string[];
  /** Add a cgroup namespace (runc does on a cgroup v2 host). */
  cgroupns?: boolean;
  /** Host uid mapped to root for `rootless` (runc uses its euid; default 0). */
  hostUid?: number;
  /** Host gid mapped to root for `rootless` (runc uses its egid; default 0). */
  hostGid?: number;
}

const DEFAULT_CAPS = ['CAP_AUDIT_WRITE', 'CAP_KILL', 'CAP_NET_BIND_SERVICE'];

/** The masked paths runc's example config hides from the container. */
export const DEFAULT_MASKED_PATHS: readonly string[] = [
  '/proc/acpi',
  '/proc/asound',
  '/proc/kcore',
  '/proc/keys',
  '/proc/latency_stats',
  '/proc/timer_list',
  '/proc/timer_stats',
  '/proc/sched_debug',
  '/sys/firmware',
  '/proc/scsi',
];

/** The paths runc's example config makes read-only. */
export const DEFAULT_READONLY_PATHS: readonly string[] = ['/proc/bus', '/proc/fs', '/proc/irq', '/proc/sys', '/proc/sysrq-trigger'];

/** A fresh copy of the default config (no shared arrays: callers may edit it). */
export function defaultSpec(opts: DefaultSpecOptions = {}): Spec {
  const rootless = opts.rootless ?? false;
  const spec: Spec = {
    ociVersion: SPEC_VERSION,
    process: {
      terminal: true,
      user: { uid: 0, gid: 0 },
      args: [...(opts.args ?? ['sh'])],
      env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', 'TERM=xterm'],
      cwd: '/',
      capabilities: {
        bounding: [...DEFAULT_CAPS],
        effective: [...DEFAULT_CAPS],
        permitted: [...DEFAULT_CAPS],
      },
      rlimits: [{ type: 'RLIMIT_NOFILE', hard: 1024, soft: 1024 }],
      noNewPrivileges: true,
    },
    root: { path: 'rootfs', readonly: true },
    hostname: 'runc',
    mounts: defaultMounts(rootless),
    linux: {},
  };

  const namespaces: Namespace[] = [{ type: 'pid' }, { type: 'network' }, { type: 'ipc' }, { type: 'uts' }, { type: 'mount' }];
  if (opts.cgroupns) namespaces.push({ type: 'cgroup' });
  if (rootless) {
    spec.linux = {
      uidMappings: [{ containerID: 0, hostID: opts.hostUid ?? 0, size: 1 }],
      gidMappings: [{ containerID: 0, hostID: opts.hostGid ?? 0, size: 1 }],
      namespaces: [...namespaces.filter((ns) => ns.type !== 'network'), { type: 'user' }],
    };
  } else {
    spec.linux = {
      resources: { devices: [{ allow: false, access: 'rwm' }] },
      namespaces,
    };
  }
  spec.linux.maskedPaths = [...DEFAULT_MASKED_PATHS];
  spec.linux.readonlyPaths = [...DEFAULT_READONLY_PATHS];
  return spec;
}

function defaultMounts(rootless: boolean): Mount[] {
  const mounts: Mount[] = [
    { destination: '/proc', type: 'proc', source: 'proc' },
    { destination: '/dev', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'strictatime', 'mode=755', 'size=65536k'] },
    {
      destination: '/dev/pts',
      type: 'devpts',
      source: 'devpts',
      options: ['nosuid', 'noexec', 'newinstance', 'ptmxmode=0666', 'mode=0620', 'gid=5'],
    },
    { destination: '/dev/shm', type: 'tmpfs', source: 'shm', options: ['nosuid', 'noexec', 'nodev', 'mode=1777', 'size=65536k'] },
    { destination: '/dev/mqueue', type: 'mqueue', source: 'mqueue', options: ['nosuid', 'noexec', 'nodev'] },
    { destination: '/sys', type: 'sysfs', source: 'sysfs', options: ['nosuid', 'noexec', 'nodev', 'ro'] },
    { destination: '/sys/fs/cgroup', type: 'cgroup', source: 'cgroup', options: ['nosuid', 'noexec', 'nodev', 'relatime', 'ro'] },
  ];
  if (!rootless) return mounts;
  // As runc's ToRootless: sysfs cannot be mounted without owning the network
  // namespace, so bind the host's; uid=/gid= options name ids that are not mapped.
  return mounts.map((m) =>
    m.destination === '/sys'
      ? { destination: '/sys', type: 'none', source: '/sys', options: ['rbind', 'nosuid', 'noexec', 'nodev', 'ro'] }
      : m.options
        ? { ...m, options: m.options.filter((o) => !o.startsWith('uid=') && !o.startsWith('gid=')) }
        : m,
  );
}
