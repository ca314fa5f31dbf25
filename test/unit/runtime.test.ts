/**
 * The package ships its init shim for linux-x64 only: elsewhere a Runtime without an
 * explicit shimPath is refused at once with a clear error (EUNSUPPORTED).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Runtime } from '../../src/runtime.js';
import { RuntsError } from '../../src/errors.js';

function withPlatform<T>(platform: string, arch: string, fn: () => T): T {
  const p = Object.getOwnPropertyDescriptor(process, 'platform')!;
  const a = Object.getOwnPropertyDescriptor(process, 'arch')!;
  Object.defineProperty(process, 'platform', { value: platform, configurable: true });
  Object.defineProperty(process, 'arch', { value: arch, configurable: true });
  try {
    return fn();
  } finally {
    Object.defineProperty(process, 'platform', p);
    Object.defineProperty(process, 'arch', a);
  }
}

describe('Runtime: the bundled shim', () => {
  for (const [platform, arch] of [['darwin', 'arm64'], ['linux', 'arm64'], ['win32', 'x64']] as const) {
    it(`is refused on ${platform}-${arch} without shimPath`, () => {
      withPlatform(platform, arch, () => {
        assert.throws(() => new Runtime({ root: '/tmp/x', rootless: false }), (e: unknown) =>
          e instanceof RuntsError && e.code === 'EUNSUPPORTED' && e.message.includes(`linux-x64 only, not ${platform}-${arch}`) && e.message.includes('shimPath'));
        assert.equal(new Runtime({ root: '/tmp/x', rootless: false, shimPath: '/opt/runts-init' }).config.shimPath, '/opt/runts-init');
      });
    });
  }
  it('is used on linux-x64', () => {
    withPlatform('linux', 'x64', () => assert.match(new Runtime({ root: '/tmp/x', rootless: false }).config.shimPath, /native\/build\/runts-init$/));
  });
});
