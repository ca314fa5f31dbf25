/** runts kill: send a signal to the init (or to every process with --all). */
import type { CommandDef, Parsed } from './args.js';
import { usage } from './args.js';
import { runtime } from './common.js';
import type { CliContext } from './main.js';

export const def: CommandDef = {
  name: 'kill',
  usage: 'kill [command options] <container-id> [signal]',
  summary: 'Send a signal (name or number, default SIGTERM) to a container.',
  flags: [{ name: 'all', short: 'a', help: 'signal every process of the container' }],
};

export function main(ctx: CliContext, p: Parsed): number {
  const [id, sig, extra] = p.args;
  if (!id) throw usage('kill', 'missing container id');
  if (extra !== undefined) throw usage('kill', `unexpected argument ${JSON.stringify(extra)}`);
  runtime(ctx).load(id).kill(sig ?? 'SIGTERM', { all: p.flags['all'] === true });
  return 0;
}
