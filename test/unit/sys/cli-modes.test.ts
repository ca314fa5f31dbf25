import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';

const REPO = resolve(import.meta.dirname, '../../../..');

describe('static CLI: shim modes', () => {
  it('every mode the shim\'s main accepts (argv[1]) runs the shim in bin/runts too', () => {
    const shim = readFileSync(resolve(REPO, 'native/main.c'), 'utf8');
    const cli = readFileSync(resolve(REPO, 'native/cli/main.c'), 'utf8');
    const shimModes = [...shim.matchAll(/strcmp\(argv\[1\], "([a-z-]+)"\)/g)].map((m) => m[1]!).filter((m) => m !== 'version').sort();
    const list = /modes\[\] = \{([^}]*)\}/.exec(cli)?.[1] ?? '';
    const cliModes = [...list.matchAll(/"([a-z-]+)"/g)].map((m) => m[1]!).sort();
    assert.ok(shimModes.length >= 4, 'found the shim modes');
    assert.deepEqual(cliModes, shimModes, 'native/cli/main.c shim_mode() must list the modes of native/main.c (version is matched apart)');
  });
});
