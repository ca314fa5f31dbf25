/**
 * The CLI entry point (bundled into one CommonJS file run by Bun, so that each command
 * loads only the node: modules it uses). The shim is found next to the bundle:
 * <pkg>/bin/runts -> <pkg>/native/build/runts-init (argv[1] is the bundle; a symlink to
 * it, as `make install` makes, is resolved).
 */
import { realpathSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { cli } from './main.js';
import { writeErr } from './log.js';

// A compiled executable (bun build --compile) sees its bundle at /$bunfs/...: the
// executable itself is then what sits in <pkg>/bin.
const self = (process.argv[1] ?? '.').startsWith('/$bunfs/') ? process.execPath : (process.argv[1] ?? '.');
const shim = resolve(dirname(realpathSync(self)), '..', 'native', 'build', 'runts-init');
cli(process.argv.slice(2), shim).then(
  (code) => {
    process.exitCode = code;
  },
  (e) => {
    writeErr(`runts: ${String((e as Error)?.stack ?? e)}\n`);
    process.exitCode = 1;
  },
);
