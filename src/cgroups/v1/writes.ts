/**
 * linux.resources → cgroup v1 file writes, per controller group. Pure; see ../resources.ts.
 */
import { checkMemory, checkRange, checkShares, deviceRules, dev, hugetlb, isInt, limitOk, P, pidsValue, policyOf, rdma, throttles, type Writers } from '../checks.js';
import { devicesTransition, parseDevicesList } from '../devices.js';

export const V1: Writers = {
  cpuset(c) {
    if (c.r.cpu!.cpus) c.w('cpuset.cpus', c.r.cpu!.cpus, `${P}.cpu.cpus`);
    if (c.r.cpu!.mems) c.w('cpuset.mems', c.r.cpu!.mems, `${P}.cpu.mems`);
  },
  memory(c) {
    const m = c.r.memory!;
    let { limit, swap } = checkMemory(c);
    // As runc: lifting the memory limit with no swap value lifts memsw too.
    if (limit === -1 && swap === undefined && c.facts.memsw !== false) swap = -1;
    const wl = () => limit !== undefined && c.w('memory.limit_in_bytes', String(limit), `${P}.memory.limit`);
    const ws = () => swap !== undefined && c.w('memory.memsw.limit_in_bytes', String(swap), `${P}.memory.swap`);
    // The kernel keeps limit <= memsw at every step: when memsw grows past the current
    // limit (or goes unlimited), write it first; otherwise the limit first.
    const cur = c.facts.memoryLimit ?? Number.MAX_SAFE_INTEGER;
    if (limit !== undefined && swap !== undefined && (swap === -1 || cur < swap)) { ws(); wl(); } else { wl(); ws(); }
    if (limitOk(c, `${P}.memory.reservation`, m.reservation)) c.w('memory.soft_limit_in_bytes', String(m.reservation), `${P}.memory.reservation`);
    if (checkRange(c, `${P}.memory.swappiness`, m.swappiness, 0, 100)) c.w('memory.swappiness', String(m.swappiness), `${P}.memory.swappiness`);
    if (m.disableOOMKiller !== undefined) c.w('memory.oom_control', m.disableOOMKiller ? '1' : '0', `${P}.memory.disableOOMKiller`);
  },
  cpu(c) {
    const cpu = c.r.cpu!;
    const shares = checkShares(c);
    // The kernel refuses cpu.shares while the group is idle: leaving idle goes first,
    // entering it last (so `idle: 0` plus shares works on an idle group).
    const idle = checkRange(c, `${P}.cpu.idle`, cpu.idle, 0, 1);
    if (idle && cpu.idle === 0) c.w('cpu.idle', '0', `${P}.cpu.idle`);
    if (shares) c.w('cpu.shares', String(shares), `${P}.cpu.shares`);
    const quota = cpu.quota;
    const qok = quota !== undefined && quota !== 0 && (isInt(quota) && quota >= -1 ? true : (c.problem(`${P}.cpu.quota`, `${quota} is not a quota in microseconds or -1`), false));
    // Period and burst may be refused (EINVAL) until the quota is written: retry after it.
    if (checkRange(c, `${P}.cpu.period`, cpu.period || undefined, 1000, 1000000)) c.w('cpu.cfs_period_us', String(cpu.period), `${P}.cpu.period`, qok ? { retry: true } : {});
    if (checkRange(c, `${P}.cpu.burst`, cpu.burst, 0, Number.MAX_SAFE_INTEGER)) c.w('cpu.cfs_burst_us', String(cpu.burst), `${P}.cpu.burst`, qok ? { retry: true } : {});
    if (qok) c.w('cpu.cfs_quota_us', String(quota), `${P}.cpu.quota`);
    // The kernel keeps runtime/period within the parent's share at every write: a shorter
    // period under the current runtime is refused (EINVAL) until the runtime shrinks, so
    // the period is retried after the runtime when both are given (as runc does).
    const rtRun = cpu.realtimeRuntime !== undefined && cpu.realtimeRuntime !== 0 && checkRange(c, `${P}.cpu.realtimeRuntime`, cpu.realtimeRuntime, -1, Number.MAX_SAFE_INTEGER);
    if (checkRange(c, `${P}.cpu.realtimePeriod`, cpu.realtimePeriod || undefined, 1, Number.MAX_SAFE_INTEGER)) c.w('cpu.rt_period_us', String(cpu.realtimePeriod), `${P}.cpu.realtimePeriod`, rtRun ? { retry: true } : {});
    if (rtRun) c.w('cpu.rt_runtime_us', String(cpu.realtimeRuntime), `${P}.cpu.realtimeRuntime`);
    if (idle && cpu.idle === 1) c.w('cpu.idle', '1', `${P}.cpu.idle`);
  },
  pids(c) {
    const v = pidsValue(c);
    if (v) c.w('pids.max', v, `${P}.pids.limit`);
  },
  blkio(c) {
    const b = c.r.blockIO!;
    const bfq = c.facts.bfq === true;
    const wf = bfq ? 'blkio.bfq.weight' : 'blkio.weight';
    const min = bfq ? 1 : 10;
    if (b.weight !== undefined && b.weight !== 0 && checkRange(c, `${P}.blockIO.weight`, b.weight, min, 1000)) c.w(wf, String(b.weight), `${P}.blockIO.weight`);
    if (b.leafWeight !== undefined && b.leafWeight !== 0 && checkRange(c, `${P}.blockIO.leafWeight`, b.leafWeight, 10, 1000)) c.w('blkio.leaf_weight', String(b.leafWeight), `${P}.blockIO.leafWeight`);
    (b.weightDevice ?? []).forEach((d, i) => {
      const f = `${P}.blockIO.weightDevice[${i}]`;
      if (d.weight !== undefined && checkRange(c, `${f}.weight`, d.weight, min, 1000)) c.w(`${wf}_device`, `${dev(d)} ${d.weight}`, `${f}.weight`);
      if (d.leafWeight !== undefined && checkRange(c, `${f}.leafWeight`, d.leafWeight, 10, 1000)) c.w('blkio.leaf_weight_device', `${dev(d)} ${d.leafWeight}`, `${f}.leafWeight`);
    });
    const files = { throttleReadBpsDevice: 'read_bps_device', throttleWriteBpsDevice: 'write_bps_device', throttleReadIOPSDevice: 'read_iops_device', throttleWriteIOPSDevice: 'write_iops_device' };
    throttles(c, (list, t, f) => c.w(`blkio.throttle.${files[list]}`, `${dev(t)} ${t.rate}`, f));
  },
  hugetlb(c) {
    hugetlb(c, 'limit_in_bytes', 'rsvd.limit_in_bytes');
  },
  net_cls(c) {
    const id = c.r.network!.classID!;
    if (checkRange(c, `${P}.network.classID`, id, 0, 0xffffffff)) c.w('net_cls.classid', String(id), `${P}.network.classID`);
  },
  net_prio(c) {
    c.r.network!.priorities!.forEach((p, i) => {
      const f = `${P}.network.priorities[${i}]`;
      if (!/^[^\s/]+$/.test(p.name ?? '')) return c.problem(`${f}.name`, 'not an interface name');
      if (checkRange(c, `${f}.priority`, p.priority, 0, 0xffffffff)) c.w('net_prio.ifpriomap', `${p.name} ${p.priority}`, f);
    });
  },
  rdma,
  devices(c) {
    const rules = deviceRules(c);
    if (!rules) return;
    const current = parseDevicesList(c.facts.devicesList ?? 'a *:* rwm');
    for (const d of devicesTransition(current, policyOf(rules))) c.w(d.file, d.value, `${P}.devices`);
  },
  unified(c) {
    c.problem(`${P}.unified`, 'needs cgroup v2 (the host uses cgroup v1)');
  },
};
