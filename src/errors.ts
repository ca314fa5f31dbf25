/**
 * The one error class of runts. `code` is a closed set: add a code only when a caller
 * branches on it. Messages are lower-case, without a trailing period, and name the
 * field, argument, path or syscall involved.
 */

/** Error codes a caller may branch on. */
export type ErrorCode =
  /** config.json or an argument is invalid; `problems` lists each one with its JSON path */
  | 'EINVALID'
  /** the container does not exist (message contains "does not exist", callers match it) */
  | 'ENOTFOUND'
  /** a container with that id already exists */
  | 'EEXIST'
  /** the container is not in a status that allows the operation */
  | 'ESTATE'
  /** a system call or host operation failed; `errno`, `syscall`, `path` are set */
  | 'ESYS'
  /** the init shim failed; `step` names the recipe step */
  | 'ESHIM'
  /** the host lacks a feature the config asks for */
  | 'EUNSUPPORTED'
  /** a wait ran out of time */
  | 'ETIMEOUT'
  /** a hook failed */
  | 'EHOOK'
  /** the caller's AbortSignal aborted the call (the process was killed, what the call created removed); `cause` is the signal's reason */
  | 'EABORT';

/** One validation problem: where (a JSON path such as `process.args[0]`) and why. */
export interface Problem {
  /** JSON path of the field, e.g. `process.args[0]` ('' for the whole config). */
  path: string;
  /** What is wrong with it. */
  message: string;
}

/** Extra facts carried by a RuntsError. */
export interface RuntsErrorDetails {
  /** The underlying error, if any. */
  cause?: unknown;
  /** Validation problems (EINVALID). */
  problems?: Problem[];
  /** errno name such as `EPERM`. */
  errno?: string;
  /** The failing system call. */
  syscall?: string;
  /** The path involved. */
  path?: string;
  /** The shim's recipe step (ESHIM). */
  step?: string;
}

/** The error every runts API throws. */
export class RuntsError extends Error {
  /** What kind of failure (see ErrorCode). */
  readonly code: ErrorCode;
  /** Validation problems (code EINVALID). */
  readonly problems?: Problem[];
  /** errno name such as `EPERM` (codes ESYS, ESHIM). */
  readonly errno?: string;
  /** Failing syscall (codes ESYS, ESHIM). */
  readonly syscall?: string;
  /** Path involved, if any. */
  readonly path?: string;
  /** Shim recipe step (code ESHIM). */
  readonly step?: string;

  /** An error of kind `code`; `details` carries the facts (problems, errno, syscall, path, step, cause). */
  constructor(code: ErrorCode, message: string, details: RuntsErrorDetails = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = 'RuntsError';
    this.code = code;
    if (details.problems) this.problems = details.problems;
    if (details.errno) this.errno = details.errno;
    if (details.syscall) this.syscall = details.syscall;
    if (details.path) this.path = details.path;
    if (details.step) this.step = details.step;
  }
}

/** An EINVALID error listing every problem, one per line after the first. */
export function invalid(problems: Problem[], what = 'invalid config'): RuntsError {
  const lines = problems.map((p) => (p.path ? `${p.path}: ${p.message}` : p.message));
  const message = lines.length === 1 ? `${what}: ${lines[0]}` : `${what}:\n  ${lines.join('\n  ')}`;
  return new RuntsError('EINVALID', message, { problems });
}

/** Wrap a Node system error (fs, child_process) as ESYS, keeping op, path and errno. */
export function sysError(op: string, err: unknown, path?: string): RuntsError {
  const e = err as NodeJS.ErrnoException;
  const where = path ?? e?.path;
  const why = e?.code ? errnoText(e) : String((err as Error)?.message ?? err);
  const details: RuntsErrorDetails = { cause: err };
  if (e?.code) details.errno = e.code;
  if (e?.syscall) details.syscall = e.syscall;
  if (where) details.path = where;
  return new RuntsError('ESYS', `${op}${where ? ` ${where}` : ''}: ${why}`, details);
}

function errnoText(e: NodeJS.ErrnoException): string {
  // Node messages look like "ENOENT: no such file or directory, open '/x'"; keep the human part.
  const m = /^[A-Z0-9]+: ([^,]+)/.exec(e.message);
  return m?.[1] ?? e.code ?? e.message;
}
