import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { Problem } from '../../../src/errors.js';
import { checkSpec, validateSpec } from '../../../src/spec/validate.js';
import { base, type Loose } from './helpers.js';

/** `a`, `a.b`, `a[0]`, `a["x.y"]`, or the empty path for the root. */
const PATH = /^(?:|(?:[A-Za-z_$][\w$]*|\[(?:\d+|"(?:[^"\\]|\\.)*")\])(?:\.[A-Za-z_$][\w$]*|\[(?:\d+|"(?:[^"\\]|\\.)*")\])*)$/;

function wellFormed(problems: Problem[]): void {
  for (const p of problems) {
    assert.equal(typeof p.path, 'string');
    assert.match(p.path, PATH, `malformed path ${JSON.stringify(p.path)}`);
    assert.equal(typeof p.message, 'string');
    assert.ok(p.message.length > 0);
    assert.ok(!p.message.endsWith('.'), `trailing period: ${p.message}`);
  }
}

/** Every path (as key lists) inside a JSON value, including the root. */
function allPaths(v: unknown, prefix: (string | number)[] = []): (string | number)[][] {
  const out = [prefix];
  if (Array.isArray(v)) v.forEach((x, i) => out.push(...allPaths(x, [...prefix, i])));
  else if (typeof v === 'object' && v !== null) for (const [k, x] of Object.entries(v)) out.push(...allPaths(x, [...prefix, k]));
  return out;
}

function setAt(root: Loose, path: (string | number)[], value: unknown, remove: boolean): Loose {
  if (path.length === 0) return value;
  let o = root;
  for (const k of path.slice(0, -1)) o = o[k];
  const last = path[path.length - 1]!;
  if (remove) {
    if (Array.isArray(o)) o.splice(last as number, 1);
    else delete o[last];
  } else {
    o[last] = value;
  }
  return root;
}

const PATHS = allPaths(base());
const ROOTLESS_PATHS = allPaths(base({ rootless: true }));

test('validateSpec never throws on arbitrary JSON, and paths are well-formed', () => {
  fc.assert(fc.property(fc.jsonValue(), (v) => {
    const r = checkSpec(v);
    wellFormed(r.problems);
    wellFormed(r.warnings);
  }), { numRuns: 500 });
});

test('validateSpec never throws on arbitrary JS values', () => {
  fc.assert(fc.property(fc.anything({ withNullPrototype: true, withBigInt: true, withMap: true, withSet: true, withTypedArray: true, withSparseArray: true, withBoxedValues: true, withObjectString: true }), (v) => {
    wellFormed(validateSpec(v));
  }), { numRuns: 500 });
});

test('validateSpec never throws on mutations of the default spec', () => {
  const mutation = fc.record({
    rootless: fc.boolean(),
    edits: fc.array(fc.record({ at: fc.nat(), value: fc.jsonValue({ maxDepth: 3 }), remove: fc.boolean() }), { minLength: 1, maxLength: 5 }),
  });
  fc.assert(fc.property(mutation, ({ rootless, edits }) => {
    let spec: Loose = base({ rootless });
    for (const e of edits) {
      const paths = allPaths(spec);
      const path = paths[e.at % paths.length]!;
      spec = setAt(spec, path, e.value, e.remove && path.length > 0);
    }
    const r = checkSpec(spec);
    wellFormed(r.problems);
    wellFormed(r.warnings);
  }), { numRuns: 1000 });
  assert.ok(PATHS.length > 50 && ROOTLESS_PATHS.length > 50);
});

test('owned: normalising in place gives what the copy gives (problems, warnings, config, key order)', () => {
  // The CLI hands checkSpec its freshly parsed config (ValidateOptions.owned): nulls are
  // dropped in the depth walk and nothing is copied. Same answers as the copying path.
  const same = (spec: unknown, sameConfig = true) => {
    const text = JSON.stringify(spec);
    const copied = checkSpec(JSON.parse(text));
    const owned = checkSpec(JSON.parse(text), { owned: true });
    assert.deepEqual(owned.problems, copied.problems);
    assert.deepEqual(owned.warnings, copied.warnings);
    if (sameConfig) assert.equal(JSON.stringify(owned.spec), JSON.stringify(copied.spec));
  };
  fc.assert(fc.property(fc.jsonValue(), (v) => same(v)), { numRuns: 300 });
  const mutation = fc.array(fc.record({ at: fc.nat(), value: fc.oneof(fc.constant(null), fc.jsonValue({ maxDepth: 3 })), remove: fc.boolean() }), { minLength: 1, maxLength: 6 });
  fc.assert(fc.property(fc.boolean(), mutation, (rootless, edits) => {
    let spec: Loose = base({ rootless });
    for (const e of edits) {
      const paths = allPaths(spec);
      const path = paths[e.at % paths.length]!;
      spec = setAt(spec, path, e.value, e.remove && path.length > 0);
    }
    same(spec);
  }), { numRuns: 500 });
  // Too deep: the same problem (the config, invalid, may have lost null members on the way).
  let deep: Loose = { ociVersion: '1.0.2', a: null };
  for (let i = 0; i < 80; i++) deep = { x: deep, n: null };
  same(deep, false);
  // A relative mount destination and a namespace path "" are still normalised.
  const s = base();
  s.mounts.push({ destination: 'rel', type: 'tmpfs', source: 'tmpfs', options: null });
  s.linux.namespaces[0].path = '';
  same(s);
  const owned = checkSpec(s, { owned: true }).spec as Loose;
  assert.equal(owned, s, 'owned: the same object comes back');
  assert.equal(owned.mounts.at(-1).destination, '/rel');
  assert.ok(!('options' in owned.mounts.at(-1)));
});

test('replacing any single leaf or section of the default spec with a wrong type is reported at or above that path', () => {
  // Every field of the default spec is typed; a value of another JSON type there must be a problem.
  for (const path of PATHS) {
    if (path.length === 0) continue;
    const original = path.reduce((o: Loose, k) => o[k], base());
    const wrong = typeof original === 'string' ? 42 : 'wrong';
    const spec = setAt(base(), path, wrong, false);
    const problems = validateSpec(spec);
    const dotted = path.map((k) => (typeof k === 'number' ? `[${k}]` : `.${k}`)).join('').replace(/^\./, '');
    assert.ok(problems.length > 0, `no problem for ${dotted} = ${JSON.stringify(wrong)}`);
    assert.ok(problems.some((p) => dotted.startsWith(p.path)), `${dotted}: ${JSON.stringify(problems)}`);
  }
});

test('hostile shapes: deep nesting, huge arrays, prototype keys', () => {
  let deep: Loose = {};
  for (let i = 0; i < 100_000; i++) deep = { linux: deep, process: [deep] };
  assert.ok(validateSpec(deep).length > 0);
  const huge = base();
  huge.process.args = new Array(200_000).fill(1);
  const problems = validateSpec(huge);
  assert.equal(problems.length, 200_000);
  assert.equal(problems[199_999]!.path, 'process.args[199999]');
  const proto = JSON.parse('{"__proto__": {"root": {"path": "x"}}, "constructor": 1, "ociVersion": "1.0.0"}');
  assert.deepEqual(validateSpec(proto).map((p) => p.path), ['root', 'process']);
  const inherited = Object.create(base());
  assert.deepEqual(validateSpec(inherited).map((p) => p.path), ['ociVersion', 'root', 'process']);
});
