/**
 * CLI logging: errors (and --debug lines) go to stderr, and to --log FILE when given,
 * as text or as JSON lines {"level","msg","time"} (containerd reads the last
 * "level":"error" line of that file).
 */
import { appendFileSync } from 'node:fs';

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
    appendFileSync(cfg.file, line(level, msg));
  } catch {
    /* a broken log file must not hide the real error */
  }
}

/** Log an error: to the log file, and as one plain line on stderr. */
export function logError(msg: string): void {
  toFile('error', msg);
  process.stderr.write(`runts: ${msg}\n`);
}

/** Log a warning. */
export function logWarn(msg: string): void {
  toFile('warning', msg);
  if (!cfg.file || cfg.debug) process.stderr.write(`runts: warning: ${msg}\n`);
}

/** Log a debug line (only with --debug). */
export function logDebug(msg: string): void {
  if (!cfg.debug) return;
  toFile('debug', msg);
  if (!cfg.file) process.stderr.write(line('debug', msg));
}
