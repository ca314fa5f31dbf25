/** runts ps: the processes of a container (json: the pids; table: host ps output for them). */
import { runSync } from '../sys/spawn.js';
import type { CommandDef, Parsed } from './args.js';
import { usage } from './args.js';
import { runtime } from './common.js';
import type { CliContext } from './main.js';
import { writeOut } from '../sys/self.js';

export const def: CommandDef = {
  name: 'ps',
  usage: 'ps [command options] <container-id> [ps options]',
  summary: 'List the processes of a container.',
  flags: [{ name: 'format', short: 'f', value: true, help: 'table or json' }],
  stopAfterPositionals: 1,
};

export function main(ctx: CliContext, p: Parsed): number {
  const [id, ...psArgs] = p.args;
  if (!id) throw usage('ps', 'missing container id');
  const format = (p.flags['format'] as string | undefined) ?? 'table';
  const pids = runtime(ctx).load(id).processes();
  if (format === 'json') {
    writeOut(JSON.stringify(pids) + '\n');
    return 0;
  }
  if (format !== 'table') throw usage('ps', `--format must be table or json, not ${JSON.stringify(format)}`);
  const out = runSync('ps', psArgs.length ? psArgs : ['-ef']);
  if (out.status !== 0) throw usage('ps', `ps ${psArgs.join(' ')} failed: ${out.stderr.trim()}`);
  const lines = out.stdout.split('\n');
  const header = lines[0] ?? '';
  const pidCol = header.trim().split(/\s+/).indexOf('PID');
  if (pidCol < 0) throw usage('ps', 'ps output has no PID column');
  const keep = new Set(pids.map(String));
  writeOut([header, ...lines.slice(1).filter((l) => keep.has(l.trim().split(/\s+/)[pidCol] ?? ''))].join('\n') + '\n');
  return 0;
}
