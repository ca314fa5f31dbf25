/**
 * runts run: create and start a container. Foreground: forward every catchable signal
 * to the init, wait, delete the container (unless --keep) and exit with its status.
 */
import type { CommandDef, Parsed } from './args.js';
import { CREATE_FLAGS, oneId, readSpec, runtime } from './common.js';
import { createOptions } from './create.js';
import type { CliContext } from './main.js';
import { forwardSignals } from './signals.js';
import { cwd } from '../sys/self.js';

export const def: CommandDef = {
  name: 'run',
  usage: 'run [command options] <container-id>',
  summary: 'Create and run a container.',
  flags: [
    ...CREATE_FLAGS,
    { name: 'detach', short: 'd', help: 'do not wait for the container; print nothing and return' },
    { name: 'keep', help: 'do not delete the container after it exits' },
    { name: 'no-subreaper', help: 'accepted for runc compatibility, also as -no-subreaper (runts never becomes a subreaper)' },
  ],
};

export async function main(ctx: CliContext, p: Parsed): Promise<number> {
  const id = oneId('run', p.args);
  const bundle = (p.flags['bundle'] as string | undefined) ?? cwd();
  const spec = readSpec(bundle);
  const rt = runtime(ctx);
  const detach = p.flags['detach'] === true;
  const proc = await rt.runForeground(id, spec, createOptions(p, bundle), detach);
  if (typeof proc === 'number') return 0;
  const stop = forwardSignals(proc.pid);
  try {
    const st = await proc.wait();
    return st.code;
  } finally {
    stop();
    if (p.flags['keep'] !== true) rt.load(id).delete({ force: true });
  }
}
