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
export { Runtime, ContainerProcess, decodeWaitStatus, type RuntimeOptions, type RunOptions, type ProcessOptions, type ExitStatus } from './runtime.js';
export { Container, type KillOptions, type DeleteOptions } from './container/container.js';
export type { CreateOptions } from './container/create.js';
export type { ExecOptions, ExecProcessOptions } from './container/exec.js';
export { RuntsError, type ErrorCode, type Problem } from './errors.js';
export { defaultSpec, SPEC_VERSION } from './spec/defaults.js';
export { spec, type SpecOptions } from './spec/build.js';
export { validateSpec } from './spec/validate.js';
export type * from './spec/types.js';
export type { StdioEntry } from './process/shim.js';
