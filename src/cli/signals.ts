/**
 * Signal forwarding for the foreground commands (run, exec): every catchable signal
 * runts receives goes to the container process, as runc does. Not forwarded: SIGCHLD
 * (our own children), SIGWINCH (the shim resizes the pty it relays; the container
 * process gets SIGWINCH from its pty), and the synchronous faults (SIGSEGV, SIGBUS,
 * SIGFPE, SIGILL, SIGTRAP, SIGSYS, SIGSTKFLT), which are about runts itself.
 * SIGTSTP/SIGTTIN/SIGTTOU are caught too, so runts does not stop while its container runs.
 *
 * The shim's monitor does not forward signals the kernel sends to the whole foreground
 * process group (^C, ^\, hang-up): runts gets those too and forwards them, once.
 */

import { kill, onSignal } from '../sys/self.js';

/** The signals forwarded. */
export const FORWARDED: readonly NodeJS.Signals[] = [
  'SIGHUP', 'SIGINT', 'SIGQUIT', 'SIGUSR1', 'SIGUSR2', 'SIGTERM', 'SIGALRM', 'SIGCONT', 'SIGTSTP', 'SIGTTIN',
  'SIGTTOU', 'SIGPIPE', 'SIGURG', 'SIGXCPU', 'SIGXFSZ', 'SIGVTALRM', 'SIGPROF', 'SIGIO', 'SIGPWR',
];

/** Forward FORWARDED signals to `pid` until the returned function is called. */
export function forwardSignals(pid: number): () => void {
  const installed: Array<() => void> = [];
  for (const sig of FORWARDED) {
    const h = () => {
      try {
        kill(pid, sig);
      } catch {
        /* already gone: its exit status is on its way */
      }
    };
    try {
      installed.push(onSignal(sig, h));
    } catch {
      /* a signal this runtime cannot catch */
    }
  }
  return () => {
    for (const off of installed) off();
  };
}
