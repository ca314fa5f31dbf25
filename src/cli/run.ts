/**
 * runts run: create and start a container. Foreground: forward every catchable signal
 * to the init, wait, delete the container (unless --keep) and exit with its status.
 */
import type { CommandDef, Parsed } from './args.js';
import { CREATE_FLAGS, oneId, readSpec, runtime } from './common.js';
import { createOptions } from './create.js';
import type { CliContext } from './main.js';

export const def: CommandDef = {
  name: 'run',
  usage: 'run [command options] <container-id>',
  summary: 'Create and run a container.',
  flags: [
    ...CREATE_FLAGS,
    { name: 'detach', short: 'd', help: 'do not wait for the container; print nothing and return' },
    { name: 'keep', help: 'do not delete the container after it exits' },
    { name: 'no-subreaper', help: 'accepted for runc compatibility (runts never becomes a subreaper)' },
  ],
};

const FORWARD: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT', 'SIGUSR1', 'SIGUSR2', 'SIGWINCH', 'SIGCONT', 'SIGPIPE', 'SIGALRM'];

export async function main(ctx: CliContext, p: Parsed): Promise<number> {
  const id = oneId('run', p.args);
  const bundle = (p.flags['bundle'] as string | undefined) ?? process.cwd();
  const spec = readSpec(bundle);
  const rt = runtime(ctx);
  const detach = p.flags['detach'] === true;
  const proc = await rt.runForeground(id, spec, createOptions(p, bundle), detach);
  if (typeof proc === 'number') return 0;
  const handlers = FORWARD.map((sig) => {
    const h = () => {
      try {
        process.kill(proc.pid, sig);
      } catch {
        /* already gone */
      }
    };
    process.on(sig, h);
    return [sig, h] as const;
  });
  try {
    const st = await proc.wait();
    return st.code;
  } finally {
    for (const [sig, h] of handlers) process.off(sig, h);
    if (p.flags['keep'] !== true) rt.load(id).delete({ force: true });
  }
}
