/**
 * What the checkpoint tests share: the CRIU to use (the first that passes `criu check`:
 * /opt/criu4 from scripts/deps.sh, then PATH) or why they skip.
 */
import { existsSync } from 'node:fs';
import { requireCriu } from '../../src/criu/binary.js';
import { SKIP_NOT_ROOT } from './helpers.js';

/** The CRIU the tests run, or the reason they skip (printed by the caller). */
export function usableCriu(): { path?: string; skip: string | false } {
  if (SKIP_NOT_ROOT) return { skip: SKIP_NOT_ROOT };
  let why = '';
  for (const path of ['/opt/criu4/bin/criu', undefined]) {
    if (path && !existsSync(path)) continue;
    try {
      return { path: requireCriu(path ? { path } : {}).path, skip: false };
    } catch (e) {
      why = (e as Error).message;
    }
  }
  return { skip: `no usable CRIU: ${why}` };
}

/** A shell loop that writes a growing number to /tmp/count every 50 ms (written aside and renamed: a reader never sees the file truncated). */
export const COUNTER = 'i=0; while true; do i=$((i+1)); echo $i > /tmp/count.new; mv /tmp/count.new /tmp/count; sleep 0.05; done';
