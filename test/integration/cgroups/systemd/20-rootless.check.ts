import assert from 'node:assert/strict';
export function check(runts: string, runc: string, stderr: string): void {
  assert.fail(`--- runts\n${runts}\n--- runc\n${runc}\n${stderr}`);
}
