/** runts create: set up a container and park its init until `start`. */
import type { CommandDef, Parsed } from './args.js';
import { intFlag } from './args.js';
import { checkPreservedFds, CREATE_FLAGS, oneId, readSpec, runtime } from './common.js';
import type { CliContext } from './main.js';
import { cwd, env as ownEnv, pid } from '../sys/self.js';

export const def: CommandDef = {
  name: 'create',
  usage: 'create [command options] <container-id>',
  summary: 'Create a container; its process runs on `runts start`.',
  flags: CREATE_FLAGS,
};

export async function main(ctx: CliContext, p: Parsed): Promise<number> {
  const id = oneId('create', p.args);
  const bundle = (p.flags['bundle'] as string | undefined) ?? cwd();
  const spec = readSpec(bundle);
  await runtime(ctx).create(id, spec, createOptions(p, bundle));
  return 0;
}

/** create/run options from flags. */
export function createOptions(p: Parsed, bundle: string) {
  const preserveFds = intFlag('create', p.flags, 'preserve-fds') ?? 0;
  // Socket activation, as runc: our caller's LISTEN_FDS, when they are meant for us.
  const env = ownEnv();
  const listenFds = env['LISTEN_PID'] === String(pid()) && /^\d+$/.test(env['LISTEN_FDS'] ?? '') ? Number(env['LISTEN_FDS']) : 0;
  checkPreservedFds(listenFds + preserveFds);
  const stdio: Array<number> = [0, 1, 2];
  for (let i = 0; i < listenFds + preserveFds; i++) stdio.push(3 + i);
  return {
    bundle,
    specOwned: true, // readSpec's, parsed for this call alone
    stdio,
    preserveFds,
    ...(listenFds ? { listenFds } : {}),
    noPivot: p.flags['no-pivot'] === true,
    noNewKeyring: p.flags['no-new-keyring'] === true,
    ...(p.flags['pid-file'] ? { pidFile: p.flags['pid-file'] as string } : {}),
    ...(p.flags['console-socket'] ? { consoleSocket: p.flags['console-socket'] as string } : {}),
    ...(p.flags['pidfd-socket'] ? { pidfdSocket: p.flags['pidfd-socket'] as string } : {}),
    // sd_notify, as runc: our caller's NOTIFY_SOCKET is relayed to the container.
    ...(env['NOTIFY_SOCKET'] ? { notifySocket: env['NOTIFY_SOCKET'] } : {}),
  };
}
