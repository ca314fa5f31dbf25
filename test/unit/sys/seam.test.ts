import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve, posix } from 'node:path';
import fc from 'fast-check';
import * as sysPath from '../../../src/sys/path.js';

const SRC = resolve(import.meta.dirname, '../../../../src');

function tsFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? tsFiles(p) : p.endsWith('.ts') ? [p] : [];
  });
}

/** Files outside src/sys that still reach Node directly (the migration's to-do list; it only shrinks). */
const NOT_YET: string[] = [
];

describe('host seam (DESIGN.md §2b)', () => {
  it('only src/sys/ imports node:* modules', () => {
    const offenders = tsFiles(SRC)
      .map((f) => relative(resolve(SRC, '..'), f))
      .filter((f) => !f.startsWith('src/sys/'))
      .filter((f) => /(from\s+|require\(|import\(|getBuiltinModule\()\s*['"]node:/.test(readFileSync(resolve(SRC, '..', f), 'utf8')))
      .sort();
    assert.deepEqual(offenders, [...NOT_YET].sort(), 'a file outside src/sys/ imports node:* (use src/sys), or NOT_YET lists a file that no longer does');
  });
});

describe('src/sys/path', () => {
  // '.x', 'x.', '..x' and 'a.b' are ordinary names next to '.' and '..' (path.ts's fast path tells them apart).
  const seg = fc.constantFrom('a', 'b', '.', '..', '', 'c d', '...', '.x', 'x.', '..x', 'a.b', 'cgroup.procs');
  const pathArb = fc.tuple(fc.boolean(), fc.array(seg, { maxLength: 6 }), fc.boolean()).map(([abs, s, trail]) => `${abs ? '/' : ''}${s.join('/')}${trail ? '/' : ''}`);

  it('normalize, join, dirname, basename, isAbsolute match node:path (posix)', () => {
    fc.assert(
      fc.property(pathArb, pathArb, (a, b) => {
        assert.equal(sysPath.normalize(a), posix.normalize(a), `normalize(${JSON.stringify(a)})`);
        assert.equal(sysPath.join(a, b), posix.join(a, b), `join(${JSON.stringify(a)}, ${JSON.stringify(b)})`);
        assert.equal(sysPath.isAbsolute(a), posix.isAbsolute(a));
        assert.equal(sysPath.dirname(a), posix.dirname(a), `dirname(${JSON.stringify(a)})`);
        assert.equal(sysPath.basename(a), posix.basename(a), `basename(${JSON.stringify(a)})`);
      }),
      { numRuns: 2000 },
    );
  });

  it('join, normalize and resolve match node:path on the edge cases of the fast path', () => {
    const cases = ['', '/', '//', '///a', 'a//b', '.', '..', './', '../', '/.', '/..', '/./', 'a/.', 'a/..', 'a/./b', 'a/../b',
      '.a', '/.a', 'a/.b/', '..a', 'a..', 'a./b', '/a/b/', '/a/b', 'a/', 'a', '/sys/fs/cgroup/cpu,cpuacct/x.slice/cgroup.procs'];
    for (const a of cases) {
      assert.equal(sysPath.normalize(a), posix.normalize(a), `normalize(${JSON.stringify(a)})`);
      assert.equal(sysPath.resolve(a), posix.resolve(a), `resolve(${JSON.stringify(a)})`);
      assert.equal(sysPath.join(a), posix.join(a), `join(${JSON.stringify(a)})`);
      for (const b of cases) {
        assert.equal(sysPath.join(a, b), posix.join(a, b), `join(${JSON.stringify(a)}, ${JSON.stringify(b)})`);
        assert.equal(sysPath.join(a, b, a), posix.join(a, b, a), `join(${JSON.stringify([a, b, a])})`);
        assert.equal(sysPath.resolve('/r', a, b), posix.resolve('/r', a, b), `resolve(${JSON.stringify(['/r', a, b])})`);
      }
    }
    assert.equal(sysPath.join(), posix.join());
    assert.equal(sysPath.join('', ''), posix.join('', ''));
    assert.equal(sysPath.resolve(), posix.resolve());
  });

  it('resolve matches node:path (from the working directory)', () => {
    fc.assert(
      fc.property(fc.array(pathArb, { maxLength: 3 }), (parts) => {
        assert.equal(sysPath.resolve(...parts), posix.resolve(...parts), `resolve(${JSON.stringify(parts)})`);
      }),
      { numRuns: 1000 },
    );
  });
});
