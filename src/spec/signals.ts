/**
 * Signal names and numbers (Linux x86_64/arm64), for `kill ID SIGNAL` and the
 * `--signal` style options: `KILL`, `SIGKILL`, `sigkill`, `9`, and the real-time
 * forms `SIGRTMIN+3`, `RTMAX-1`.
 *
 * Real-time signals use the C library's numbering, as kill(1) does: glibc reserves the
 * kernel's first two (32, 33) for its threads, so SIGRTMIN is 34 and SIGRTMAX is 64.
 */

import { RuntsError } from '../errors.js';

/** Standard signal name (with SIG) → number. Aliases (SIGIOT, SIGCLD, SIGPOLL) included. */
export const SIGNALS: Readonly<Record<string, number>> = Object.freeze({
  SIGHUP: 1,
  SIGINT: 2,
  SIGQUIT: 3,
  SIGILL: 4,
  SIGTRAP: 5,
  SIGABRT: 6,
  SIGIOT: 6,
  SIGBUS: 7,
  SIGFPE: 8,
  SIGKILL: 9,
  SIGUSR1: 10,
  SIGSEGV: 11,
  SIGUSR2: 12,
  SIGPIPE: 13,
  SIGALRM: 14,
  SIGTERM: 15,
  SIGSTKFLT: 16,
  SIGCHLD: 17,
  SIGCLD: 17,
  SIGCONT: 18,
  SIGSTOP: 19,
  SIGTSTP: 20,
  SIGTTIN: 21,
  SIGTTOU: 22,
  SIGURG: 23,
  SIGXCPU: 24,
  SIGXFSZ: 25,
  SIGVTALRM: 26,
  SIGPROF: 27,
  SIGWINCH: 28,
  SIGIO: 29,
  SIGPOLL: 29,
  SIGPWR: 30,
  SIGSYS: 31,
});

/** First real-time signal as seen by programs linked with glibc or musl. */
export const SIGRTMIN = 34;
/** Last real-time signal (_NSIG - 1). */
export const SIGRTMAX = 64;

const RT = /^SIG(RTMIN|RTMAX)(?:([+-])(\d{1,2}))?$/;

/**
 * Parse a signal given as a name (any case, with or without `SIG`), a real-time form
 * (`SIGRTMIN+3`, `RTMAX-1`) or a decimal number (0 to 64; 0 only checks the target
 * exists). Throws an EINVALID RuntsError naming the input otherwise.
 */
export function parseSignal(input: string | number): number {
  if (typeof input === 'number') {
    if (Number.isInteger(input) && input >= 0 && input <= SIGRTMAX) return input;
    throw bad(String(input), `signal number must be an integer from 0 to ${SIGRTMAX}`);
  }
  const raw = input.trim();
  if (/^\d+$/.test(raw)) {
    const n = Number(raw);
    if (n <= SIGRTMAX) return n;
    throw bad(input, `signal number must be an integer from 0 to ${SIGRTMAX}`);
  }
  let name = raw.toUpperCase();
  if (!name.startsWith('SIG')) name = `SIG${name}`;
  if (Object.prototype.hasOwnProperty.call(SIGNALS, name)) return SIGNALS[name]!;
  const m = RT.exec(name);
  if (m) {
    const base = m[1] === 'RTMIN' ? SIGRTMIN : SIGRTMAX;
    const offset = m[3] === undefined ? 0 : Number(m[3]) * (m[2] === '+' ? 1 : -1);
    const n = base + offset;
    if (n >= SIGRTMIN && n <= SIGRTMAX) return n;
    throw bad(input, `real-time signal out of range SIGRTMIN (${SIGRTMIN}) to SIGRTMAX (${SIGRTMAX})`);
  }
  throw bad(input, 'unknown signal name');
}

/**
 * The conventional name of a signal number, as `kill -l` prints it: `SIGKILL`,
 * `SIGRTMIN`, `SIGRTMIN+3`, `SIGRTMAX-1`. Undefined for numbers that have no name
 * (0, 32, 33, out of range).
 */
export function signalName(n: number): string | undefined {
  if (!Number.isInteger(n)) return undefined;
  for (const [name, num] of Object.entries(SIGNALS)) {
    if (num === n && !ALIASES.has(name)) return name;
  }
  if (n < SIGRTMIN || n > SIGRTMAX) return undefined;
  if (n === SIGRTMIN) return 'SIGRTMIN';
  if (n === SIGRTMAX) return 'SIGRTMAX';
  // kill -l counts up from RTMIN to the middle, then down from RTMAX.
  const mid = SIGRTMIN + Math.floor((SIGRTMAX - SIGRTMIN) / 2);
  return n <= mid ? `SIGRTMIN+${n - SIGRTMIN}` : `SIGRTMAX-${SIGRTMAX - n}`;
}

const ALIASES = new Set(['SIGIOT', 'SIGCLD', 'SIGPOLL']);

function bad(input: string, why: string): RuntsError {
  return new RuntsError('EINVALID', `invalid signal ${JSON.stringify(input)}: ${why}`, {
    problems: [{ path: '', message: why }],
  });
}
