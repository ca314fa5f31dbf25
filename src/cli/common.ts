/** Helpers shared by the command modules. */
import * as fs from '../sys/fs.js';
import { join, resolve } from '../sys/path.js';
import { invalid, RuntsError, sysError } from '../errors.js';
import { Runtime } from '../runtime.js';
import type { Spec } from '../spec/types.js';
import type { FlagDef } from './args.js';
import type { CliContext } from './main.js';
import { logWarn } from './log.js';
import { isRootless } from '../sys/rootless.js';
import { noSealedReuse } from '../process/sealed.js';

/** The library runtime for the global flags. */
export function runtime(ctx: CliContext): Runtime {
  noSealedReuse(); // one shim per CLI process: keeping its sealed copy buys nothing
  return new Runtime({ root: ctx.root, shimPath: ctx.shimPath, onWarning: logWarn, rootless: ctx.rootless === 'auto' ? undefined : isRootless(ctx.rootless), systemdCgroup: ctx.systemdCgroup });
}

/** Largest config.json the CLI reads (16 MiB). */
export const MAX_CONFIG_BYTES = 16 * 1024 * 1024;

/** Read <bundle>/config.json; JSON errors name the file. */
export function readSpec(bundle: string): Spec {
  const file = join(resolve(bundle), 'config.json');
  let text: string;
  try {
    // A config is a few KiB; refuse a huge one before reading it (it is stored in state.json).
    const size = fs.stat(file).size;
    if (size > MAX_CONFIG_BYTES) throw invalid([{ path: '', message: `${file}: too large (${size} bytes, at most ${MAX_CONFIG_BYTES})` }], 'invalid config.json');
    text = fs.readText(file);
  } catch (e) {
    if (e instanceof RuntsError) throw e;
    throw sysError('read config', e, file);
  }
  try {
    return JSON.parse(text) as Spec;
  } catch (e) {
    throw invalid([{ path: '', message: `${file}: ${(e as Error).message}` }], 'invalid config.json');
  }
}

/** Flags create and run share. */
export const CREATE_FLAGS: FlagDef[] = [
  { name: 'bundle', short: 'b', value: true, help: 'path to the bundle directory (default: current directory)' },
  { name: 'console-socket', value: true, help: 'unix socket that receives the pty master' },
  { name: 'pidfd-socket', value: true, help: 'unix socket that receives a pidfd of the init' },
  { name: 'pid-file', value: true, help: 'file to write the init pid to' },
  { name: 'no-pivot', help: 'use MS_MOVE + chroot instead of pivot_root' },
  { name: 'no-new-keyring', help: 'keep the caller\'s session keyring' },
  { name: 'preserve-fds', value: true, help: 'pass N additional fds (3 .. 3+N-1) to the container' },
];

/** The one positional container id. */
export function oneId(cmd: string, args: string[]): string {
  if (args.length === 0) throw invalidArg(cmd, 'missing container id');
  if (args.length > 1) throw invalidArg(cmd, `unexpected argument ${JSON.stringify(args[1])}`);
  return args[0] as string;
}

function invalidArg(cmd: string, msg: string) {
  return invalid([{ path: '', message: msg }], `${cmd}`);
}

/**
 * `--preserve-fds N` (plus LISTEN_FDS) names fds 3 .. 3+N-1 of ours: each must be open, as
 * runc checks before it starts anything. Checked one by one, so a huge N stops at the
 * first missing fd instead of building a list of N entries.
 */
export function checkPreservedFds(n: number): void {
  for (let i = 0; i < n; i++) {
    try {
      fs.fstat(3 + i);
    } catch (e) {
      throw invalid([{ path: 'preserve-fds', message: `unable to stat preserved fd ${3 + i} (of ${n}): ${(e as NodeJS.ErrnoException).code === 'EBADF' ? 'not open' : (e as Error).message}` }], 'invalid flags');
    }
  }
}
