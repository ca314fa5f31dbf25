/**
 * Build a config in code: the default config (as `runts spec` prints it) with the
 * fields a library user usually sets, named as in the spec.
 */
import { defaultSpec } from './defaults.js';
import type { LinuxResources, Mount, NamespaceType, Rlimit, Spec } from './types.js';

/** A user by number (no name lookup). */
export interface NumericUser {
  /** User id in the container. */
  uid: number;
  /** Primary group id in the container. */
  gid: number;
  /** Supplementary group ids. */
  additionalGids?: number[];
  /** umask of the process (default 0022). */
  umask?: number;
}

/** Options of {@link spec}. */
export interface SpecOptions {
  /** Path of the root filesystem (absolute, or relative to the bundle). */
  rootfs: string;
  /** Mount the rootfs read-only (default true, as `runts spec`). */
  readonly?: boolean;
  /** Process arguments (default ["sh"]). */
  args?: string[];
  /** Environment (default PATH and TERM). */
  env?: string[];
  /** Working directory in the container (absolute). */
  cwd?: string;
  /** Hostname in the container's UTS namespace. */
  hostname?: string;
  /** Numeric user. A name ("daemon") is resolved per process by Runtime.run. */
  user?: NumericUser;
  /** Capabilities for every set except ambient (default: runc's three). */
  capabilities?: string[];
  /** Namespaces to create (default: pid, network, ipc, uts, mount). */
  namespaces?: NamespaceType[];
  /** Mounts added after the default ones. */
  mounts?: Mount[];
  /** Resource limits of the process (setrlimit). */
  rlimits?: Rlimit[];
  /** Set no_new_privs: execve never grants privileges (setuid bits, file capabilities). */
  noNewPrivileges?: boolean;
  /** linux.cgroupsPath: where the container's cgroup goes (default: derived from the id). */
  cgroupsPath?: string;
  /** linux.resources: cgroup limits (memory, cpu, pids, blockIO ...). */
  resources?: LinuxResources;
  /** Arbitrary metadata, kept in the state. */
  annotations?: Record<string, string>;
  /** A pty for the process (default false). */
  terminal?: boolean;
}

/** A complete config from a few options. */
export function spec(o: SpecOptions): Spec {
  const s = defaultSpec(o.args ? { args: o.args } : {});
  const p = s.process!;
  const linux = s.linux!;
  s.root = { path: o.rootfs, readonly: o.readonly ?? true };
  p.terminal = o.terminal ?? false;
  if (o.env) p.env = [...o.env];
  if (o.cwd) p.cwd = o.cwd;
  if (o.hostname !== undefined) s.hostname = o.hostname;
  if (o.user) p.user = { ...o.user };
  if (o.capabilities) {
    const c = [...o.capabilities];
    p.capabilities = { bounding: c, effective: [...c], permitted: [...c], inheritable: [], ambient: [] };
  }
  if (o.namespaces) linux.namespaces = o.namespaces.map((type) => ({ type }));
  if (o.mounts) s.mounts = [...(s.mounts ?? []), ...o.mounts];
  if (o.rlimits) p.rlimits = [...o.rlimits];
  if (o.noNewPrivileges !== undefined) p.noNewPrivileges = o.noNewPrivileges;
  if (o.cgroupsPath) linux.cgroupsPath = o.cgroupsPath;
  if (o.resources) linux.resources = o.resources;
  if (o.annotations) s.annotations = { ...o.annotations };
  return s;
}
