import { describe, expect, it } from 'vitest';
import { incomeRows, incomeTotal, loadQuery, loadRows, tickLabel } from './series';
import type { ProviderStats, ServerStats } from './types';

const T0 = Date.UTC(2026, 11, 6, 16, 0, 0);

describe('loadRows', () => {
  it('puts each point in its minute and leaves gaps as nulls', () => {
    const s: ServerStats = {
      server_id: 'x', from_ms: T0, to_ms: T0 + 4 * 60_000, step: 'minute',
      points: [
        { t_ms: T0, cpu: 12.345, gpu: 150, ram_mb: 2048, temp_c: 61.04, uptime_s: 10 },
        { t_ms: T0 + 2 * 60_000, cpu: -1, gpu: 50, ram_mb: 1536, temp_c: 70, uptime_s: 130 },
      ],
    };
    expect(loadRows(s)).toEqual([
      { t: T0, gpu: 100, cpu: 12.3, ram_gb: 2, temp_c: 61 },
      { t: T0 + 60_000, gpu: null, cpu: null, ram_gb: null, temp_c: null },
      { t: T0 + 120_000, gpu: 50, cpu: 0, ram_gb: 1.5, temp_c: 70 },
      { t: T0 + 180_000, gpu: null, cpu: null, ram_gb: null, temp_c: null },
    ]);
  });
  it('uses hour slots from a from_ms that is not on the hour', () => {
    const s: ServerStats = { server_id: 'x', from_ms: T0 - 1, to_ms: T0 + 2 * 3_600_000, step: 'hour', points: [{ t_ms: T0 + 3_600_000, cpu: 1, gpu: 2, ram_mb: 0, temp_c: 3, uptime_s: 4, samples: 60 }] };
    const rows = loadRows(s);
    expect(rows.map((r) => r.t)).toEqual([T0, T0 + 3_600_000]);
    expect(rows[1].gpu).toBe(2);
  });
  it('caps the slots at 2000 and is empty for an empty range', () => {
    expect(loadRows({ server_id: 'x', from_ms: 0, to_ms: 10 ** 12, step: 'minute', points: [] })).toHaveLength(2000);
    expect(loadRows({ server_id: 'x', from_ms: T0, to_ms: T0, step: 'minute', points: [] })).toEqual([]);
  });
});

describe('loadQuery', () => {
  it('ends on the next whole minute and picks the step', () => {
    expect(loadQuery('1h', T0 + 1)).toEqual({ from: T0 + 60_000 - 3_600_000, to: T0 + 60_000, step: 'minute' });
    expect(loadQuery('7d', T0)).toEqual({ from: T0 - 7 * 86_400_000, to: T0, step: 'hour' });
  });
});

describe('tickLabel', () => {
  it('reads in UTC', () => {
    expect(tickLabel(T0 + 5 * 60_000, 'minute')).toBe('16:05');
    expect(tickLabel(T0, 'hour')).toBe('12-06 16h');
  });
});

describe('incomeRows', () => {
  const stats = {
    income: {
      by_day: [
        { day: '2026-12-06', from_ms: 2, to_ms: 3, amount: 1_500_000_000 },
        { day: '2026-12-05', from_ms: 1, to_ms: 2, amount: 7 },
      ],
      by_week: [{ week: '2026-W49', from_ms: 0, to_ms: 9, amount: 1_500_000_007 }],
      by_month: [],
    },
  } as unknown as ProviderStats;
  it('orders buckets and keeps the exact amounts', () => {
    const rows = incomeRows(stats, 'day');
    expect(rows.map((r) => r.label)).toEqual(['2026-12-05', '2026-12-06']);
    expect(rows[1]).toMatchObject({ cpc: 1.5, amount: '1500000000' });
    expect(incomeTotal(rows)).toBe('1500000007');
    expect(incomeRows(stats, 'week')[0].label).toBe('2026-W49');
    expect(incomeRows(stats, 'month')).toEqual([]);
  });
});
