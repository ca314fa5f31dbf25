/**
 * A small argv parser with runc's conventions: `--flag value`, `--flag=value`, one-dash
 * long flags (`-no-subreaper`, go-runc sends them), short aliases (`-b`), booleans that
 * accept `--flag=true|false`, and `--` to end flags. Unknown flags are usage errors.
 */
import { RuntsError } from '../errors.js';

/** A flag definition. */
export interface FlagDef {
  /** Long name without dashes. */
  name: string;
  /** Short alias without the dash. */
  short?: string;
  /** Other long names accepted for it (runts' older spellings); values land under `name`. */
  aliases?: string[];
  /** Takes a value (otherwise boolean). */
  value?: boolean;
  /** May be given several times (values collected in order). */
  repeat?: boolean;
  /** One line for --help. */
  help: string;
}

/** A command definition. */
export interface CommandDef {
  name: string;
  usage: string;
  summary: string;
  flags: FlagDef[];
  /** Stop parsing flags at the first positional after this many (exec/run take a command). */
  stopAfterPositionals?: number;
}

/** Parsed flags: booleans as true/false, values as strings, repeated as arrays. */
export type Flags = Record<string, string | boolean | string[] | undefined>;

/** The result of parsing one command's argv. */
export interface Parsed {
  flags: Flags;
  args: string[];
}

/** Usage error (exit status 1, message names the argument). */
export function usage(cmd: string, message: string): RuntsError {
  return new RuntsError('EINVALID', `${cmd}: ${message} (see runts ${cmd === 'runts' ? '' : cmd + ' '}--help)`.replace('  ', ' '));
}

/** Parse argv for a command. */
export function parseArgs(def: CommandDef, argv: string[]): Parsed {
  const flags: Flags = {};
  const args: string[] = [];
  const byName = new Map<string, FlagDef>();
  for (const f of def.flags) {
    byName.set(f.name, f);
    if (f.short) byName.set(f.short, f);
    for (const a of f.aliases ?? []) byName.set(a, f);
  }
  let i = 0;
  for (; i < argv.length; i++) {
    const a = argv[i] as string;
    if (a === '--') {
      i++;
      break;
    }
    if (!a.startsWith('-') || a === '-') {
      args.push(a);
      if (def.stopAfterPositionals !== undefined && args.length >= def.stopAfterPositionals) {
        i++;
        break;
      }
      continue;
    }
    const body = a.replace(/^--?/, '');
    const eq = body.indexOf('=');
    const name = eq >= 0 ? body.slice(0, eq) : body;
    const f = byName.get(name);
    if (!f) throw usage(def.name, `unknown flag ${a.split('=')[0]}`);
    if (f.value) {
      let v: string | undefined;
      if (eq >= 0) v = body.slice(eq + 1);
      else {
        v = argv[++i];
        if (v === undefined) throw usage(def.name, `flag --${f.name} needs a value`);
      }
      if (f.repeat) flags[f.name] = [...((flags[f.name] as string[] | undefined) ?? []), v];
      else flags[f.name] = v;
    } else {
      const v = eq >= 0 ? body.slice(eq + 1) : 'true';
      if (v !== 'true' && v !== 'false') throw usage(def.name, `flag --${f.name} takes true or false, not ${JSON.stringify(v)}`);
      flags[f.name] = v === 'true';
    }
  }
  args.push(...argv.slice(i));
  return { flags, args };
}

/** Help text of a command. */
export function helpText(def: CommandDef): string {
  const lines = [`usage: runts ${def.usage}`, '', def.summary, ''];
  if (def.flags.length) {
    lines.push('options:');
    for (const f of def.flags) {
      const names = `${f.short ? `-${f.short}, ` : ''}--${f.name}${f.value ? ' value' : ''}`;
      lines.push(`  ${names.padEnd(30)} ${f.help}`);
    }
  }
  return lines.join('\n') + '\n';
}

/** A non-negative integer flag value, or an error naming the flag. */
export function intFlag(cmd: string, flags: Flags, name: string): number | undefined {
  const v = flags[name];
  if (v === undefined) return undefined;
  const n = Number(v);
  if (typeof v !== 'string' || !/^\d+$/.test(v) || !Number.isSafeInteger(n)) {
    throw usage(cmd, `flag --${name} needs a non-negative integer, not ${JSON.stringify(v)}`);
  }
  return n;
}

/** Exactly `n` positional arguments named `names`, or a usage error. */
export function positionals(cmd: string, args: string[], names: string[]): string[] {
  if (args.length < names.length) throw usage(cmd, `missing ${names.slice(args.length).join(' and ')}`);
  if (args.length > names.length) throw usage(cmd, `unexpected argument ${JSON.stringify(args[names.length])}`);
  return args;
}
