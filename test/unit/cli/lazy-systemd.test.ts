/**
 * The static CLI loads the systemd cgroup driver (src/cgroups/systemd/**, the D-Bus client)
 * only when a command needs it (cli/main.ts: --systemd-cgroup, or a container whose
 * state.json records the driver). Checked on the built chunks (build/cli/js, bun's code
 * splitting): the chunks a command can load never hold driver code unless through the
 * CLI's own import of the driver; and on bin/runts (RUNTS_TIMING lists each chunk read).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const REPO = resolve(import.meta.dirname, '../../../..');
const JS = join(REPO, 'build/cli/js');
const BIN = join(REPO, 'bin/runts');
const NOT_BUILT = existsSync(BIN) && existsSync(join(JS, 'entry.js')) ? false : `bin/runts not built (${BIN}, ${JS}/entry.js): run make build`;

/** What marks systemd driver code in a chunk: bun's per-module comments, and a literal that survives minifying. */
const SYSTEMD_CODE = [/^\/\/ src\/cgroups\/systemd\//m, /^\/\/ src\/sys\/unix-stream\.ts/m, /org\.freedesktop\.systemd1/];

interface Chunk {
  text: string;
  statics: string[];
  dynamics: string[];
}

function chunks(): Map<string, Chunk> {
  const out = new Map<string, Chunk>();
  for (const f of readdirSync(JS).filter((n) => n.endsWith('.js'))) {
    const text = readFileSync(join(JS, f), 'utf8');
    const statics = [...text.matchAll(/(?:\bfrom|^import)\s*"\.\/([^"]+\.js)"/gm)].map((m) => m[1]!);
    const dynamics = [...text.matchAll(/\bimport\(\s*"\.\/([^"]+\.js)"\s*\)/g)].map((m) => m[1]!);
    out.set(f, { text, statics, dynamics });
  }
  return out;
}

const hasSystemd = (c: Chunk) => SYSTEMD_CODE.some((re) => re.test(c.text));

describe('CLI: the systemd driver is loaded only when needed', { skip: NOT_BUILT }, () => {
  it('the chunks of run, create, start, state, list, kill and delete hold no systemd driver code', () => {
    const all = chunks();
    const entry = all.get('entry.js');
    assert.ok(entry, 'entry.js');
    // entry.js: COMMANDS maps each command to its chunk; its one other import is the driver.
    const commands = new Map([...entry.text.matchAll(/^\s*"?([a-z]+)"?: \(\) => import\("\.\/([^"]+\.js)"\)/gm)].map((m) => [m[1]!, m[2]!]));
    for (const c of ['run', 'create', 'start', 'state', 'list', 'kill', 'delete']) assert.ok(commands.has(c), `entry.js imports the ${c} command (found: ${[...commands.keys()].join(' ')})`);
    const driver = entry.dynamics.filter((f) => ![...commands.values()].includes(f));
    assert.equal(driver.length, 1, `entry.js: one dynamic import besides the commands (the driver): ${driver.join(' ')}`);
    const driverChunks = new Set<string>();
    const walk = (from: string[], seen: Set<string>, skipEntryDynamics: boolean) => {
      const todo = [...from];
      while (todo.length) {
        const f = todo.pop()!;
        if (seen.has(f)) continue;
        seen.add(f);
        const c = all.get(f);
        assert.ok(c, `${f} is a chunk`);
        todo.push(...c.statics);
        if (!(skipEntryDynamics && f === 'entry.js')) todo.push(...c.dynamics);
      }
      return seen;
    };
    walk(driver, driverChunks, true);
    assert.ok([...driverChunks].some((f) => hasSystemd(all.get(f)!)), `the driver's chunks (${[...driverChunks].join(' ')}) hold the systemd code the test looks for`);
    for (const [cmd, file] of commands) {
      if (!['run', 'create', 'start', 'state', 'list', 'kill', 'delete'].includes(cmd)) continue;
      // What the command can load: entry.js and its static imports, the command's chunk,
      // and everything they import, statically or on demand (the library's own dynamic
      // imports: create, exec, checkpoint, restore); not the other commands nor the driver.
      const reach = walk(['entry.js', file], new Set(), true);
      assert.ok(reach.size >= 4, `${cmd}: ${[...reach].join(' ')}`);
      const bad = [...reach].filter((f) => hasSystemd(all.get(f)!));
      assert.deepEqual(bad, [], `${cmd} can load systemd driver code in ${bad.join(' ')}`);
    }
  });

  it('bin/runts reads the driver chunk only with --systemd-cgroup or for a container made with it', () => {
    const root = mkdtempSync(join(tmpdir(), 'runts-lazysd-'));
    try {
      // A stopped container whose state records the systemd driver (no process, no unit).
      mkdirSync(join(root, 'sd'));
      const cgroup = { layout: 'v2', paths: { '': '/sys/fs/cgroup/system.slice/runts-sd.scope' }, systemd: { unit: 'runts-sd.scope', slice: 'system.slice' } };
      writeFileSync(join(root, 'sd', 'state.json'), JSON.stringify({ version: 1, id: 'sd', pid: 0, pidStart: 0, bundle: root, rootfs: root, created: '2026-01-01T00:00:00Z', owner: '', spec: { ociVersion: '1.2.1' }, cgroup }));
      const timing = join(root, 'timing');
      const loadsDriver = (...args: string[]) => {
        writeFileSync(timing, '');
        const r = spawnSync(BIN, ['--root', root, ...args], { env: { ...process.env, RUNTS_TIMING: timing }, encoding: 'utf8' });
        assert.equal(r.error, undefined);
        const read = readFileSync(timing, 'utf8').split('\n').filter((l) => / bytecode\//.test(l));
        assert.ok(read.length > 2, `${args.join(' ')}: chunks read (${r.stderr})`);
        return read.some((l) => / bytecode\/driver-/.test(l));
      };
      assert.equal(loadsDriver('state', 'sd'), false, 'state needs no cgroup manager');
      assert.equal(loadsDriver('--systemd-cgroup', 'state', 'sd'), false, 'nor with the flag');
      assert.equal(loadsDriver('kill', 'nosuch'), false);
      assert.equal(loadsDriver('delete', 'nosuch', 'nosuch2'), false);
      assert.equal(loadsDriver('--systemd-cgroup', 'kill', 'nosuch'), true);
      assert.equal(loadsDriver('pause', 'sd'), true, 'pause of a container made by the systemd driver, without the flag');
      assert.equal(loadsDriver('delete', 'nosuch', 'sd'), true, 'delete: any of its ids');
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
