/** Test helpers for the spec validators: a mutable default spec and problem matching. */
import assert from 'node:assert/strict';
import type { Problem } from '../../../src/errors.js';
import { defaultSpec } from '../../../src/spec/defaults.js';
import { checkSpec, validateSpec } from '../../../src/spec/validate.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Loose = any;

/** A deep copy of the default spec, as loose JSON to mutate freely. */
export function base(opts: Parameters<typeof defaultSpec>[0] = {}): Loose {
  return JSON.parse(JSON.stringify(defaultSpec(opts)));
}

/** Validate `base()` after `edit`. */
export function problemsAfter(edit: (s: Loose) => void, opts?: Parameters<typeof defaultSpec>[0]): Problem[] {
  const s = base(opts);
  edit(s);
  return validateSpec(s);
}

/** Warnings of `base()` after `edit`. */
export function warningsAfter(edit: (s: Loose) => void): Problem[] {
  const s = base();
  edit(s);
  return checkSpec(s).warnings;
}

/** Assert that `edit` makes exactly one problem, at `path`, with a message matching `message`. */
export function fails(edit: (s: Loose) => void, path: string, message: RegExp, opts?: Parameters<typeof defaultSpec>[0]): void {
  const problems = problemsAfter(edit, opts);
  assert.equal(problems.length, 1, `expected one problem at ${path}, got ${JSON.stringify(problems)}`);
  assert.equal(problems[0]!.path, path);
  assert.match(problems[0]!.message, message);
  assert.ok(!problems[0]!.message.endsWith('.'), 'no trailing period');
  assert.equal(problems[0]!.message[0], problems[0]!.message[0]!.toLowerCase(), 'lower-case message');
}

/** Assert that `edit` leaves the spec valid. */
export function passes(edit: (s: Loose) => void, opts?: Parameters<typeof defaultSpec>[0]): void {
  assert.deepEqual(problemsAfter(edit, opts), []);
}
