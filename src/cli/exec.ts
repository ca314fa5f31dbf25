/**
 * runts exec: run a process in a container, with runc's flags. Foreground: forward
 * signals, exit with the process's status (128+signal when killed). When exec itself
 * fails (no such container, not running, bad process, missing binary) the status is
 * 255 and the message starts with "exec failed", as runc's; usage errors exit 1.
 */
import * as fs from '../sys/fs.js';
import { invalid, RuntsError, sysError } from '../errors.js';
import type { ExecOptions, ExecProcessOptions } from '../container/exec.js';
import type { Process } from '../spec/types.js';
import type { CommandDef, Parsed } from './args.js';
import { intFlag, usage } from './args.js';
import { checkPreservedFds, runtime } from './common.js';
import { logError } from './log.js';
import type { CliContext } from './main.js';
import { forwardSignals } from './signals.js';

export const def: CommandDef = {
  name: 'exec',
  usage: 'exec [command options] <container-id> <command> [command options]  ||  -p process.json <container-id>',
  summary: 'Run a process in a running container.',
  flags: [
    { name: 'console-socket', value: true, help: 'unix socket that receives the pty master (with --tty)' },
    { name: 'pidfd-socket', value: true, help: 'unix socket that receives a pidfd of the process' },
    { name: 'cwd', value: true, help: 'working directory in the container' },
    { name: 'env', short: 'e', value: true, repeat: true, help: 'set an environment variable (KEY=value)' },
    { name: 'tty', short: 't', help: 'allocate a pseudo-terminal' },
    { name: 'user', short: 'u', value: true, help: 'user: uid[:gid] or name[:group] (from the container\'s /etc/passwd)' },
    { name: 'additional-gids', short: 'g', value: true, repeat: true, help: 'additional gid' },
    { name: 'process', short: 'p', value: true, help: 'path to a process.json (OCI process)' },
    { name: 'detach', short: 'd', help: 'detach from the process; print nothing' },
    { name: 'pid-file', value: true, help: 'file to write the process pid to' },
    { name: 'process-label', value: true, help: 'SELinux label of the process' },
    { name: 'apparmor', value: true, help: 'AppArmor profile of the process' },
    { name: 'no-new-privs', help: 'set no_new_privs' },
    { name: 'cap', short: 'c', value: true, repeat: true, help: 'add a capability, by its exact name (CAP_NET_RAW)' },
    { name: 'preserve-fds', value: true, help: 'pass N additional fds (3 .. 3+N-1) to the process' },
    { name: 'cgroup', value: true, repeat: true, help: 'run in a sub-cgroup: [controller[,controller]:]path (must exist)' },
    { name: 'ignore-paused', help: 'exec into a paused container too' },
  ],
  stopAfterPositionals: 1,
};

/** Status of a failed exec (runc's). */
export const EXEC_FAILED = 255;

export async function main(ctx: CliContext, p: Parsed): Promise<number> {
  const [id, ...args] = p.args;
  const f = p.flags;
  if (!id) throw usage('exec', 'missing container id');
  const file = f['process'] as string | undefined;
  if (!file && args.length === 0) throw usage('exec', 'missing the command to run (or --process FILE)');
  if (file && args.length) throw usage('exec', `unexpected argument ${JSON.stringify(args[0])} with --process`);
  const gids = ((f['additional-gids'] as string[] | undefined) ?? []).map((g) => {
    if (!/^\d+$/.test(g)) throw usage('exec', `--additional-gids needs a numeric gid, not ${JSON.stringify(g)}`);
    return Number(g);
  });
  const preserveFds = intFlag('exec', f, 'preserve-fds') ?? 0;
  checkPreservedFds(preserveFds);
  const detach = f['detach'] === true;
  const pidfdSocket = f['pidfd-socket'] as string | undefined;

  try {
    const opts: ExecOptions = {
      stdio: [0, 1, 2],
      preserveFds,
      ignorePaused: f['ignore-paused'] === true,
      ...(f['console-socket'] ? { consoleSocket: f['console-socket'] as string } : {}),
      ...(f['pid-file'] ? { pidFile: f['pid-file'] as string } : {}),
      ...(f['cgroup'] ? { cgroup: f['cgroup'] as string[] } : {}),
      ...(pidfdSocket ? { pidfdSocket } : {}),
    };
    let proc: ExecProcessOptions | Process;
    if (file) {
      proc = readProcess(file);
      opts.complete = true;
    } else {
      proc = {
        args,
        terminal: f['tty'] === true,
        ...(f['env'] ? { env: f['env'] as string[] } : {}),
        ...(f['cwd'] !== undefined ? { cwd: f['cwd'] as string } : {}),
        ...(f['user'] !== undefined ? { user: f['user'] as string } : {}),
        ...(gids.length ? { additionalGids: gids } : {}),
        ...(f['cap'] ? { addCapabilities: f['cap'] as string[] } : {}),
        ...(f['no-new-privs'] === true ? { noNewPrivileges: true } : {}),
        ...(f['apparmor'] !== undefined ? { apparmorProfile: f['apparmor'] as string } : {}),
        ...(f['process-label'] !== undefined ? { selinuxLabel: f['process-label'] as string } : {}),
      };
    }
    const c = runtime(ctx).load(id);
    if (detach) {
      await c.execDetached(proc, opts);
      return 0;
    }
    const child = await c.exec(proc, opts);
    const stop = forwardSignals(child.pid);
    try {
      return (await child.wait()).code;
    } finally {
      stop();
    }
  } catch (e) {
    logError(`exec failed: ${e instanceof RuntsError ? e.message : String((e as Error)?.stack ?? e)}`);
    return EXEC_FAILED;
  }
}

function readProcess(file: string): Process {
  let text: string;
  try {
    text = fs.readText(file);
  } catch (e) {
    throw sysError('read process', e, file);
  }
  try {
    return JSON.parse(text) as Process;
  } catch (e) {
    throw invalid([{ path: '', message: `${file}: ${(e as Error).message}` }], 'invalid process.json');
  }
}
