import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseArgs, type CommandDef } from '../../../src/cli/args.js';

const def: CommandDef = {
  name: 'run',
  usage: '',
  summary: '',
  flags: [
    { name: 'bundle', short: 'b', value: true, help: '' },
    { name: 'detach', short: 'd', help: '' },
    { name: 'no-subreaper', help: '' },
    { name: 'env', short: 'e', value: true, repeat: true, help: '' },
  ],
};

describe('parseArgs', () => {
  it('takes --flag value, --flag=value, -b value and one-dash long flags', () => {
    assert.deepEqual(parseArgs(def, ['--bundle', '/b', 'id']), { flags: { bundle: '/b' }, args: ['id'] });
    assert.deepEqual(parseArgs(def, ['--bundle=/b', 'id']).flags, { bundle: '/b' });
    assert.deepEqual(parseArgs(def, ['-b', '/b', '-d', 'id']).flags, { bundle: '/b', detach: true });
    assert.deepEqual(parseArgs(def, ['-no-subreaper', 'id']).flags, { 'no-subreaper': true });
    assert.deepEqual(parseArgs(def, ['--detach=false', 'id']).flags, { detach: false });
  });
  it('collects repeated flags', () => {
    assert.deepEqual(parseArgs(def, ['-e', 'A=1', '--env', 'B=2', 'id']).flags, { env: ['A=1', 'B=2'] });
  });
  it('stops at --', () => {
    assert.deepEqual(parseArgs(def, ['--', '--bundle']).args, ['--bundle']);
  });
  it('rejects unknown flags and missing values with the flag name', () => {
    assert.throws(() => parseArgs(def, ['--bogus']), /unknown flag --bogus/);
    assert.throws(() => parseArgs(def, ['--bundle']), /--bundle needs a value/);
    assert.throws(() => parseArgs(def, ['--detach=maybe']), /true or false/);
  });
});
