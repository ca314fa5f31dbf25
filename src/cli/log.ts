/**
 * CLI logging: errors (and --debug lines) go to stderr, and to --log FILE when given,
 * as text or as JSON lines {"level","msg","time"} (containerd reads the last
 * "level":"error" line of that file).
 */
import * as fs from '../sys/fs.js';
import { utf8 } from '../sys/bytes.js';
import { sleepSync } from '../sys/self.js';

/** Where and how to log. */
export interface LogConfig {
  file?: string;
  format: 'text' | 'json';
  debug: boolean;
}

let cfg: LogConfig = { format: 'text', debug: false };

/** Set the log configuration (from the global flags). */
export function configureLog(c: LogConfig): void {
  cfg = c;
}

function line(level: string, msg: string): string {
  const time = new Date().toISOString();
  if (cfg.format === 'json') return JSON.stringify({ level, msg, time }) + '\n';
  return `time="${time}" level=${level} msg=${JSON.stringify(msg)}\n`;
}

function toFile(level: string, msg: string): void {
  if (!cfg.file) return;
  try {
    fs.appendText(cfg.file, line(level, msg));
  } catch {
    /* a broken log file must not hide the real error */
  }
}

/**
 * Write to fd 1 or 2 directly: process.stdout/stderr are streams whose first use costs
 * ~10 ms of start-up on Bun. Retries when the fd is a non-blocking pipe that is full.
 */
function writeFd(fd: number, text: string): void {
  const b = utf8(text);
  for (let off = 0; off < b.length; ) {
    try {
      off += fs.writeSome(fd, b, off);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EAGAIN') return; // EPIPE, EBADF: nobody reads
      sleepSync(1);
    }
  }
}

/** Print to stdout. */
export function writeOut(text: string): void {
  writeFd(1, text);
}

/** Print to stderr. */
export function writeErr(text: string): void {
  writeFd(2, text);
}

/** Log an error: to the log file, and as one plain line on stderr. */
export function logError(msg: string): void {
  toFile('error', msg);
  writeErr(`runts: ${msg}\n`);
}

/** Log a warning. */
export function logWarn(msg: string): void {
  toFile('warning', msg);
  if (!cfg.file || cfg.debug) writeErr(`runts: warning: ${msg}\n`);
}

/** Log a debug line (only with --debug). */
export function logDebug(msg: string): void {
  if (!cfg.debug) return;
  toFile('debug', msg);
  if (!cfg.file) writeErr(line('debug', msg));
}
