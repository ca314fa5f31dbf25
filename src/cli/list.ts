/** runts list: the containers under --root, as a table, JSON or ids. */
import type { CommandDef, Parsed } from './args.js';
import { runtime } from './common.js';
import { usage } from './args.js';
import type { CliContext } from './main.js';
import { writeOut } from './log.js';
import { RuntsError } from '../errors.js';
import * as fs from '../sys/fs.js';

export const def: CommandDef = {
  name: 'list',
  usage: 'list [command options]',
  summary: 'List containers.',
  flags: [
    { name: 'format', short: 'f', value: true, help: 'table or json' },
    { name: 'quiet', short: 'q', help: 'print ids only' },
  ],
};

export function main(ctx: CliContext, p: Parsed): number {
  if (p.args.length) throw usage('list', `unexpected argument ${JSON.stringify(p.args[0])}`);
  const format = (p.flags['format'] as string | undefined) ?? 'table';
  if (format !== 'table' && format !== 'json') throw usage('list', `--format must be table or json, not ${JSON.stringify(format)}`);
  // A --root that does not exist is an error (a typo must not look like "no containers");
  // the default root is only made by the first create, so its absence is an empty list.
  if (ctx.rootGiven && !fs.exists(ctx.root)) throw new RuntsError('ESYS', `open ${ctx.root}: no such file or directory`, { path: ctx.root, errno: 'ENOENT', syscall: 'open' });
  const all = runtime(ctx).list();
  if (p.flags['quiet']) {
    writeOut(all.map((s) => s.id + '\n').join(''));
  } else if (format === 'json') {
    writeOut(JSON.stringify(all) + '\n');
  } else {
    const rows = [['ID', 'PID', 'STATUS', 'BUNDLE', 'CREATED', 'OWNER']];
    for (const s of all) rows.push([s.id, String(s.pid), s.status, s.bundle, s.created, s.owner || 'root']);
    const w = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
    writeOut(rows.map((r) => r.map((c, i) => (i < r.length - 1 ? c.padEnd(w[i]! + 3) : c)).join('')).join('\n') + '\n');
  }
  return 0;
}
