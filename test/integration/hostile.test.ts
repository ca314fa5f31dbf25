/**
 * Hostile input through the CLI: malformed, huge and deeply nested configs, wrong types,
 * negative and overflowing numbers, unknown names, relative and `..` paths, symlinked
 * or missing rootfs, vanishing mount sources, hostile ids. Each one must give a clear
 * error naming what is wrong, exit status 1, and leave nothing: no state dir, no
 * cgroup named like the id, no mount, no process.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Runtime } from '../../src/runtime.js';
import { RuntsError } from '../../src/errors.js';
import type { Spec } from '../../src/spec/types.js';
import { SHIM, SKIP_NOT_ROOT, cgroupsNamed, initsUnder, mountsUnder, rootfs, workspace, type Workspace } from './helpers.js';

type Json = Record<string, any>;

describe('hostile input: clear error, exit 1, nothing created', { skip: SKIP_NOT_ROOT }, () => {
  let ws: Workspace;
  let tried = 0;
  before(() => {
    ws = workspace('hostile');
  });
  after(() => {
    ws.cleanup();
    console.log(`# hostile inputs tried: ${tried}`);
  });

  function nothingCreated(id: string) {
    assert.ok(!existsSync(join(ws.root, id)), `state dir of ${id} left`);
    if (existsSync(ws.root)) assert.deepEqual(readdirSync(ws.root).filter((n) => !n.startsWith('.')), [], 'state root not empty');
    assert.deepEqual(mountsUnder(ws.dir), [], 'mounts left');
    assert.deepEqual(cgroupsNamed(id), [], 'cgroups left');
    assert.deepEqual(initsUnder(ws.dir, rootfs()), [], 'processes left');
  }

  /** Write `text` as config.json, run create, expect exit 1 with stderr matching every pattern. */
  function refuse(text: string | Buffer, patterns: RegExp[], id = ws.id()): string {
    tried++;
    writeFileSync(join(ws.bundle, 'config.json'), text);
    const r = ws.runts(['create', id]);
    assert.equal(r.status, 1, `exit status for ${id}: ${r.stderr}`);
    for (const p of patterns) assert.match(r.stderr, p);
    assert.doesNotMatch(r.stderr, /\bat .*\.js:\d+|TypeError|RangeError|Maximum call stack/, 'a crash, not a clear error');
    nothingCreated(id);
    return r.stderr;
  }

  function withSpec(edit: (s: Json) => void): string {
    const s = ws.spec(['true']) as unknown as Json;
    edit(s);
    return JSON.stringify(s);
  }

  it('malformed JSON, not an object, empty, binary garbage', () => {
    refuse('{"ociVersion": "1.0.2", "process": {', [/config\.json/]);
    refuse('[1, 2, 3]', [/expected an object, got array/]);
    refuse('', [/config\.json/]);
    refuse('null', [/expected an object, got null/]);
    refuse(Buffer.from([0xff, 0xfe, 0x00, 0x7b, 0x00, 0x22, 0x80]), [/config\.json/]);
    refuse('"just a string"', [/expected an object, got string/]);
  });

  it('a 100 MB config is refused before it is read', () => {
    const s = ws.spec(['true']);
    s.annotations = { big: 'x'.repeat(100 * 1024 * 1024) };
    const text = JSON.stringify(s);
    assert.ok(text.length > 100 * 1024 * 1024);
    refuse(text, [/config\.json: too large \(\d+ bytes, at most 16777216\)/]);
  });

  it('deep nesting (100 000 levels) in an unknown field, in arrays, in a known field', () => {
    const deep = (n: number) => '{"a":'.repeat(n) + '1' + '}'.repeat(n);
    refuse(withSpec((s) => (s['x'] = '@@')).replace('"@@"', deep(100_000)), [/x\.a\.a.*: nested more than 64 levels deep/]);
    refuse('['.repeat(200_000) + ']'.repeat(200_000), [/expected an object, got array|nested more than 64/]);
    refuse(withSpec((s) => (s.linux.resources = '@@')).replace('"@@"', deep(1000)), [/linux\.resources.*nested more than 64 levels deep/]);
  });

  it('wrong types name each field', () => {
    refuse(withSpec((s) => {
      s.process.args = 'sh';
      s.process.env = [1, 2];
      s.process.terminal = 'yes';
      s.linux.namespaces = 5;
      s.mounts = {};
      s.hostname = 7;
      s.root = 'rootfs';
    }), [/process\.args: expected an array, got string/, /process\.env\[0\]/, /process\.terminal/, /linux\.namespaces: expected an array/, /mounts: expected an array/, /hostname/, /root: expected an object/]);
  });

  it('negative and overflowing numbers', () => {
    refuse(withSpec((s) => {
      s.process.user.uid = -1;
      s.process.user.gid = 2 ** 40;
      s.process.rlimits = [{ type: 'RLIMIT_NOFILE', soft: -1, hard: 2 ** 70 }];
      s.process.oomScoreAdj = 5000;
      s.linux.resources = { pids: { limit: 1.5 }, cpu: { shares: -1, quota: 2 ** 64 }, memory: { limit: 1e300 } };
    }), [/process\.user\.uid: must not be negative/, /process\.user\.gid: must be at most 4294967295/, /process\.rlimits\[0\]\.soft/, /process\.rlimits\[0\]\.hard/,
      /process\.oomScoreAdj: must be at most 1000/, /linux\.resources\.cpu\.shares/, /linux\.resources\.cpu\.quota/, /linux\.resources\.memory\.limit/, /linux\.resources\.pids\.limit/]);
  });

  it('unknown rlimit, namespace, mount option names and a capability that is not a string', () => {
    refuse(withSpec((s) => {
      s.process.rlimits = [{ type: 'RLIMIT_BOGUS', soft: 1, hard: 1 }];
      s.linux.namespaces.push({ type: 'bogus' });
      s.process.capabilities.bounding.push(42);
    }), [/process\.rlimits\[0\]\.type: unknown rlimit type "RLIMIT_BOGUS"/, /linux\.namespaces\[\d+\]/, /process\.capabilities\.bounding/]);
  });

  it('a well-formed but unknown capability is ignored with a warning, as runc does (newer specs name newer capabilities)', () => {
    tried++;
    const id = ws.id();
    ws.writeSpec(ws.spec(['true'], (s) => s.process!.capabilities!.bounding!.push('CAP_FROM_THE_FUTURE')));
    const r = ws.runts(['create', id]);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stderr, /warning: process\.capabilities\.bounding: unknown capability CAP_FROM_THE_FUTURE is ignored/);
    assert.equal(ws.runts(['delete', '--force', id]).status, 0);
    nothingCreated(id);
  });

  it('unknown signal names for kill are refused, naming the signal', () => {
    tried += 3;
    const id = ws.id();
    ws.writeSpec(ws.spec(['sleep', '100']));
    assert.equal(ws.runts(['create', id]).status, 0);
    try {
      for (const sig of ['SIGBOGUS', 'KILLME', '99999999999']) {
        const r = ws.runts(['kill', id, sig]);
        assert.equal(r.status, 1, `kill ${sig}`);
        assert.match(r.stderr, new RegExp(`signal.*${sig}|${sig}.*signal`, 'i'));
      }
      assert.equal(JSON.parse(ws.runts(['state', id]).stdout).status, 'created');
    } finally {
      ws.runts(['delete', '--force', id]);
    }
    nothingCreated(id);
  });

  it('relative and .. paths', () => {
    refuse(withSpec((s) => (s.process.cwd = 'relative/dir')), [/process\.cwd/]);
    // (a relative destination is taken relative to /, as runc: compat-config.test.ts)
    refuse(withSpec((s) => s.mounts.push({ destination: '', type: 'tmpfs', source: 'tmpfs' })), [/mounts\[\d+\]\.destination: must be an absolute path/]);
    refuse(withSpec((s) => (s.root.path = '../../../no/such/rootfs')), [/root\.path: \/no\/such\/rootfs: does not exist/]);
    refuse(withSpec((s) => (s.root.path = '')), [/root\.path/]);
  });

  it('a rootfs that is a symlink, a file, or missing', () => {
    const link = join(ws.bundle, 'rootlink');
    symlinkSync(ws.spec([]).root!.path, link);
    refuse(withSpec((s) => (s.root.path = 'rootlink')), [/root\.path: .*rootlink: is or passes through a symlink/]);
    writeFileSync(join(ws.bundle, 'afile'), 'x');
    refuse(withSpec((s) => (s.root.path = 'afile')), [/root\.path: .*afile: not a directory/]);
    symlinkSync('/nonexistent/target', join(ws.bundle, 'dangling'));
    refuse(withSpec((s) => (s.root.path = 'dangling')), [/root\.path: .*dangling: does not exist/]);
  });

  it('a bind mount whose source vanished', () => {
    const src = join(ws.dir, 'vanishing');
    mkdirSync(src);
    const text = withSpec((s) => s.mounts.push({ destination: '/mnt', type: 'bind', source: src, options: ['bind'] }));
    rmSync(src, { recursive: true });
    refuse(text, [new RegExp(`${src}.*no such file or directory`)]);
  });

  it('hostile ids', () => {
    ws.writeSpec(ws.spec(['true']));
    const ids: Array<[string, RegExp]> = [
      ['a/b', /invalid format/], ['../escape', /invalid format/], ['..', /invalid format/], ['.', /invalid format/],
      ['a\x01b', /invalid format/], ['-flag', /invalid format|flag/], ['a'.repeat(1024), /too long \(1024 characters, at most 255\)/],
      ['a'.repeat(256), /too long \(256 characters, at most 255\)/], ['\u00e9t\u00e9', /invalid format/], [' ', /invalid format/],
    ];
    for (const [id, re] of ids) {
      tried++;
      const r = ws.runts(['create', '--', id]);
      assert.equal(r.status, 1, `id ${JSON.stringify(id)}: ${r.stderr}`);
      assert.match(r.stderr, re);
      assert.ok(!existsSync(ws.root) || readdirSync(ws.root).filter((n) => !n.startsWith('.')).length === 0, `something created for ${JSON.stringify(id)}`);
      for (const verb of [['state', id], ['delete', id]]) {
        const v = ws.runts(verb);
        assert.equal(v.status, 1, `${verb[0]} ${JSON.stringify(id)}`);
      }
    }
    // The longest valid id works end to end.
    const longest = 'b'.repeat(255);
    assert.equal(ws.runts(['create', longest]).status, 0);
    assert.equal(ws.runts(['delete', '--force', longest]).status, 0);
    nothingCreated(longest);
  });

  it('the library refuses ids with NUL, slash and .. (EINVALID), creating nothing', async () => {
    const rt = new Runtime({ root: ws.root, shimPath: SHIM });
    const spec = ws.spec(['true']) as Spec;
    for (const id of ['a\0b', 'a/b', '..', '', 'x'.repeat(1024)]) {
      tried++;
      await assert.rejects(rt.create(id, spec, { bundle: ws.bundle }), (e: unknown) => e instanceof RuntsError && e.code === 'EINVALID' && /container id/.test(e.message));
      assert.throws(() => rt.load(id), (e: unknown) => e instanceof RuntsError && e.code === 'EINVALID');
    }
    assert.ok(!existsSync(ws.root) || readdirSync(ws.root).filter((n) => !n.startsWith('.')).length === 0);
  });
});
