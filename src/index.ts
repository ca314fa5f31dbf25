/**
 * runts: Linux containers from TypeScript. The public API.
 *
 * @example
 * ```ts
 * import { Runtime, spec } from 'runts';
 * const rt = new Runtime({ root: '/run/runts' });
 * const { container, process } = await rt.run('demo', spec({ rootfs: '/path/rootfs' }), {
 *   process: { args: ['sh', '-c', 'echo hi'], user: 'daemon' },
 * });
 * ```
 */
// The systemd cgroup driver (RuntimeOptions.systemdCgroup) registers itself on import:
// a library user has it always (the CLI imports it only when a command needs it).
import './cgroups/systemd/driver.js';
export { Runtime, type RuntimeOptions, type RunOptions, type RunResult, type RunPromise, type ProcessOptions } from './runtime.js';
export { ContainerProcess, decodeWaitStatus, type ExitStatus, type AbortOptions, type Output, type OutputOptions } from './container/process.js';
export { Container, type KillOptions, type DeleteOptions } from './container/container.js';
export type { CreateOptions } from './container/create.js';
export type { ExecOptions, ExecProcessOptions } from './container/exec.js';
export { RuntsError, type ErrorCode, type Problem } from './errors.js';
export { defaultSpec, SPEC_VERSION } from './spec/defaults.js';
export { spec, type SpecOptions, type NumericUser } from './spec/build.js';
export { validateSpec } from './spec/validate.js';
export type * from './spec/types.js';
export type { StdioEntry } from './process/shim.js';
export type { Stats, CpuStats, CpuUsage, Throttling, MemoryStats, MemoryEntry, PidsStats, BlkioStats, BlkioEntry, HugetlbStats } from './cgroups/stats.js';
export type { RuntimeConfig } from './container/context.js';
export type { StoredState } from './state/store.js';
export type { CgroupState, CgroupLayout } from './cgroups/manager.js';
export type { SystemdState } from './cgroups/systemd/manager.js';
export type { DefaultSpecOptions } from './spec/defaults.js';
export type { ValidateOptions } from './spec/validate.js';
export type { CheckpointOptions } from './criu/checkpoint.js';
export type { RestoreOptions } from './criu/restore.js';
export type { RuntsErrorDetails } from './errors.js';
export type { OomEvent } from './cgroups/oom.js';
export { seccompFromProfile, type SeccompProfile, type SeccompProfileOptions, type ProfileRule, type ProfileFilter, type ProfileArg, type ProfileArchMap } from './spec/seccomp-profile.js';
