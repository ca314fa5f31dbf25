/**
 * The short soak of the suite (the long one is `make soak`): 100 create/start/delete
 * cycles and 20 exec cycles in this process; no cgroup, mount, fd, zombie, state file
 * or container process may be left, and memory must stay flat.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { soak, summary } from '../soak/soak.js';
import { SKIP_NOT_ROOT } from './helpers.js';

describe('soak (short)', { skip: SKIP_NOT_ROOT }, () => {
  it('100 lifecycle cycles and 20 exec cycles leak nothing', async () => {
    const r = await soak({ cycles: 100, execCycles: 20 });
    console.log(`# ${summary(r)}`);
    assert.deepEqual(r.leaks, []);
    assert.ok(r.rssAfterMb - r.rssBeforeMb < 32, `RSS grew ${r.rssBeforeMb.toFixed(1)} -> ${r.rssAfterMb.toFixed(1)} MB`);
  });
});
