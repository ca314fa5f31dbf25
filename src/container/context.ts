/** What every container verb needs from the runtime that owns it. */
export interface RuntimeConfig {
  /** State root directory. */
  root: string;
  /** Path of the init shim binary (native/build/runts-init). */
  shimPath: string;
  /** false: do not use cgroups at all (tests of pure lifecycle, rootless without delegation). */
  cgroups?: boolean;
  /** Rootless (src/sys/rootless.ts): the caller is not root; id maps through newuidmap/newgidmap. */
  rootless?: boolean;
  /** The systemd cgroup driver (runc's --systemd-cgroup): cgroups are transient units made over D-Bus. */
  systemdCgroup?: boolean;
  /** With systemdCgroup: the user's systemd instance (rootless), not the system's. */
  systemdUser?: boolean;
  /** Called with each warning (unknown capability names, ignored ambient capabilities ...). */
  onWarning?: (message: string) => void;
}
