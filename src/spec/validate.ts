/**
 * config.json validation: every problem, each with its JSON path, never only the
 * first; warnings (accepted but worth logging, as runc logs them) come separately.
 * Validation is total: any JSON value (or any JS value) gives problems, never an
 * exception. Unknown fields are ignored, as the runtime-spec requires.
 *
 * Section checks live in validate-linux.ts, validate-resources.ts, validate-seccomp.ts;
 * the type checks they share in check.ts.
 */

import { invalid, type Problem } from '../errors.js';
import type { Spec } from './types.js';
import { CAPABILITY_SETS, capMask } from './capabilities.js';
import { parseMountOptions } from './mount-options.js';
import { normaliseSpec } from './normalise.js';
import { checkRlimits } from './rlimits.js';
import { checkLinux, checkMappings, lacks, namespaceMap, type NamespaceMap } from './validate-linux.js';
import {
  bool, cpuList, field, id, int, key, list, MAX_UINT32, obj, Report, str, strList, strMap, type JsonObject,
} from './check.js';

/** Oldest runtime-spec version we accept. */
export const MIN_SPEC_VERSION = '1.0.0';
/** Newest runtime-spec version we accept (a config may not use features we do not know). */
export const MAX_SPEC_VERSION = '1.3.0';

/** Options of {@link validateSpec} (and of the internal checkSpec). */
export interface ValidateOptions {
  /**
   * `process` must be present (true for create/run; false for a config only used for
   * its other sections). Default true.
   */
  requireProcess?: boolean;
  /** The bundle directory, when known: must be absolute (root.path and bind sources are relative to it). */
  bundle?: string;
  /**
   * The caller hands the config over (nothing else holds it: it was just parsed): it is
   * normalised in place rather than copied, in the same walk as the depth check. The
   * result is the same as without it (for a config nested too deep to check, which is
   * invalid, some null members may already be gone). @internal
   */
  owned?: boolean;
}

/** Problems and warnings of a config. */
export interface CheckResult {
  /** The config is invalid when this is not empty. */
  problems: Problem[];
  /** Accepted, but the caller should log these (unknown capabilities, ignored fields). */
  warnings: Problem[];
  /**
   * The config as runc reads it (normalise.ts: nulls dropped, relative mount
   * destinations made absolute ...): what the caller must go on with when it is valid.
   */
  spec: unknown;
}

/** Check a parsed config.json, as runc reads it (normalise.ts). Never throws. */
export function checkSpec(spec: unknown, opts: ValidateOptions = {}): CheckResult {
  const r = new Report();
  let normal = spec;
  try {
    // Depth first: the spec is stored (JSON.stringify recurses) and walked, and no valid
    // config comes near this depth.
    const deep = nestedTooDeep(spec, opts.owned === true);
    if (deep !== undefined) r.problem(deep, `nested more than ${MAX_DEPTH} levels deep`);
    else {
      const n = normaliseSpec(spec, opts.owned === true);
      normal = n.spec;
      r.warnings.push(...n.warnings);
      walk(r, normal, opts);
    }
  } catch (err) {
    // Only an exotic JS value (a Proxy, a throwing getter) can get here, never parsed JSON.
    r.problem('', `config could not be validated: ${String((err as Error)?.message ?? err)}`);
  }
  return { problems: r.problems, warnings: r.warnings, spec: normal };
}

/** Deepest nesting of objects and arrays a config may have (a real one has fewer than 10). */
export const MAX_DEPTH = 64;

/**
 * The JSON path of the first value nested deeper than MAX_DEPTH, if any (iterative: no
 * recursion). With `dropNullMembers`, object members whose value is null are deleted on
 * the way (normaliseSpec's dropNulls, in place).
 */
function nestedTooDeep(root: unknown, dropNullMembers = false): string | undefined {
  // A cheap pass without paths (this runs on every create); the path of the offending
  // value is worked out only for a config that is too deep.
  if (root === null || typeof root !== 'object') return undefined;
  const stack: unknown[] = [root];
  const depths: number[] = [0];
  while (stack.length > 0) {
    const v = stack.pop() as object;
    const depth = depths.pop()!;
    if (depth >= MAX_DEPTH) return pathTo(root, v);
    if (dropNullMembers && !Array.isArray(v)) {
      const o = v as Record<string, unknown>;
      for (const k of Object.keys(o)) {
        const x = o[k];
        if (x === null) delete o[k];
        else if (typeof x === 'object') {
          stack.push(x);
          depths.push(depth + 1);
        }
      }
      continue;
    }
    for (const x of Array.isArray(v) ? v : Object.values(v)) {
      if (x !== null && typeof x === 'object') {
        stack.push(x);
        depths.push(depth + 1);
      }
    }
  }
  return undefined;
}

