/** runts state: print the OCI state JSON. */
import type { CommandDef, Parsed } from './args.js';
import { oneId, runtime } from './common.js';
import type { CliContext } from './main.js';
import { writeOut } from './log.js';

export const def: CommandDef = { name: 'state', usage: 'state <container-id>', summary: 'Print the state of a container as JSON.', flags: [] };

export function main(ctx: CliContext, p: Parsed): number {
  const st = runtime(ctx).load(oneId('state', p.args)).state();
  writeOut(JSON.stringify(st, null, '  ') + '\n');
  return 0;
}
