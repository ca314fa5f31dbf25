/** runts delete: remove a stopped container (any container with --force). */
import { RuntsError } from '../errors.js';
import type { CommandDef, Parsed } from './args.js';
import { usage } from './args.js';
import { runtime } from './common.js';
import type { CliContext } from './main.js';

export const def: CommandDef = {
  name: 'delete',
  usage: 'delete [command options] <container-id>...',
  summary: 'Delete containers and everything they hold.',
  flags: [{ name: 'force', short: 'f', help: 'kill a running container first; a missing container is not an error' }],
};

export function main(ctx: CliContext, p: Parsed): number {
  if (!p.args.length) throw usage('delete', 'missing container id');
  const force = p.flags['force'] === true;
  const rt = runtime(ctx);
  for (const id of p.args) {
    try {
      rt.load(id).delete({ force });
    } catch (e) {
      if (force && e instanceof RuntsError && e.code === 'ENOTFOUND') continue;
      throw e;
    }
  }
  return 0;
}
