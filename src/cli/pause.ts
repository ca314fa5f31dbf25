/** runts pause. */
import type { CommandDef, Parsed } from './args.js';
import { oneId, runtime } from './common.js';
import type { CliContext } from './main.js';

export const def: CommandDef = { name: 'pause', usage: 'pause <container-id>', summary: 'Pause (freeze) every process of a container.', flags: [] };

export function main(ctx: CliContext, p: Parsed): number {
  runtime(ctx).load(oneId('pause', p.args)).pause();
  return 0;
}
