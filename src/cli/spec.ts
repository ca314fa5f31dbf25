/** runts spec: write a default config.json into the bundle. */
import * as fs from '../sys/fs.js';
import { egid, euid } from '../sys/self.js';
import { join } from '../sys/path.js';
import { RuntsError, sysError } from '../errors.js';
import { defaultSpec } from '../spec/defaults.js';
import type { CommandDef, Parsed } from './args.js';
import { usage } from './args.js';
import type { CliContext } from './main.js';

export const def: CommandDef = {
  name: 'spec',
  usage: 'spec [command options]',
  summary: 'Create a new config.json in the bundle directory.',
  flags: [
    { name: 'bundle', short: 'b', value: true, help: 'bundle directory (default: current directory)' },
    { name: 'rootless', help: 'a config for a rootless container' },
  ],
};

export function main(_ctx: CliContext, p: Parsed): number {
  if (p.args.length) throw usage('spec', `unexpected argument ${JSON.stringify(p.args[0])}`);
  const file = join((p.flags['bundle'] as string | undefined) ?? '.', 'config.json');
  if (fs.exists(file)) throw new RuntsError('EEXIST', `file ${file} exists: remove it first`);
  try {
    fs.writeFile(file, JSON.stringify(defaultSpec({ rootless: p.flags['rootless'] === true, hostUid: euid(), hostGid: egid() }), null, '\t') + '\n');
  } catch (e) {
    throw sysError('write', e, file);
  }
  return 0;
}