/** The JSON path of `target` inside `root` (found depth first). */
function pathTo(root: unknown, target: unknown): string {
  const stack: Array<[unknown, string]> = [[root, '']];
  for (let item = stack.pop(); item; item = stack.pop()) {
    const [v, path] = item;
    if (v === target) return path;
    if (v === null || typeof v !== 'object') continue;
    if (Array.isArray(v)) v.forEach((x, i) => stack.push([x, `${path}[${i}]`]));
    else for (const [k, x] of Object.entries(v)) stack.push([x, key(path, k)]);
  }
  return '';
}

/** The problems of a parsed config.json (empty when valid). Never throws. */
export function validateSpec(spec: unknown, opts: ValidateOptions = {}): Problem[] {
  return checkSpec(spec, opts).problems;
}

/**
 * Throw an EINVALID RuntsError listing every problem unless `spec` is valid (warnings are
 * dropped: use checkSpec to log them). A config runc tolerates only after normalisation
 * (a null member, a relative mount destination) passes: use checkSpec's `spec` to go on.
 */
export function assertValidSpec(spec: unknown, opts: ValidateOptions = {}): asserts spec is Spec {
  const { problems } = checkSpec(spec, opts);
  if (problems.length > 0) throw invalid(problems);
}

function walk(r: Report, v: unknown, opts: ValidateOptions): void {
  if (opts.bundle !== undefined) str(r, opts.bundle, 'bundle', { absolute: true });
  const spec = obj(r, v, '', { required: true });
  if (!spec) return;
  const get = (k: string) => field(spec, k);
  const ns = namespaceMap(get('linux'));

  checkVersion(r, get('ociVersion'));

  const root = obj(r, get('root'), 'root', { required: true });
  if (root) {
    str(r, field(root, 'path'), 'root.path', { required: true, nonEmpty: true });
    bool(r, field(root, 'readonly'), 'root.readonly');
  }

  const process = obj(r, get('process'), 'process', { required: opts.requireProcess ?? true });
  if (process) checkProcess(r, process);

  for (const k of ['hostname', 'domainname']) {
    const name = str(r, get(k), k);
    if (name && lacks(ns, 'uts')) r.problem(k, `setting the ${k} needs a uts namespace in linux.namespaces`);
  }

  list(r, get('mounts'), 'mounts', (m, p) => checkMount(r, m, p, ns));
  checkHooks(r, get('hooks'));

  const annotations = strMap(r, get('annotations'), 'annotations');
  if (annotations && Object.prototype.hasOwnProperty.call(annotations, '')) {
    r.problem('annotations[""]', 'annotation keys must not be empty');
  }

  checkLinux(r, get('linux'), ns);
}

