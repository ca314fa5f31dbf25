/**
 * Resolve a path inside a root directory the way the kernel would if the root were "/":
 * symlinks (absolute or relative) and ".." never leave the root. Used to read files of
 * an untrusted rootfs from the host (/etc/passwd, /etc/group). Mount destinations are
 * NOT resolved here: the shim resolves them with openat2(RESOLVE_IN_ROOT) at the moment
 * it mounts, which closes the races this userspace walk cannot.
 */
import * as fs from './fs.js';
import { join } from './path.js';

const MAX_LINKS = 40;

/** Host path of `unsafe` resolved inside `root` (components that do not exist are kept as is). */
export function secureJoin(root: string, unsafe: string): string {
  const todo = unsafe.split('/').filter((c) => c !== '' && c !== '.');
  const done: string[] = [];
  let links = 0;
  while (todo.length > 0) {
    const c = todo.shift() as string;
    if (c === '..') {
      done.pop();
      continue;
    }
    const host = join(root, ...done, c);
    let isLink = false;
    try {
      isLink = fs.lstat(host).isSymbolicLink();
    } catch {
      done.push(c, ...todo.filter((x) => x !== '.' && x !== '..'));
      break;
    }
    if (!isLink) {
      done.push(c);
      continue;
    }
    if (++links > MAX_LINKS) throw Object.assign(new Error(`too many levels of symbolic links: ${unsafe}`), { code: 'ELOOP' });
    const target = fs.readlink(host);
    if (target.startsWith('/')) done.length = 0;
    todo.unshift(...target.split('/').filter((x) => x !== '' && x !== '.'));
  }
  return join(root, ...done);
}
