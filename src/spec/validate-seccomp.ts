/**
 * Validation of `linux.seccomp`: the names the runtime-spec defines for actions,
 * architectures, flags and operators, and the field types. Syscall names are not
 * checked here (libseccomp resolves them per architecture, in the shim).
 */

import { field, int, key, list, MAX_UINT32, obj, Report, str, strList } from './check.js';

/** Seccomp actions of the runtime-spec. */
export const SECCOMP_ACTIONS = [
  'SCMP_ACT_KILL', 'SCMP_ACT_KILL_PROCESS', 'SCMP_ACT_KILL_THREAD', 'SCMP_ACT_TRAP', 'SCMP_ACT_ERRNO',
  'SCMP_ACT_TRACE', 'SCMP_ACT_ALLOW', 'SCMP_ACT_LOG', 'SCMP_ACT_NOTIFY',
] as const;

/** Seccomp architectures of the runtime-spec. */
export const SECCOMP_ARCHES = [
  'SCMP_ARCH_X86', 'SCMP_ARCH_X86_64', 'SCMP_ARCH_X32', 'SCMP_ARCH_ARM', 'SCMP_ARCH_AARCH64',
  'SCMP_ARCH_MIPS', 'SCMP_ARCH_MIPS64', 'SCMP_ARCH_MIPS64N32', 'SCMP_ARCH_MIPSEL', 'SCMP_ARCH_MIPSEL64',
  'SCMP_ARCH_MIPSEL64N32', 'SCMP_ARCH_PPC', 'SCMP_ARCH_PPC64', 'SCMP_ARCH_PPC64LE', 'SCMP_ARCH_S390',
  'SCMP_ARCH_S390X', 'SCMP_ARCH_PARISC', 'SCMP_ARCH_PARISC64', 'SCMP_ARCH_RISCV64', 'SCMP_ARCH_LOONGARCH64',
  'SCMP_ARCH_M68K', 'SCMP_ARCH_SH', 'SCMP_ARCH_SHEB',
] as const;

/** seccomp(2) filter flags of the runtime-spec. */
export const SECCOMP_FLAGS = [
  'SECCOMP_FILTER_FLAG_TSYNC', 'SECCOMP_FILTER_FLAG_LOG', 'SECCOMP_FILTER_FLAG_SPEC_ALLOW',
  'SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV',
] as const;

/**
 * Syscalls the runtime itself makes after the filter is loaded and before the listener
 * can answer: a notification there would never be answered, and the container would
 * hang at birth. runc refuses `write` (it writes to its sync pipe then); runts sends the
 * notify fd to the listener, and READY to runts, with sendmsg, so that one too.
 */
export const SECCOMP_NO_NOTIFY = ['write', 'sendmsg'] as const;

/** Argument comparison operators of the runtime-spec. */
export const SECCOMP_OPS = [
  'SCMP_CMP_NE', 'SCMP_CMP_LT', 'SCMP_CMP_LE', 'SCMP_CMP_EQ', 'SCMP_CMP_GE', 'SCMP_CMP_GT', 'SCMP_CMP_MASKED_EQ',
] as const;

/** Check `linux.seccomp` at `path`. */
export function checkSeccomp(r: Report, v: unknown, path: string): void {
  const sc = obj(r, v, path);
  if (!sc) return;
  const at = (k: string) => key(path, k);
  let notify = false;

  const def = str(r, field(sc, 'defaultAction'), at('defaultAction'), { required: true, oneOf: SECCOMP_ACTIONS });
  if (def === 'SCMP_ACT_NOTIFY') r.problem(at('defaultAction'), 'the default action cannot be SCMP_ACT_NOTIFY');
  int(r, field(sc, 'defaultErrnoRet'), at('defaultErrnoRet'), { min: 0, max: MAX_UINT32 });
  strList(r, field(sc, 'architectures'), at('architectures'), { oneOf: SECCOMP_ARCHES });
  strList(r, field(sc, 'flags'), at('flags'), { oneOf: SECCOMP_FLAGS });
  const listener = str(r, field(sc, 'listenerPath'), at('listenerPath'), { absolute: true });
  str(r, field(sc, 'listenerMetadata'), at('listenerMetadata'));

  list(r, field(sc, 'syscalls'), at('syscalls'), (s, p) => {
    const o = obj(r, s, p, { required: true });
    if (!o) return undefined;
    const names = strList(r, field(o, 'names'), key(p, 'names'), { required: true, nonEmpty: true, nonEmptyItems: true });
    const action = str(r, field(o, 'action'), key(p, 'action'), { required: true, oneOf: SECCOMP_ACTIONS });
    if (action === 'SCMP_ACT_NOTIFY') {
      notify = true;
      for (const n of names ?? []) {
        if ((SECCOMP_NO_NOTIFY as readonly string[]).includes(n)) {
          r.problem(key(p, 'action'), `SCMP_ACT_NOTIFY cannot be used for the ${n} syscall (the runtime makes it after loading the filter)`);
        }
      }
    }
    int(r, field(o, 'errnoRet'), key(p, 'errnoRet'), { min: 0, max: MAX_UINT32 });
    list(r, field(o, 'args'), key(p, 'args'), (a, q) => {
      const arg = obj(r, a, q, { required: true });
      if (!arg) return undefined;
      int(r, field(arg, 'index'), key(q, 'index'), { required: true, min: 0, max: 5 });
      int(r, field(arg, 'value'), key(q, 'value'), { required: true, min: 0 });
      int(r, field(arg, 'valueTwo'), key(q, 'valueTwo'), { min: 0 });
      str(r, field(arg, 'op'), key(q, 'op'), { required: true, oneOf: SECCOMP_OPS });
      return arg;
    });
    return o;
  });

  if (notify && listener === undefined && field(sc, 'listenerPath') === undefined) {
    r.problem(at('listenerPath'), 'is required when a syscall uses SCMP_ACT_NOTIFY');
  }
}