const SEMVER = /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(-[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?(\+[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?$/;

/** Compare two semver strings that match SEMVER; pre-release versions sort before their release. */
function compareVersions(a: RegExpExecArray, b: RegExpExecArray): number {
  for (let i = 1; i <= 3; i++) {
    const d = Number(a[i]) - Number(b[i]);
    if (d !== 0) return Math.sign(d);
  }
  if (!a[4] === !b[4]) return 0; // pre-release order does not matter for our bounds
  return a[4] ? -1 : 1;
}

function checkVersion(r: Report, v: unknown): void {
  const version = str(r, v, 'ociVersion', { required: true });
  if (version === undefined) return;
  const m = SEMVER.exec(version);
  if (!m) {
    r.problem('ociVersion', `${JSON.stringify(version)} is not a semantic version such as 1.2.0`);
    return;
  }
  const min = SEMVER.exec(MIN_SPEC_VERSION)!;
  const max = SEMVER.exec(MAX_SPEC_VERSION)!;
  if (compareVersions(m, min) < 0 || compareVersions(m, max) > 0) {
    r.problem('ociVersion', `unsupported version ${version}: supported versions are ${MIN_SPEC_VERSION} to ${MAX_SPEC_VERSION}`);
  }
}

const SCHED_POLICIES = ['SCHED_OTHER', 'SCHED_FIFO', 'SCHED_RR', 'SCHED_BATCH', 'SCHED_ISO', 'SCHED_IDLE', 'SCHED_DEADLINE'];
const SCHED_FLAGS = [
  'SCHED_FLAG_RESET_ON_FORK', 'SCHED_FLAG_RECLAIM', 'SCHED_FLAG_DL_OVERRUN', 'SCHED_FLAG_KEEP_POLICY',
  'SCHED_FLAG_KEEP_PARAMS', 'SCHED_FLAG_UTIL_CLAMP_MIN', 'SCHED_FLAG_UTIL_CLAMP_MAX',
];

function checkProcess(r: Report, p: JsonObject): void {
  const get = (k: string) => field(p, k);
  const at = (k: string) => key('process', k);

  bool(r, get('terminal'), at('terminal'));
  const size = obj(r, get('consoleSize'), at('consoleSize'));
  if (size) {
    int(r, field(size, 'height'), key(at('consoleSize'), 'height'), { required: true, min: 0, max: 0xffff });
    int(r, field(size, 'width'), key(at('consoleSize'), 'width'), { required: true, min: 0, max: 0xffff });
  }

  // Both optional, as with runc (uid 0, gid 0: see fillProcessDefaults).
  const user = obj(r, get('user'), at('user'));
  if (user) {
    const u = at('user');
    id(r, field(user, 'uid'), key(u, 'uid'));
    id(r, field(user, 'gid'), key(u, 'gid'));
    int(r, field(user, 'umask'), key(u, 'umask'), { min: 0, max: 0o777 });
    list(r, field(user, 'additionalGids'), key(u, 'additionalGids'), (g, q) => id(r, g, q, { required: true }));
    str(r, field(user, 'username'), key(u, 'username'));
  }

  const args = get('args');
  strList(r, args, at('args'), { required: true, nonEmpty: true });
  if (Array.isArray(args) && args[0] === '') {
    r.problem('process.args[0]', 'the program to run must not be empty');
  }
  str(r, get('commandLine'), at('commandLine'));
  checkEnv(r, get('env'), at('env'));
  str(r, get('cwd'), at('cwd'), { required: true, absolute: true });

  const caps = obj(r, get('capabilities'), at('capabilities'));
  if (caps) {
    for (const set of CAPABILITY_SETS) {
      const v = field(caps, set);
      if (v === undefined) continue;
      const res = capMask(v, key(at('capabilities'), set));
      r.problems.push(...res.problems);
      for (const name of res.unknown) {
        r.warn(key(at('capabilities'), set), `unknown capability ${name} is ignored`);
      }
    }
  }

  checkRlimits(r, get('rlimits'), at('rlimits'));
  bool(r, get('noNewPrivileges'), at('noNewPrivileges'));
  str(r, get('apparmorProfile'), at('apparmorProfile'));
  int(r, get('oomScoreAdj'), at('oomScoreAdj'), { min: -1000, max: 1000 });
  str(r, get('selinuxLabel'), at('selinuxLabel'));

  const sched = obj(r, get('scheduler'), at('scheduler'));
  if (sched) checkScheduler(r, sched, at('scheduler'));

  const io = obj(r, get('ioPriority'), at('ioPriority'));
  if (io) {
    str(r, field(io, 'class'), key(at('ioPriority'), 'class'), {
      required: true, oneOf: ['IOPRIO_CLASS_RT', 'IOPRIO_CLASS_BE', 'IOPRIO_CLASS_IDLE'],
    });
    int(r, field(io, 'priority'), key(at('ioPriority'), 'priority'), { min: 0, max: 7 });
  }

  const aff = obj(r, get('execCPUAffinity'), at('execCPUAffinity'));
  if (aff) {
    for (const k of ['initial', 'final']) {
      const s = str(r, field(aff, k), key(at('execCPUAffinity'), k));
      if (s) cpuList(r, s, key(at('execCPUAffinity'), k), 'CPU');
    }
  }
}

/** runc's scheduler rules (sched_setattr(2)). */
function checkScheduler(r: Report, s: JsonObject, path: string): void {
  const at = (k: string) => key(path, k);
  const policy = str(r, field(s, 'policy'), at('policy'), { required: true, oneOf: SCHED_POLICIES });
  int(r, field(s, 'nice'), at('nice'), { min: -20, max: 19 });
  const priority = int(r, field(s, 'priority'), at('priority'), { min: 0, max: 99 });
  strList(r, field(s, 'flags'), at('flags'), { oneOf: SCHED_FLAGS });
  const dl = ['runtime', 'deadline', 'period'].map((k) => int(r, field(s, k), at(k), { min: 0 }));
  if (policy === undefined) return;
  if (priority && policy !== 'SCHED_FIFO' && policy !== 'SCHED_RR') {
    r.problem(at('priority'), 'a priority can only be set for the SCHED_FIFO and SCHED_RR policies');
  }
  if (policy !== 'SCHED_DEADLINE' && dl.some((x) => x)) {
    r.problem(path, 'runtime, deadline and period can only be set for the SCHED_DEADLINE policy');
  }
}

function checkMount(r: Report, m: unknown, p: string, ns: NamespaceMap | undefined): unknown {
  const o = obj(r, m, p, { required: true });
  if (!o) return undefined;
  str(r, field(o, 'destination'), key(p, 'destination'), { required: true, absolute: true });
  str(r, field(o, 'type'), key(p, 'type'));
  str(r, field(o, 'source'), key(p, 'source'));
  const options = strList(r, field(o, 'options'), key(p, 'options'));
  const parsed = options ? parseMountOptions(options, key(p, 'options')) : undefined;
  if (parsed) r.problems.push(...parsed.problems);
  // tmpcopyup fills a new tmpfs from the rootfs (native/copyup.c): meaningless on anything else.
  if (parsed?.tmpcopyup && field(o, 'type') !== 'tmpfs') {
    r.problem(`${key(p, 'options')}[${options!.indexOf('tmpcopyup')}]`, 'mount option tmpcopyup is only supported on tmpfs mounts');
  }

  const uidMaps = field(o, 'uidMappings');
  const gidMaps = field(o, 'gidMappings');
  checkMappings(r, uidMaps, key(p, 'uidMappings'));
  checkMappings(r, gidMaps, key(p, 'gidMappings'));
  const hasMaps = uidMaps !== undefined || gidMaps !== undefined;
  if ((uidMaps === undefined) !== (gidMaps === undefined)) {
    r.problem(p, 'an id-mapped mount needs both uidMappings and gidMappings');
  }
  if ((hasMaps || parsed?.idmap || parsed?.ridmap) && parsed?.bind !== true) {
    r.problem(key(p, 'options'), 'id-mapped mounts are only supported for bind mounts: add bind or rbind');
  }
  if ((parsed?.idmap || parsed?.ridmap) && !hasMaps && lacks(ns, 'user')) {
    r.problem(key(p, 'options'), 'idmap without uidMappings/gidMappings needs a user namespace to take them from');
  }
  return o;
}

const HOOK_KINDS = ['prestart', 'createRuntime', 'createContainer', 'startContainer', 'poststart', 'poststop'];

function checkHooks(r: Report, v: unknown): void {
  const hooks = obj(r, v, 'hooks');
  if (!hooks) return;
  for (const kind of HOOK_KINDS) {
    list(r, field(hooks, kind), key('hooks', kind), (h, p) => {
      const o = obj(r, h, p, { required: true });
      if (!o) return undefined;
      str(r, field(o, 'path'), key(p, 'path'), { required: true, absolute: true });
      strList(r, field(o, 'args'), key(p, 'args'));
      checkEnv(r, field(o, 'env'), key(p, 'env'));
      int(r, field(o, 'timeout'), key(p, 'timeout'), { min: 1, max: MAX_UINT32 });
      return o;
    });
  }
}

/** An environment list: strings of the form KEY=value with a non-empty KEY. */
function checkEnv(r: Report, v: unknown, path: string): void {
  list(r, v, path, (e, q) => {
    const s = str(r, e, q, { required: true });
    if (s !== undefined && s.indexOf('=') < 1) r.problem(q, `expected KEY=value, got ${JSON.stringify(s)}`);
    return s;
  });
}
