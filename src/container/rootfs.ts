/** The bundle's rootfs, resolved and checked (its own module: `run` and `exec` need it without the create code). */
import * as fs from '../sys/fs.js';
import { isAbsolute, resolve } from '../sys/path.js';
import { invalid } from '../errors.js';
import type { Spec } from '../spec/types.js';

/** Read the bundle's rootfs path, resolved; an error names root.path when it is unusable. */
export function resolveRootfs(spec: Spec, bundle: string): string {
  const raw = spec.root?.path ?? '';
  const abs = isAbsolute(raw) ? raw : resolve(bundle, raw);
  let real: string;
  try {
    real = fs.realpath(abs);
  } catch (e) {
    throw invalid([{ path: 'root.path', message: `${abs}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'does not exist' : (e as Error).message}` }]);
  }
  if (!fs.stat(real).isDirectory()) throw invalid([{ path: 'root.path', message: `${abs}: not a directory` }]);
  // As runc: a rootfs reached through a symlink is refused (whoever controls the link
  // could swap it between this check and the shim's pivot_root).
  if (real !== resolve(abs)) throw invalid([{ path: 'root.path', message: `${abs}: is or passes through a symlink (it resolves to ${real})` }]);
  return real;
}
