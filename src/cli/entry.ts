/**
 * The CLI entry point. On the static binary (QuickJS-ng, native/cli) the shim is the
 * binary itself. Run by Bun (bundle or compiled executable) the shim is found next to
 * the bundle: <pkg>/bin/runts -> <pkg>/native/build/runts-init (a symlink to it, as
 * `make install` makes, is resolved).
 */
import { realpath } from '../sys/fs.js';
import { dirname, resolve } from '../sys/path.js';
import { args, builtInShim, executable, scriptPath, setExitCode } from '../sys/self.js';
import { cli } from './main.js';
import { writeErr } from './log.js';

function shimPath(): string {
  const own = builtInShim();
  if (own) return own;
  // A compiled Bun executable sees its bundle at /$bunfs/...: the executable itself is
  // then what sits in <pkg>/bin.
  const self = scriptPath().startsWith('/$bunfs/') ? executable() : scriptPath();
  return resolve(dirname(realpath(self)), '..', 'native', 'build', 'runts-init');
}

cli(args(), shimPath()).then(
  (code) => setExitCode(code),
  (e) => {
    writeErr(`runts: ${String((e as Error)?.message ?? e)}\n`);
    setExitCode(1);
  },
);
