/** runts resume. */
import type { CommandDef, Parsed } from './args.js';
import { oneId, runtime } from './common.js';
import type { CliContext } from './main.js';

export const def: CommandDef = { name: 'resume', usage: 'resume <container-id>', summary: 'Resume (thaw) a paused container.', flags: [] };

export function main(ctx: CliContext, p: Parsed): number {
  runtime(ctx).load(oneId('resume', p.args)).resume();
  return 0;
}
