/**
 * CRIU features that depend on the kernel, asked of CRIU itself (FEATURE_CHECK through
 * the relay, as runc does) before a request that needs them, so that a missing one is a
 * clear EUNSUPPORTED error instead of CRIU's failure halfway through a dump ("BUG at
 * criu/mem.c:45" for a pre-dump without soft-dirty bits). ~150 ms; only --pre-dump,
 * --parent-path and --lazy-pages pay it.
 */
import { RuntsError } from '../errors.js';
import { ReqType } from './rpc.js';
import { SwrkSession } from './swrk.js';

/** Features a request may need. */
export interface CriuFeatures {
  /** Memory change tracking (soft-dirty bits): pre-dump and dumps on a parent. */
  memTrack?: boolean;
  /** userfaultfd lazy restore: --lazy-pages. */
  lazyPages?: boolean;
}

const WHY: Record<keyof CriuFeatures, string> = {
  memTrack: 'this kernel does not track memory changes (no soft-dirty bits; `criu check --feature mem_dirty_track` fails), which --pre-dump and --parent-path need',
  lazyPages: 'this kernel has no usable userfaultfd (`criu check --feature uffd-noncoop` fails), which --lazy-pages needs',
};

/** Throw EUNSUPPORTED, naming `what` and the reason, unless CRIU reports every wanted feature. */
export async function requireFeatures(shimPath: string, criuPath: string, want: CriuFeatures, what: string): Promise<void> {
  const names = (Object.keys(want) as Array<keyof CriuFeatures>).filter((k) => want[k]);
  if (!names.length) return;
  const session = new SwrkSession({ shimPath, criuPath, stdio: ['ignore', 'ignore', 'ignore'] });
  let resp;
  try {
    resp = await session.call({ type: ReqType.FEATURE_CHECK, features: Object.fromEntries(names.map((n) => [n, true])) });
  } catch (e) {
    session.kill();
    throw new RuntsError('EUNSUPPORTED', `${what}: criu feature check failed: ${(e as Error).message}`, { cause: e });
  } finally {
    session.close();
  }
  await session.wait();
  const missing = names.filter((n) => !resp.success || resp.features?.[n] !== true);
  if (missing.length) throw new RuntsError('EUNSUPPORTED', `${what}: ${missing.map((n) => WHY[n]).join('; ')}`);
}
