/** runts checkpoint: dump a running container with CRIU (runc's flags). */
import type { CommandDef, Flags, Parsed } from './args.js';
import { intFlag } from './args.js';
import { oneId, runtime } from './common.js';
import type { CliContext } from './main.js';

/** Flags checkpoint and restore share. */
export const CRIU_FLAGS = [
  { name: 'image-path', value: true, help: 'path for the criu image files (default: ./checkpoint)' },
  { name: 'work-path', value: true, help: 'path for criu\'s work files and logs (default: the image path)' },
  { name: 'tcp-established', help: 'allow open tcp connections' },
  { name: 'ext-unix-sk', help: 'allow external unix sockets' },
  { name: 'shell-job', help: 'allow shell jobs' },
  { name: 'file-locks', help: 'handle file locks' },
  { name: 'manage-cgroups-mode', value: true, help: 'cgroups mode: soft (default), full, strict or ignore' },
  { name: 'empty-ns', value: true, repeat: true, help: 'leave this namespace empty (e.g. network); may be repeated' },
  { name: 'auto-dedup', help: 'deduplicate images as they are written or read' },
  { name: 'lazy-pages', help: 'lazy migration (userfaultfd)' },
];

/** Library options from the shared flags. */
export function criuOptions(ctx: CliContext, f: Flags) {
  const mode = f['manage-cgroups-mode'] as string | undefined;
  return {
    ...(f['image-path'] ? { imagePath: f['image-path'] as string } : {}),
    ...(f['work-path'] ? { workPath: f['work-path'] as string } : {}),
    tcpEstablished: f['tcp-established'] === true,
    extUnixSk: f['ext-unix-sk'] === true,
    shellJob: f['shell-job'] === true,
    fileLocks: f['file-locks'] === true,
    ...(mode ? { manageCgroupsMode: mode as 'soft' } : {}),
    ...(f['empty-ns'] ? { emptyNs: f['empty-ns'] as string[] } : {}),
    autoDedup: f['auto-dedup'] === true,
    lazyPages: f['lazy-pages'] === true,
    ...(ctx.criuPath ? { criuPath: ctx.criuPath } : {}),
  };
}

export const def: CommandDef = {
  name: 'checkpoint',
  usage: 'checkpoint [command options] <container-id>',
  summary: 'Checkpoint a running container with CRIU.',
  flags: [
    ...CRIU_FLAGS,
    { name: 'parent-path', value: true, help: 'path of the previous (pre-dump) images, relative to the image path' },
    { name: 'leave-running', help: 'leave the container running after the checkpoint' },
    { name: 'pre-dump', help: 'dump memory only (iterative migration; finish with --parent-path)' },
    { name: 'page-server', value: true, help: 'ADDRESS:PORT of a criu page server' },
    { name: 'status-fd', value: true, help: 'with --lazy-pages: fd that gets \\0 when the lazy-pages server is ready' },
  ],
};

export async function main(ctx: CliContext, p: Parsed): Promise<number> {
  const id = oneId('checkpoint', p.args);
  const f = p.flags;
  const statusFd = intFlag('checkpoint', f, 'status-fd');
  await runtime(ctx).load(id).checkpoint({
    ...criuOptions(ctx, f),
    ...(f['parent-path'] ? { parentPath: f['parent-path'] as string } : {}),
    leaveRunning: f['leave-running'] === true,
    preDump: f['pre-dump'] === true,
    ...(f['page-server'] ? { pageServer: f['page-server'] as string } : {}),
    ...(statusFd !== undefined ? { statusFd } : {}),
  });
  return 0;
}
