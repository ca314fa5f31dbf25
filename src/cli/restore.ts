/**
 * runts restore: a container from a checkpoint. Detached, it returns once the container
 * runs; in the foreground it forwards signals to the init, waits, deletes the container
 * and exits with its status, as `run` does.
 */
import * as fs from '../sys/fs.js';
import { cwd, kill, onSignal } from '../sys/self.js';
import { join } from '../sys/path.js';
import type { CommandDef, Parsed } from './args.js';
import { intFlag } from './args.js';
import { CRIU_FLAGS, criuOptions } from './checkpoint.js';
import { oneId, readSpec, runtime } from './common.js';
import type { CliContext } from './main.js';

export const def: CommandDef = {
  name: 'restore',
  usage: 'restore [command options] <container-id>',
  summary: 'Restore a container from a checkpoint made by `runts checkpoint`.',
  flags: [
    ...CRIU_FLAGS,
    { name: 'bundle', short: 'b', value: true, help: 'bundle of the restored container (default: current directory if it has a config.json, else the checkpointed one)' },
    { name: 'detach', short: 'd', help: 'return once the container is restored' },
    { name: 'pid-file', value: true, help: 'file to write the restored init\'s pid to' },
    { name: 'console-socket', value: true, help: 'unix socket that receives the pty master' },
    { name: 'no-pivot', help: 'accepted for runc compatibility (criu restores the mount tree)' },
    { name: 'no-subreaper', help: 'accepted for runc compatibility (runts never becomes a subreaper)' },
    { name: 'lsm-profile', value: true, help: 'LSM profile to restore with (apparmor:NAME or selinux:LABEL)' },
    { name: 'lsm-mount-context', value: true, help: 'SELinux mount context for the restored mounts' },
    { name: 'status-fd', value: true, help: 'with --lazy-pages: fd closed when the restore waits for pages' },
  ],
};

const FORWARD: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT', 'SIGUSR1', 'SIGUSR2', 'SIGWINCH', 'SIGCONT'];

export async function main(ctx: CliContext, p: Parsed): Promise<number> {
  const id = oneId('restore', p.args);
  const f = p.flags;
  const bundle = (f['bundle'] as string | undefined) ?? (fs.exists(join(cwd(), 'config.json')) ? cwd() : undefined);
  const detach = f['detach'] === true;
  const statusFd = intFlag('restore', f, 'status-fd');
  const rt = runtime(ctx);
  const r = await rt.restoreForeground(id, {
    ...criuOptions(ctx, f),
    ...(bundle ? { bundle, spec: readSpec(bundle) } : {}),
    stdio: [0, 1, 2],
    ...(f['pid-file'] ? { pidFile: f['pid-file'] as string } : {}),
    ...(f['console-socket'] ? { consoleSocket: f['console-socket'] as string } : {}),
    ...(f['lsm-profile'] ? { lsmProfile: f['lsm-profile'] as string } : {}),
    ...(f['lsm-mount-context'] ? { lsmMountContext: f['lsm-mount-context'] as string } : {}),
    ...(statusFd !== undefined ? { statusFd } : {}),
  }, detach);
  if (detach) return 0;
  const handlers = FORWARD.map((sig) =>
    onSignal(sig, () => {
      try {
        kill(r.pid, sig);
      } catch {
        /* already gone */
      }
    }),
  );
  try {
    return await r.wait();
  } finally {
    for (const off of handlers) off();
    rt.load(id).delete({ force: true });
  }
}
