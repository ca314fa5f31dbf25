/** runts features: the OCI features JSON of this build on this host. */
import { usage, type CommandDef, type Parsed } from './args.js';
import type { CliContext } from './main.js';
import { features } from '../spec/features.js';
import { hostFeatures } from '../sys/host-features.js';
import { systemdAvailable, systemdUserAvailable } from '../cgroups/systemd/probe.js';
import { writeOut } from '../sys/self.js';

export const def: CommandDef = { name: 'features', usage: 'features', summary: 'Show the enabled features (OCI features JSON).', flags: [] };

export function main(ctx: CliContext, p: Parsed): number {
  if (p.args.length) throw usage('features', `unexpected argument ${JSON.stringify(p.args[0])}`);
  writeOut(JSON.stringify(features({ ...hostFeatures(ctx.shimPath), systemd: systemdAvailable(), systemdUser: systemdUserAvailable() }), null, '    ') + '\n');
  return 0;
}
