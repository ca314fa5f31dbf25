/**
 * runts command line: runc's global flags and commands. Parse, call the library, print.
 * Each command lives in its own module, imported only when it runs (start-up cost).
 */
import { RuntsError } from '../errors.js';
import { helpText, parseArgs, usage, type CommandDef, type Parsed } from './args.js';
import { configureLog, logDebug, logError } from './log.js';
import { defaultStateRoot, isRootless } from '../sys/rootless.js';
import { writeOut } from '../sys/self.js';
import { exists, readText } from '../sys/fs.js';
import { join } from '../sys/path.js';
// Static, not imported on demand: two chunks fewer to load for --version (create and
// features need host-features anyway).
import { nativeVersions } from '../sys/host-features.js';
import { SPEC_VERSION } from '../spec/version.js';

/** What every command gets. */
export interface CliContext {
  root: string;
  /** --root was given (not the default): `list` fails when it does not exist, as runc. */
  rootGiven?: boolean;
  /** Path of the init shim. */
  shimPath: string;
  systemdCgroup: boolean;
  rootless: string;
  /** Global --criu: path of criu for checkpoint/restore (default: `criu` on PATH). */
  criuPath?: string;
}

/** A command module. */
export interface Command {
  def: CommandDef;
  /** Returns the exit status. */
  main(ctx: CliContext, p: Parsed): Promise<number> | number;
}

const COMMANDS: Record<string, () => Promise<Command>> = {
  create: () => import('./create.js'),
  start: () => import('./start.js'),
  run: () => import('./run.js'),
  exec: () => import('./exec.js'),
  state: () => import('./state.js'),
  list: () => import('./list.js'),
  kill: () => import('./kill.js'),
  delete: () => import('./delete.js'),
  ps: () => import('./ps.js'),
  pause: () => import('./pause.js'),
  resume: () => import('./resume.js'),
  update: () => import('./update.js'),
  events: () => import('./events.js'),
  spec: () => import('./spec.js'),
  features: () => import('./features.js'),
  checkpoint: () => import('./checkpoint.js'),
  restore: () => import('./restore.js'),
};

/**
 * The commands that can reach a container's cgroup manager, and the containers they do it
 * for: 'new' one they create (run, restore and create), 'one' the first argument names,
 * 'all' every argument names (delete). Only these may need the systemd driver (see
 * systemdNeeded); state, list and start read state.json and /proc, no cgroup manager.
 */
const CGROUP_USERS: Record<string, 'new' | 'one' | 'all'> = {
  create: 'new', run: 'new', restore: 'new',
  exec: 'one', kill: 'one', ps: 'one', pause: 'one', resume: 'one', update: 'one', events: 'one', checkpoint: 'one',
  delete: 'all',
};

/**
 * Whether the command needs the systemd cgroup driver, which the CLI imports only then
 * (its code is a chunk of its own, ~30 KB that other commands do not read): with
 * --systemd-cgroup, or when the state.json of a container it works on records the driver
 * (`runts delete x` without the flag, for x created with it).
 */
function systemdNeeded(ctx: CliContext, name: string, args: string[]): boolean {
  const use = CGROUP_USERS[name];
  if (!use) return false;
  if (ctx.systemdCgroup) return true;
  if (use === 'new') return false;
  for (const id of use === 'all' ? args : args.slice(0, 1)) if (recordsSystemd(ctx.root, id)) return true;
  return false;
}

/**
 * A cheap look at <root>/<id>/state.json (state/store.ts; written by JSON.stringify, so
 * without spaces): its cgroup state has a `systemd` object when the container was made by
 * the systemd driver, so the text then holds `"systemd":{` (the spec could too: a wrong
 * yes costs only the driver's load). A state.json that cannot be read while its directory
 * exists (a create in progress) counts too: the command reads it later. Bad ids are the
 * command's to report.
 */
