/**
 * Docker's seccomp profile format (moby's JSON, also shipped by containers-common as
 * /usr/share/containers/seccomp.json) -> the OCI `linux.seccomp` an engine hands to a
 * runtime. Engines do this conversion before calling runc; the library offers it so a
 * TS caller can use the same profile: the architecture map is resolved for this
 * machine, and rules are kept or dropped by their `includes`/`excludes` (capabilities,
 * architectures, minimum kernel), as moby does.
 */
import type { Seccomp } from './types.js';

/** What the profile's conditions are checked against. */
export interface SeccompProfileOptions {
  /** Capabilities of the process (the bounding set, as moby uses). */
  capabilities: string[];
  /** Node's `process.arch` of the machine the container runs on. */
  arch: string;
  /** Kernel release (`os.release()`), for `minKernel`; absent: every minKernel holds. */
  kernel?: string;
}

/** Which kernels, capabilities or architectures a rule of the profile applies to (or not). */
export interface ProfileFilter {
  /** Capabilities (any one of them). */
  caps?: string[];
  /** Architectures in Go's names (amd64, arm64 ...). */
  arches?: string[];
  /** Lowest kernel release, e.g. `4.8`. */
  minKernel?: string;
}

/** One syscall rule of a Docker/moby seccomp profile. */
export interface ProfileRule {
  /** One syscall name (older profiles). */
  name?: string;
  /** Syscall names. */
  names?: string[];
  /** SCMP_ACT_* action. */
  action: string;
  /** errno for SCMP_ACT_ERRNO/SCMP_ACT_TRACE. */
  errnoRet?: number;
  /** Argument conditions, as in linux.seccomp. */
  args?: Array<ProfileArg> | null;
  /** The rule applies only when this holds. */
  includes?: ProfileFilter;
  /** The rule applies unless this holds. */
  excludes?: ProfileFilter;
}

/** An argument condition of a profile rule. */
export interface ProfileArg {
  /** Argument index (0-5). */
  index: number;
  /** Value compared with. */
  value: number;
  /** Second value (SCMP_CMP_MASKED_EQ). */
  valueTwo?: number;
  /** SCMP_CMP_* operator. */
  op: string;
}

/** The moby profile, as far as the conversion reads it. */
export interface SeccompProfile {
  /** Action for syscalls no rule matches. */
  defaultAction: string;
  /** errno of the default action. */
  defaultErrnoRet?: number;
  /** SCMP_ARCH_* names. */
  architectures?: string[];
  /** Native architecture -> its sub-architectures (moby's archMap). */
  archMap?: Array<ProfileArchMap> | null;
  /** SECCOMP_FILTER_FLAG_* names. */
  flags?: string[];
  /** Unix socket for SCMP_ACT_NOTIFY. */
  listenerPath?: string;
  /** Opaque data sent to the listener. */
  listenerMetadata?: string;
  /** The rules. */
  syscalls?: ProfileRule[] | null;
}

/** One entry of a profile's archMap. */
export interface ProfileArchMap {
  /** Native SCMP_ARCH_* name. */
  architecture: string;
  /** Sub-architectures allowed with it. */
  subArchitectures?: string[];
}

/** Node's arch -> [Go's GOARCH (moby's `arches` vocabulary), libseccomp's native arch]. */
const ARCH: Readonly<Record<string, [string, string]>> = {
  x64: ['amd64', 'SCMP_ARCH_X86_64'],
  ia32: ['386', 'SCMP_ARCH_X86'],
  arm64: ['arm64', 'SCMP_ARCH_AARCH64'],
  arm: ['arm', 'SCMP_ARCH_ARM'],
  ppc64: ['ppc64le', 'SCMP_ARCH_PPC64LE'],
  s390x: ['s390x', 'SCMP_ARCH_S390X'],
  riscv64: ['riscv64', 'SCMP_ARCH_RISCV64'],
  loong64: ['loong64', 'SCMP_ARCH_LOONGARCH64'],
  mips64el: ['mips64le', 'SCMP_ARCH_MIPSEL64'],
};

function kernelAtLeast(kernel: string | undefined, min: string): boolean {
  if (!kernel) return true;
  const a = kernel.split(/[.-]/).map((x) => parseInt(x, 10) || 0);
  const b = min.split('.').map((x) => parseInt(x, 10) || 0);
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    if ((a[i] ?? 0) !== (b[i] ?? 0)) return (a[i] ?? 0) > (b[i] ?? 0);
  }
  return true;
}

/** Convert a moby-format profile to `linux.seccomp` for this machine and capability set. */
export function seccompFromProfile(profile: SeccompProfile, opts: SeccompProfileOptions): Seccomp {
  const [goArch, nativeArch] = ARCH[opts.arch] ?? [opts.arch, ''];
  const caps = new Set(opts.capabilities);
  const holds = (f: ProfileFilter | undefined, all: boolean): boolean => {
    // includes: every listed condition must hold; excludes: the rule goes when any holds
    if (!f) return all;
    const tests: boolean[] = [];
    if (f.caps?.length) tests.push(all ? f.caps.every((c) => caps.has(c)) : f.caps.some((c) => caps.has(c)));
    if (f.arches?.length) tests.push(f.arches.includes(goArch));
    if (f.minKernel) tests.push(kernelAtLeast(opts.kernel, f.minKernel));
    return all ? tests.every(Boolean) : tests.some(Boolean);
  };
  const out: Seccomp = { defaultAction: profile.defaultAction };
  if (profile.defaultErrnoRet !== undefined) out.defaultErrnoRet = profile.defaultErrnoRet;
  let archs = profile.architectures ?? [];
  const mapped = (profile.archMap ?? []).find((m) => m.architecture === nativeArch);
  if (mapped) archs = [mapped.architecture, ...(mapped.subArchitectures ?? [])];
  if (archs.length) out.architectures = archs;
  if (profile.flags?.length) out.flags = [...profile.flags];
  if (profile.listenerPath) out.listenerPath = profile.listenerPath;
  if (profile.listenerMetadata) out.listenerMetadata = profile.listenerMetadata;
  out.syscalls = [];
  for (const r of profile.syscalls ?? []) {
    if (!holds(r.includes, true) || holds(r.excludes, false)) continue;
    const names = r.names?.length ? r.names : r.name ? [r.name] : [];
    if (!names.length) continue;
    const rule: NonNullable<Seccomp['syscalls']>[number] = { names: [...names], action: r.action };
    if (r.errnoRet !== undefined) rule.errnoRet = r.errnoRet;
    if (r.args?.length) rule.args = r.args.map((a) => ({ index: a.index, value: a.value, valueTwo: a.valueTwo ?? 0, op: a.op }));
    out.syscalls.push(rule);
  }
  return out;
}
