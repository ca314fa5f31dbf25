/**
 * Concurrency through the CLI (separate processes, as engines call runc): many creates
 * at once, racing creates of one id, and kill/delete/state/start/update storms on one
 * container. Nothing may crash, no state file may be seen half-written, every failure
 * must be one of the documented errors, and nothing may be left afterwards.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { closeSync, existsSync, openSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { RUNTS, SKIP_NOT_ROOT, initsUnder, mountsUnder, rootfs, workspace, type Workspace } from './helpers.js';

interface Ran {
  args: string[];
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Errors a racing command may legitimately end with. */
const EXPECTED = /does not exist|container not running|no such process|already exists|cannot start an already running container|cannot start a container that has stopped|cannot delete container .* that is not stopped|process already finished|init exited before it could be started/;
/** Never acceptable: a crash, a torn state file, a lock wedged by a racer. */
const FORBIDDEN = /corrupt|Unexpected end of JSON|SyntaxError|TypeError|RangeError|still held by|\bat .*\.js:\d+/;

describe('concurrency (CLI processes)', { skip: SKIP_NOT_ROOT }, () => {
  let ws: Workspace;
  before(() => {
    ws = workspace('conc');
  });
  after(() => ws.cleanup());

  let seq = 0;
  /** Run the CLI; stdout/stderr go to files (a created init inherits them: a pipe would stay open). */
  function run(args: string[]): Promise<Ran> {
    const out = join(ws.dir, `.o${++seq}`);
    const err = join(ws.dir, `.e${seq}`);
    const fds = [openSync(out, 'w'), openSync(err, 'w')];
    return new Promise((res) => {
      const c = spawn(RUNTS, ['--root', ws.root, ...args], { cwd: ws.bundle, stdio: ['ignore', fds[0]!, fds[1]!] });
      for (const fd of fds) closeSync(fd);
      c.on('exit', (code) => {
        res({ args, code, stdout: readFileSync(out, 'utf8'), stderr: readFileSync(err, 'utf8') });
        rmSync(out);
        rmSync(err);
      });
    });
  }

  function nothingLeft(prefix: string) {
    if (existsSync(ws.root)) assert.deepEqual(readdirSync(ws.root).filter((n) => n.startsWith(prefix)), [], 'state dirs left');
    assert.deepEqual(mountsUnder(ws.dir), []);
    for (const ctrl of readdirSync('/sys/fs/cgroup')) {
      const dir = join('/sys/fs/cgroup', ctrl);
      try {
        assert.deepEqual(readdirSync(dir).filter((d) => d.startsWith(prefix)), [], `${ctrl} cgroups left`);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'ENOTDIR') throw e;
      }
    }
    assert.deepEqual(initsUnder(rootfs()).length, 0, 'container processes left');
  }

  function checkOutcome(r: Ran) {
    assert.doesNotMatch(r.stderr, FORBIDDEN, `${r.args.join(' ')}: ${r.stderr}`);
    assert.ok(r.code === 0 || r.code === 1, `${r.args.join(' ')}: exit ${r.code}: ${r.stderr}`);
    if (r.code === 1) assert.match(r.stderr, EXPECTED, `${r.args.join(' ')}: unexpected error`);
  }

  it('50 concurrent creates of distinct ids all succeed, 50 concurrent deletes leave nothing', async () => {
    ws.writeSpec(ws.spec(['sleep', '100']));
    const ids = Array.from({ length: 50 }, () => ws.id('c50'));
    const t0 = Date.now();
    const created = await Promise.all(ids.map((id) => run(['create', id])));
    const createMs = Date.now() - t0;
    for (const r of created) assert.equal(r.code, 0, `${r.args.join(' ')}: ${r.stderr}`);
    const list = JSON.parse((await run(['list', '--format', 'json'])).stdout) as Array<{ id: string; status: string }>;
    for (const id of ids) assert.equal(list.find((c) => c.id === id)?.status, 'created', id);
    const deleted = await Promise.all(ids.map((id) => run(['delete', '--force', id])));
    for (const r of deleted) assert.equal(r.code, 0, `${r.args.join(' ')}: ${r.stderr}`);
    nothingLeft('c50-');
    console.log(`# 50 concurrent creates: ${createMs} ms`);
  });

  it('20 concurrent creates of one id: exactly one succeeds, the others fail with already exists', async () => {
    ws.writeSpec(ws.spec(['sleep', '100']));
    for (let round = 0; round < 2; round++) {
      const id = ws.id('same');
      const rs = await Promise.all(Array.from({ length: 20 }, () => run(['create', id])));
      const ok = rs.filter((r) => r.code === 0);
      assert.equal(ok.length, 1, rs.map((r) => `${r.code} ${r.stderr}`).join('\n'));
      for (const r of rs.filter((x) => x.code !== 0)) {
        assert.equal(r.code, 1);
        assert.match(r.stderr, new RegExp(`container with id ${id} already exists`));
      }
      const st = JSON.parse((await run(['state', id])).stdout);
      assert.equal(st.status, 'created');
      assert.equal((await run(['start', id])).code, 0);
      assert.equal(JSON.parse((await run(['state', id])).stdout).status, 'running');
      assert.equal((await run(['delete', '--force', id])).code, 0);
    }
    nothingLeft('same-');
  });

  it('kill / delete / state / start / update storms on one container never crash or tear its state', async () => {
    ws.writeSpec(ws.spec(['sleep', '100']));
    let ops = 0;
    for (let round = 0; round < 4; round++) {
      const id = ws.id('storm');
      assert.equal((await run(['create', id])).code, 0);
      const cmds: string[][] = [];
      for (let i = 0; i < 4; i++) cmds.push(['start', id]);
      for (let i = 0; i < 12; i++) cmds.push(['state', id]);
      for (let i = 0; i < 4; i++) cmds.push(['update', '--pids-limit', String(100 + i), id]);
      for (let i = 0; i < 4; i++) cmds.push(['kill', id, i % 2 ? 'SIGCONT' : '0']);
      if (round % 2) for (let i = 0; i < 3; i++) cmds.push(['kill', id, 'KILL']);
      for (let i = 0; i < 3; i++) cmds.push(['delete', round < 2 ? '--force' : '', id].filter(Boolean));
      // Shuffle so each round races differently.
      for (let i = cmds.length - 1; i > 0; i--) {
        const j = Math.floor(Math.random() * (i + 1));
        [cmds[i], cmds[j]] = [cmds[j]!, cmds[i]!];
      }
      const rs = await Promise.all(cmds.map((c) => run(c)));
      ops += rs.length;
      for (const r of rs) checkOutcome(r);
      for (const r of rs.filter((x) => x.args[0] === 'state' && x.code === 0)) {
        const st = JSON.parse(r.stdout) as { id: string; status: string };
        assert.equal(st.id, id);
        assert.ok(['created', 'running', 'stopped'].includes(st.status), st.status);
      }
      // Whatever the interleaving, the container is either gone or in a status delete --force handles.
      const after = await run(['state', id]);
      if (after.code === 0) assert.ok(['created', 'running', 'stopped'].includes(JSON.parse(after.stdout).status));
      else assert.match(after.stderr, /does not exist/);
      assert.equal((await run(['delete', '--force', id])).code, 0);
      assert.match((await run(['state', id])).stderr, /does not exist/);
    }
    nothingLeft('storm-');
    console.log(`# storm commands run: ${ops}`);
  });
});