function recordsSystemd(root: string, id: string): boolean {
  if (!id || id.includes('/') || id.startsWith('.')) return false;
  let text: string;
  try {
    text = readText(join(root, id, 'state.json'));
  } catch {
    return exists(join(root, id));
  }
  return text.includes('"systemd":{');
}

/** Version text, runc's layout. */
export const VERSION = '0.1.0';

const GLOBAL: CommandDef = {
  name: 'runts',
  usage: '[global options] command [command options] [arguments...]',
  summary: [
    'runts is an OCI container runtime with runc\'s command line, written in TypeScript.',
    '',
    'commands:',
    ...Object.keys(COMMANDS).map((c) => `  ${c}`),
  ].join('\n'),
  flags: [
    { name: 'root', value: true, help: 'root directory for container state (default /run/runts)' },
    { name: 'log', value: true, help: 'log file (default stderr)' },
    { name: 'log-format', value: true, help: 'log format: text or json' },
    { name: 'debug', help: 'log debug output' },
    { name: 'systemd-cgroup', help: 'use the systemd cgroup driver: cgroups are transient units made by systemd (cgroupsPath slice:prefix:name)' },
    { name: 'rootless', value: true, help: 'true, false or auto (accepted)' },
    { name: 'criu', value: true, help: 'path of criu for checkpoint and restore (default: criu on PATH)' },
    { name: 'version', short: 'v', help: 'print the version' },
    { name: 'help', short: 'h', help: 'show help' },
  ],
  stopAfterPositionals: 1,
};

/** Run the CLI; returns the exit status (never calls process.exit itself). */
export async function cli(argv: string[], shimPath: string): Promise<number> {
  let gp: Parsed;
  try {
    gp = parseArgs(GLOBAL, argv);
    const fmt = (gp.flags['log-format'] as string | undefined) ?? 'text';
    if (fmt !== 'text' && fmt !== 'json') throw usage('runts', `--log-format must be text or json, not ${JSON.stringify(fmt)}`);
    const logFile = gp.flags['log'] as string | undefined;
    configureLog({ format: fmt, debug: gp.flags['debug'] === true, ...(logFile ? { file: logFile } : {}) });
  } catch (e) {
    logError((e as Error).message);
    return 1;
  }
  if (gp.flags['version']) {
    writeOut(`runts version ${VERSION}\nspec: ${SPEC_VERSION}\n${nativeVersions(shimPath)}`);
    return 0;
  }
  const [name, ...rest] = gp.args;
  if (!name || gp.flags['help'] || name === 'help') {
    writeOut(helpText(GLOBAL));
    return name || gp.flags['help'] ? 0 : 1;
  }
  const load = COMMANDS[name];
  if (!load) {
    logError(`unknown command ${JSON.stringify(name)} (see runts --help)`);
    return 1;
  }
  const cmd = await load();
  if (rest.includes('--help') || rest.includes('-h')) {
    writeOut(helpText(cmd.def));
    return 0;
  }
  const ctx: CliContext = {
    root: (gp.flags['root'] as string | undefined) ?? defaultStateRoot(isRootless(gp.flags['rootless'] as string | undefined)),
    ...(gp.flags['root'] !== undefined ? { rootGiven: true } : {}),
    shimPath,
    systemdCgroup: gp.flags['systemd-cgroup'] === true,
    rootless: (gp.flags['rootless'] as string | undefined) ?? 'auto',
    ...(gp.flags['criu'] ? { criuPath: gp.flags['criu'] as string } : {}),
  };
  logDebug(`runts ${argv.join(' ')}`);
  try {
    const p = parseArgs(cmd.def, rest);
    if (systemdNeeded(ctx, name, p.args)) await import('../cgroups/systemd/driver.js');
    return await cmd.main(ctx, p);
  } catch (e) {
    logError(e instanceof RuntsError ? e.message : String((e as Error)?.stack ?? e));
    return 1;
  }
}
