/**
 * start: release an init parked on exec.fifo. The init blocks in open(O_WRONLY) until a
 * reader appears; we open non-blocking (so a dead init can never hang us), then poll for
 * the byte it writes just before execve, checking that the init is still alive.
 */
import * as fs from '../sys/fs.js';
import { RuntsError, sysError } from '../errors.js';
import type { StoredState } from '../state/store.js';
import { isAlive } from '../sys/proc.js';
import { sleepSync } from '../sys/self.js';


/** Open the fifo and wait (up to timeoutMs) for the init's byte; then remove the fifo. */
export function releaseFifo(fifo: string, st: StoredState, timeoutMs = 10_000): void {
  let fd: number;
  try {
    fd = fs.open(fifo, fs.O.RDONLY | fs.O.NONBLOCK);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw new RuntsError('ESTATE', `cannot start an already running container ${st.id}`);
    throw sysError('open exec fifo', e, fifo);
  }
  const buf = new Uint8Array(1);
  const deadline = Date.now() + timeoutMs;
  try {
    for (let delay = 0.05; ; delay = Math.min(delay * 2, 5)) {
      let n = 0;
      try {
        n = fs.read(fd, buf, 0, 1);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EAGAIN') throw sysError('read exec fifo', e, fifo);
      }
      if (n === 1) break;
      if (!isAlive(st.pid, st.pidStart)) throw new RuntsError('ESTATE', `container ${st.id}: init exited before it could be started`);
      if (Date.now() > deadline) throw new RuntsError('ETIMEOUT', `start ${st.id}: init did not leave the barrier within ${timeoutMs} ms`);
      sleepSync(delay);
    }
  } finally {
    fs.close(fd);
  }
  fs.remove(fifo, { force: true });
}
