/**
 * Crash points for the crash-safety tests: `RUNTS_TEST_CRASH_AT=<step>` (e.g.
 * `create:after-cgroup`) makes this process SIGKILL itself when it reaches that named
 * step, as if the machine's OOM killer or an operator's `kill -9` had struck there.
 * Without the variable a crash point is one string comparison and nothing else: no
 * other behaviour depends on it. The steps are listed in CRASH_POINTS, so a test can
 * walk all of them and a typo in a test is an error rather than a silent pass.
 */
import { env, kill, pid, sleepSync } from './self.js';

/** Every named crash point, in the order each verb reaches them. */
export const CRASH_POINTS = [
  'create:after-reserve',
  'create:after-state',
  'create:after-cgroup',
  'create:after-spawn',
  'create:after-pid',
  'create:after-ready',
  'create:after-final-state',
  'start:after-lock',
  'start:after-release',
  'delete:after-lock',
  'delete:after-kill',
  'delete:after-cgroup',
  'exec:after-spawn',
  'exec:after-pid',
  'exec:after-ready',
  'checkpoint:after-lock',
  'checkpoint:before-dump',
  'checkpoint:in-dump',
  'checkpoint:after-dump',
] as const;

/** A named crash point. */
export type CrashPoint = (typeof CRASH_POINTS)[number];

const target = env()['RUNTS_TEST_CRASH_AT'];

/** SIGKILL this process if RUNTS_TEST_CRASH_AT names `step`; otherwise do nothing. */
export function crashPoint(step: CrashPoint): void {
  if (target === undefined || target !== step) return;
  kill(pid(), 'SIGKILL');
  // SIGKILL of oneself is delivered before kill(2) returns; never go on past the point.
  for (;;) sleepSync(1000);
}
