/**
 * OCI hooks on real containers: every kind runs in runc's order with the right state on
 * stdin, in the right place (host paths vs container paths, the rootfs as cwd for
 * createContainer); failures before start abort and leave nothing behind; poststart
 * failures kill the container; poststop failures are warnings.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Hook, Spec } from '../../src/spec/types.js';
import { SKIP_NOT_ROOT, mountsUnder, stateOf, workspace, type Workspace } from './helpers.js';

interface Seen {
  kind: string;
  cwd: string;
  state: { ociVersion: string; id: string; status: string; pid?: number; bundle: string; annotations?: Record<string, string> };
}

describe('hooks', { skip: SKIP_NOT_ROOT }, () => {
  let ws: Workspace;
  let log: string;
  let recorder: string;
  before(() => {
    ws = workspace('hooks');
    log = join(ws.dir, 'hooks.log');
    recorder = join(ws.dir, 'record.sh');
    // One JSON object per line: kind (args[1]), cwd, and the state read from stdin.
    writeFileSync(recorder, `#!/bin/sh\nprintf '{"kind":"%s","cwd":"%s","state":%s}\\n' "$1" "$(pwd)" "$(cat)" >> ${log}\n`);
    chmodSync(recorder, 0o755);
  });
  after(() => ws.cleanup());

  const rec = (kind: string, extra: Partial<Hook> = {}): Hook => ({ path: recorder, args: ['record.sh', kind], ...extra });
  const seen = (): Seen[] => (existsSync(log) ? readFileSync(log, 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l)) : []);
  const reset = () => writeFileSync(log, '');

  function nothingLeft(id: string) {
    assert.ok(!existsSync(join(ws.root, id)), `state dir of ${id} left`);
    assert.deepEqual(mountsUnder(ws.dir), []);
    for (const ctrl of ['memory', 'pids', 'freezer']) {
      const dir = `/sys/fs/cgroup/${ctrl}`;
      if (existsSync(dir)) assert.ok(!readdirSync(dir).includes(id), `${ctrl} cgroup ${id} left`);
    }
  }

  /** A startContainer hook runs inside: it writes what it read to a bind-mounted dir. */
  function withShared(s: Spec): string {
    const shared = join(ws.dir, 'shared');
    mkdirSync(shared, { recursive: true });
    s.mounts!.push({ destination: '/shared', type: 'bind', source: shared, options: ['rbind', 'rw'] });
    return shared;
  }

  it('runs all six kinds in order with the state on stdin (run, then delete)', () => {
    reset();
    const id = ws.id();
    let shared = '';
    ws.writeSpec(ws.spec(['true'], (s) => {
      shared = withShared(s);
      s.annotations = { 'org.example.key': 'v1' };
      s.hooks = {
        prestart: [rec('prestart')],
        createRuntime: [rec('createRuntime'), rec('createRuntime2')],
        createContainer: [rec('createContainer')],
        startContainer: [{ path: '/bin/sh', args: ['sh', '-c', 'echo "$(pwd) $(cat)" > /shared/start.json'] }],
        poststart: [rec('poststart')],
        poststop: [rec('poststop')],
      };
    }));
    const r = ws.runts(['run', id]);
    assert.equal(r.stderr, '');
    assert.equal(r.status, 0);
    const s = seen();
    assert.deepEqual(s.map((x) => x.kind), ['prestart', 'createRuntime', 'createRuntime2', 'createContainer', 'poststart', 'poststop']);
    const pid = s[0]!.state.pid;
    assert.ok(pid && pid > 1, 'host pid of the init');
    for (const x of s) {
      assert.equal(x.state.id, id);
      assert.equal(x.state.bundle, ws.bundle);
      assert.deepEqual(x.state.annotations, { 'org.example.key': 'v1' });
      assert.match(x.state.ociVersion, /^1\.\d+\.\d+/);
    }
    assert.deepEqual(s.map((x) => x.state.status), ['creating', 'creating', 'creating', 'creating', 'running', 'stopped']);
    assert.equal(s[4]!.state.pid, pid);
    assert.equal(s[5]!.state.pid, undefined, 'a stopped container has no pid');
    // runtime-namespace hooks run in the bundle; createContainer in the rootfs dir, before pivot_root
    assert.equal(s[0]!.cwd, ws.bundle);
    assert.equal(s[3]!.cwd, JSON.parse(readFileSync(join(ws.bundle, 'config.json'), 'utf8')).root.path);
    // startContainer ran inside (its path and output are container paths), after the pivot
    const start = readFileSync(join(shared, 'start.json'), 'utf8');
    const [cwd, ...json] = start.trim().split(' ');
    assert.equal(cwd, '/');
    const st = JSON.parse(json.join(' '));
    assert.equal(st.status, 'created');
    assert.equal(st.pid, pid);
  });

  it('create runs the pre-start hooks, start the startContainer and poststart ones, delete poststop', () => {
    reset();
    const id = ws.id();
    let shared = '';
    ws.writeSpec(ws.spec(['sleep', '30'], (s) => {
      shared = withShared(s);
      s.hooks = {
        createRuntime: [rec('createRuntime')],
        startContainer: [{ path: '/bin/sh', args: ['sh', '-c', 'cat > /shared/start2.json'] }],
        poststart: [rec('poststart')],
        poststop: [rec('poststop')],
      };
    }));
    assert.equal(ws.runts(['create', id]).status, 0);
    assert.deepEqual(seen().map((x) => x.kind), ['createRuntime']);
    assert.equal(stateOf(ws, id).status, 'created');
    assert.ok(!existsSync(join(shared, 'start2.json')), 'startContainer waits for start');
    const r = ws.runts(['start', id]);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(stateOf(ws, id).status, 'running');
    assert.equal(JSON.parse(readFileSync(join(shared, 'start2.json'), 'utf8')).status, 'created');
    assert.deepEqual(seen().map((x) => x.kind), ['createRuntime', 'poststart']);
    assert.equal(ws.runts(['kill', id, 'KILL']).status, 0);
    for (let i = 0; i < 200 && stateOf(ws, id).status !== 'stopped'; i++) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 10);
    assert.equal(ws.runts(['delete', id]).status, 0);
    assert.deepEqual(seen().map((x) => x.kind), ['createRuntime', 'poststart', 'poststop']);
  });

  for (const kind of ['prestart', 'createRuntime', 'createContainer'] as const) {
    it(`a failing ${kind} hook aborts create and leaves nothing behind`, () => {
      reset();
      const id = ws.id();
      ws.writeSpec(ws.spec(['true'], (s) => {
        s.hooks = { [kind]: [rec(kind), { path: '/bin/sh', args: ['sh', '-c', 'echo broken hook >&2; exit 3'] }], poststart: [rec('poststart')] };
      }));
      const r = ws.runts(['create', id]);
      assert.equal(r.status, 1);
      assert.match(r.stderr, new RegExp(`${kind}\\[1\\] /bin/sh: exit status 3: broken hook`));
      assert.deepEqual(seen().map((x) => x.kind), [kind], 'the first hook ran, nothing after the failure');
      const pid = seen()[0]!.state.pid!;
      const alive = existsSync(`/proc/${pid}`) && !/^State:\s+Z/m.test(readFileSync(`/proc/${pid}/status`, 'utf8'));
      assert.ok(!alive, `init ${pid} left running`);
      nothingLeft(id);
    });
  }

  it('kills a hook at its timeout and says so', () => {
    const id = ws.id();
    ws.writeSpec(ws.spec(['true'], (s) => {
      s.hooks = { createRuntime: [{ path: '/bin/sleep', args: ['sleep', '20'], timeout: 1 }] };
    }));
    const t0 = Date.now();
    const r = ws.runts(['create', id]);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /createRuntime\[0\] \/bin\/sleep: timed out after 1 s/);
    assert.ok(Date.now() - t0 < 5000, 'the timeout was honoured');
    nothingLeft(id);
  });

  it('a hook that cannot be executed fails create with the exec error and leaves nothing behind', () => {
    // The CLI spawns runtime-namespace hooks itself: the child's failed execve comes back
    // as the spawn's error (EACCES for a file without x, ENOEXEC for one that is no program).
    const noX = join(ws.dir, 'not-executable.sh');
    writeFileSync(noX, '#!/bin/sh\nexit 0\n');
    chmodSync(noX, 0o644);
    const noProgram = join(ws.dir, 'not-a-program');
    writeFileSync(noProgram, 'just text\n');
    chmodSync(noProgram, 0o755);
    for (const [path, err] of [[noX, /EACCES: permission denied/], [noProgram, /ENOEXEC: exec format error/]] as const) {
      const id = ws.id();
      ws.writeSpec(ws.spec(['true'], (s) => {
        s.hooks = { createRuntime: [{ path }] };
      }));
      const r = ws.runts(['create', id]);
      assert.equal(r.status, 1, r.stderr);
      assert.match(r.stderr, new RegExp(`createRuntime\\[0\\] ${path.replace(/[.]/g, '\\.')}: `));
      assert.match(r.stderr, err);
      assert.equal(r.stderr.trim().split('\n').length, 1, `one line: ${r.stderr}`);
      nothingLeft(id);
    }
  });

  it('a timed-out createContainer hook (run by the init) is killed too', () => {
    const id = ws.id();
    ws.writeSpec(ws.spec(['true'], (s) => {
      s.hooks = { createContainer: [{ path: '/bin/sleep', args: ['sleep', '20'], timeout: 1 }] };
    }));
    const r = ws.runts(['run', id]);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /createContainer\[0\] \/bin\/sleep: timed out after 1 s/);
    nothingLeft(id);
  });

  it('a failing startContainer hook fails start', () => {
    const id = ws.id();
    ws.writeSpec(ws.spec(['sleep', '30'], (s) => {
      s.hooks = { startContainer: [{ path: '/bin/false' }] };
    }));
    assert.equal(ws.runts(['create', id]).status, 0);
    const r = ws.runts(['start', id]);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /startContainer hook failed/);
    assert.equal(stateOf(ws, id).status, 'stopped');
    assert.equal(ws.runts(['delete', id]).status, 0);
  });

  it('a failing startContainer hook fails run with its index and path', () => {
    const id = ws.id();
    ws.writeSpec(ws.spec(['true'], (s) => {
      s.hooks = { startContainer: [{ path: '/bin/true' }, { path: '/bin/false' }] };
    }));
    const r = ws.runts(['run', id]);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /startContainer\[1\] \/bin\/false: exit status 1/);
    nothingLeft(id);
  });

  it('a failing poststart hook stops the container with an error', () => {
    const id = ws.id();
    ws.writeSpec(ws.spec(['sleep', '30'], (s) => {
      s.hooks = { poststart: [{ path: '/bin/false' }] };
    }));
    assert.equal(ws.runts(['create', id]).status, 0);
    const r = ws.runts(['start', id]);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /poststart\[0\] \/bin\/false: exit status 1/);
    assert.equal(stateOf(ws, id).status, 'stopped');
    assert.equal(ws.runts(['delete', id]).status, 0);
  });

  it('a failing poststop hook is a warning: delete still removes the container', () => {
    reset();
    const id = ws.id();
    ws.writeSpec(ws.spec(['true'], (s) => {
      s.hooks = { poststop: [{ path: '/bin/false' }, rec('poststop')] };
    }));
    assert.equal(ws.runts(['create', id]).status, 0);
    const r = ws.runts(['delete', '--force', id]);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stderr, /poststop\[0\] \/bin\/false: exit status 1/);
    assert.deepEqual(seen().map((x) => x.kind), ['poststop'], 'the next poststop hook still ran');
    nothingLeft(id);
  });

  it('hooks get their env, not the runtime one, when env is given', () => {
    reset();
    const id = ws.id();
    const out = join(ws.dir, 'env.txt');
    ws.writeSpec(ws.spec(['true'], (s) => {
      s.hooks = { createRuntime: [{ path: '/bin/sh', args: ['sh', '-c', `env > ${out}`], env: ['HOOKVAR=42'] }] };
    }));
    assert.equal(ws.runts(['run', id]).status, 0);
    const env = readFileSync(out, 'utf8').split('\n').filter((l) => l && !l.startsWith('PWD=') && !l.startsWith('SHLVL=') && !l.startsWith('_='));
    assert.deepEqual(env, ['HOOKVAR=42']);
  });

  it('costs nothing without hooks (timing printed)', () => {
    const median = (f: () => void) => {
      const t: number[] = [];
      for (let i = 0; i < 5; i++) {
        const t0 = process.hrtime.bigint();
        f();
        t.push(Number(process.hrtime.bigint() - t0) / 1e6);
      }
      return t.sort((a, b) => a - b)[2]!;
    };
    const runOnce = (hooks: boolean) => () => {
      const id = ws.id();
      ws.writeSpec(ws.spec(['true'], (s) => {
        if (hooks) s.hooks = { createRuntime: [{ path: '/bin/true' }], createContainer: [{ path: '/bin/true' }] };
      }));
      assert.equal(ws.runts(['run', id]).status, 0);
    };
    const without = median(runOnce(false));
    const withHooks = median(runOnce(true));
    console.log(`# run median: ${without.toFixed(1)} ms without hooks, ${withHooks.toFixed(1)} ms with createRuntime + createContainer`);
    assert.ok(withHooks > 0 && without > 0);
  });
});
