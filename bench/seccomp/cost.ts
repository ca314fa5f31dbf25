/**
 * Seccomp cost on the TypeScript side for Docker's default profile (validation, plan,
 * digest, encoding), and the plan file bench/seccomp/cost.c measures the shim with.
 * Usage: node dist/bench/seccomp/cost.js PLAN_OUT CACHE_DIR [PROFILE]
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { release } from 'node:os';
import { encodePlan } from '../../src/plan/encode.js';
import { seccompPlan } from '../../src/plan/seccomp.js';
import { emptyPlan } from '../../src/plan/types.js';
import { defaultSpec } from '../../src/spec/defaults.js';
import { seccompFromProfile, type SeccompProfile } from '../../src/spec/seccomp-profile.js';
import { checkSpec } from '../../src/spec/validate.js';

const [out, cacheDir, profilePath = '/usr/share/containers/seccomp.json'] = process.argv.slice(2);
const spec = defaultSpec();
const profile = JSON.parse(readFileSync(profilePath, 'utf8')) as SeccompProfile;
spec.linux!.seccomp = seccompFromProfile(profile, { capabilities: spec.process!.capabilities!.bounding!, arch: process.arch, kernel: release() });

function median(fn: () => void, runs = 200): number {
  for (let i = 0; i < 20; i++) fn();
  const t: number[] = [];
  for (let i = 0; i < runs; i++) {
    const a = process.hrtime.bigint();
    fn();
    t.push(Number(process.hrtime.bigint() - a) / 1e6);
  }
  return t.sort((a, b) => a - b)[runs >> 1]!;
}
const specNo = structuredClone(spec);
delete specNo.linux!.seccomp;
const withSc = median(() => checkSpec(spec, { bundle: '/' }));
const without = median(() => checkSpec(specNo, { bundle: '/' }));
const opts = { id: 'bench', bundle: '/', cacheDir };
const plan = median(() => seccompPlan(spec.linux!.seccomp, opts));
const p = { ...emptyPlan(), mode: 1, rootfs: '/', args: ['true'], cwd: '/', seccomp: seccompPlan(spec.linux!.seccomp, opts) };
const enc = median(() => encodePlan(p)) - median(() => encodePlan({ ...p, seccomp: undefined }));
console.log(`profile: ${profilePath}, ${spec.linux!.seccomp!.syscalls!.length} rules`);
console.log(`validate linux.seccomp:               ${(withSc - without).toFixed(3)} ms`);
console.log(`seccompPlan (numbers, digest):        ${plan.toFixed(3)} ms`);
console.log(`encode the SECCOMP group:             ${enc.toFixed(3)} ms`);
writeFileSync(out!, encodePlan(p));
