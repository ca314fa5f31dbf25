/**
 * The CLI entry point (bundled into one file run by Bun). The shim is found next to
 * this file: <pkg>/bin/runts -> <pkg>/native/build/runts-init.
 */
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cli } from './main.js';

const here = dirname(fileURLToPath(import.meta.url));
const shim = resolve(here, '..', 'native', 'build', 'runts-init');
cli(process.argv.slice(2), shim).then(
  (code) => {
    process.exitCode = code;
  },
  (e) => {
    process.stderr.write(`runts: ${String((e as Error)?.stack ?? e)}\n`);
    process.exitCode = 1;
  },
);
