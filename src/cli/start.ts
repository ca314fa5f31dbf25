/** runts start: run the process of a created container. */
import type { CommandDef, Parsed } from './args.js';
import { oneId, runtime } from './common.js';
import type { CliContext } from './main.js';

export const def: CommandDef = { name: 'start', usage: 'start <container-id>', summary: 'Start a created container.', flags: [] };

export function main(ctx: CliContext, p: Parsed): number {
  runtime(ctx).load(oneId('start', p.args)).start();
  return 0;
}
