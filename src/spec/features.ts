/**
 * PURE: the OCI features document (runtime-spec features.md) that `runts features`
 * prints. Callers switch features on from it, so it is derived from the very tables the
 * validator and the plan builder use (capabilities, mount options, namespaces, seccomp
 * names, hook kinds), never from a second list; host facts (libseccomp version, LSMs,
 * resctrl) come in as arguments.
 */
import { allCapabilities } from './capabilities.js';
import { knownMountOptions, parseMountOptions } from './mount-options.js';
import { MAX_SPEC_VERSION, MIN_SPEC_VERSION } from './validate.js';
import { NAMESPACE_TYPES } from './validate-linux.js';
import { SECCOMP_ACTIONS, SECCOMP_ARCHES, SECCOMP_FLAGS, SECCOMP_OPS } from './validate-seccomp.js';

/** The hook kinds runts runs (src/container/hooks.ts), in lifecycle order. */
export const HOOK_KINDS = ['prestart', 'createRuntime', 'createContainer', 'startContainer', 'poststart', 'poststop'] as const;

/** Host facts the document depends on. */
export interface HostFeatures {
  /** libseccomp version the shim links ("2.5.4"), from `runts-init version`; absent: unknown. */
  libseccomp?: string;
  /** AppArmor is enabled on this host (and runts applies profiles). */
  apparmor?: boolean;
  /** SELinux is enabled on this host (and runts applies labels). */
  selinux?: boolean;
  /** Idmapped mounts are implemented by this build (mount options idmap/ridmap). */
  idmap?: boolean;
  /** The systemd cgroup driver works here (systemd on the system bus; cgroup v2, or v1/hybrid with name=systemd). */
  systemd?: boolean;
}

/** The features document (the fields runts fills). */
export interface Features {
  ociVersionMin: string;
  ociVersionMax: string;
  hooks: string[];
  mountOptions: string[];
  linux: {
    namespaces: string[];
    capabilities: string[];
    cgroup: { v1: boolean; v2: boolean; systemd: boolean; systemdUser: boolean; rdma: boolean };
    seccomp: { enabled: boolean; actions: string[]; operators: string[]; archs: string[]; knownFlags: string[]; supportedFlags: string[] };
    apparmor: { enabled: boolean };
    selinux: { enabled: boolean };
    intelRdt: { enabled: boolean };
    mountExtensions: { idmap: { enabled: boolean } };
    netDevices: { enabled: boolean };
  };
  annotations: Record<string, string>;
  potentiallyUnsafeConfigAnnotations: string[];
}

/** The features document for this build on this host. */
export function features(host: HostFeatures = {}): Features {
  const idmap = host.idmap ?? false;
  // Only options the parser accepts without a problem.
  const mountOptions = knownMountOptions()
    .filter((o) => parseMountOptions([o]).problems.length === 0)
    .filter((o) => idmap || (o !== 'idmap' && o !== 'ridmap'));
  const annotations: Record<string, string> = {
    'org.opencontainers.runc.checkpoint.enabled': 'false',
  };
  if (host.libseccomp) {
    annotations['io.github.seccomp.libseccomp.version'] = host.libseccomp;
  }
  return {
    ociVersionMin: MIN_SPEC_VERSION,
    ociVersionMax: MAX_SPEC_VERSION,
    hooks: [...HOOK_KINDS],
    mountOptions,
    linux: {
      namespaces: [...NAMESPACE_TYPES],
      capabilities: allCapabilities(),
      cgroup: { v1: true, v2: true, systemd: host.systemd ?? false, systemdUser: false, rdma: true },
      seccomp: {
        enabled: true,
        actions: [...SECCOMP_ACTIONS],
        operators: [...SECCOMP_OPS],
        archs: [...SECCOMP_ARCHES],
        knownFlags: [...SECCOMP_FLAGS],
        supportedFlags: [...SECCOMP_FLAGS],
      },
      apparmor: { enabled: host.apparmor ?? false },
      selinux: { enabled: host.selinux ?? false },
      intelRdt: { enabled: false }, // resctrl groups are not implemented (create refuses linux.intelRdt)
      mountExtensions: { idmap: { enabled: idmap } },
      netDevices: { enabled: true },
    },
    annotations,
    potentiallyUnsafeConfigAnnotations: [],
  };
}
