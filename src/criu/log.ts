/**
 * CRIU failures in one readable line. CRIU's answer says little ("dump failed, errno 0");
 * its log says why, among hundreds of lines, after errors that are not the cause (an
 * rlimit it could not raise) and before the ones that follow from it ("Dumping FAILED").
 * We take the first error that is neither, strip its log prefix, add the runts flag that
 * fixes it when there is one, and point at the log.
 */
import * as fs from '../sys/fs.js';
import { RuntsError } from '../errors.js';
import type { CriuResp } from './rpc.js';

/** Error lines that are never the cause of a failure: a limit CRIU goes on without, summaries. */
const NEVER = [
  /Can't setup RLIMIT_NOFILE for self/, // no CAP_SYS_RESOURCE: CRIU goes on with the current limit
  /(Dumping|Restoring|Pre-dumping) FAILED/,
  /^Dump files \(pid: \d+\) failed/,
  /^Dumping .* failed/,
  /failed with -1$/,
];
/** Errors of the rollback that follows a cause (the cause only when nothing else is said). */
const AFTER = [/Can't cure|Unable to detach|unexpected state|Task signaled with|cgroupd: recv req error/];

/** Hints: a cause CRIU names -> the runts flag that allows it. */
const HINTS: Array<[RegExp, string]> = [
  [/Unix socket \d+ not found/, 'a unix socket whose peer is outside the container, e.g. stdio; give it pipes or files'],
  [/unix.*(external|peer)|ext-unix-sk/i, 'use --ext-unix-sk'],
  [/tcp-established|established TCP|Connected TCP/i, 'use --tcp-established'],
  [/file lock|--file-locks/i, 'use --file-locks'],
  [/Can't restore file pos: Illegal seek/, 'a file of the checkpointed container, e.g. its stdout, is now a pipe; give restore a file there too'],
  [/shell.?job|session leader|--shell-job|tty.*outside/i, 'use --shell-job'],
];

/**
 * Text with the strerror wording of ENOENT ("No such file or directory") said as "does
 * not exist". Clients read it in a runtime's error as "the runtime's binary is missing":
 * podman adds "OCI runtime attempted to invoke a command that was not found" to any
 * runtime error that contains it, whatever the case. The path and the rest stay as CRIU
 * or the relay wrote them (the log keeps the raw line).
 */
export function plainErrors(text: string): string {
  return text.replace(/no such file or directory/gi, 'does not exist');
}

/** The cause of a failure from a CRIU log's text, or undefined. */
export function causeFromLog(text: string): string | undefined {
  const errors = text
    .split('\n')
    .map((l) => /\bError \([^)]*\):\s*(.*)$/.exec(l)?.[1]?.trim())
    .filter((m): m is string => !!m);
  const said = errors.filter((e) => !NEVER.some((re) => re.test(e)));
  return said.find((e) => !AFTER.some((re) => re.test(e))) ?? said[0] ?? errors[0];
}

/** A hint for a cause ("use --ext-unix-sk"), or undefined. */
export function hintFor(cause: string): string | undefined {
  if (/consider using|use --/i.test(cause)) return undefined; // CRIU said it already
  return HINTS.find(([re]) => re.test(cause))?.[1];
}

/**
 * The error for a failed CRIU request: `<what>: criu failed: <cause> (<hint>); see <log>`,
 * one line. `resp` is CRIU's answer when there was one.
 */
export function criuFailure(what: string, logPath: string, resp?: CriuResp, cause?: unknown): RuntsError {
  let text = '';
  try {
    text = fs.readText(logPath);
  } catch {
    /* no log: the answer is all we have */
  }
  const answer = resp?.crErrmsg ? causeFromLog(resp.crErrmsg) ?? resp.crErrmsg.trim() : undefined;
  let why = causeFromLog(text) ?? answer ?? (cause instanceof Error ? cause.message : undefined);
  if (!why) why = resp?.crErrno ? `errno ${resp.crErrno}` : 'no reason given';
  const hint = hintFor(why);
  const msg = `${what}: criu failed: ${plainErrors(why).replace(/\s+/g, ' ')}${hint ? ` (${hint})` : ''}; see ${logPath}`;
  return new RuntsError('ESYS', msg, { path: logPath, ...(cause ? { cause } : {}) });
}
