import { describe, expect, it } from 'vitest';
import { cpcForChart, csvFileName, financeSeries, lastDays, periodOf } from './finance';
import type { FinanceAnswer } from '../types';

const answer: FinanceAnswer = {
  from_ms: Date.UTC(2026, 10, 30),
  to_ms: Date.UTC(2026, 11, 2),
  group: 'day',
  treasury: { address: 'cpc1treasury', balance: 5, balance_cpc: '0.000000005' },
  totals: { minutes: 90, gross: 3_000_000_000, provider_income: 2_700_000_000, commission: 300_000_000, payouts: 0, payouts_pending: 0, payouts_pending_count: 0 },
  buckets: [
    { day: '2026-11-30', from_ms: Date.UTC(2026, 10, 30), to_ms: Date.UTC(2026, 11, 1), minutes: 60, gross: 2_000_000_000, provider_income: 1_800_000_000, commission: 200_000_000, payouts: 1_500_000_000 },
    { day: '2026-12-01', from_ms: Date.UTC(2026, 11, 1), to_ms: Date.UTC(2026, 11, 2), minutes: 30, gross: '1000000000', provider_income: '900000000', commission: '100000000', payouts: 0 },
  ],
  rentals_counted: 2,
  rentals_truncated: false,
};

describe('finance series', () => {
  it('turns buckets into chart points in CPC with the exact units kept', () => {
    const s = financeSeries(answer);
    expect(s.map((p) => p.period)).toEqual(['2026-11-30', '2026-12-01']);
    expect(s[0]).toMatchObject({ gross: 2, provider_income: 1.8, commission: 0.2, payouts: 1.5, minutes: 60 });
    expect(s[1].units.commission).toBe('100000000');
    expect(s[1].commission).toBeCloseTo(0.1);
  });

  it('labels weeks and months by their key', () => {
    const s = financeSeries({ ...answer, group: 'week', buckets: [{ ...answer.buckets[0], day: undefined, week: '2026-W49' }] });
    expect(s[0].period).toBe('2026-W49');
  });

  it('converts big amounts without losing the integer part', () => {
    expect(cpcForChart('123456789012345678901')).toBeCloseTo(123456789012.345678901, 3);
    expect(cpcForChart(0)).toBe(0);
  });
});

describe('period and CSV name', () => {
  it('takes both days inclusive, UTC', () => {
    expect(periodOf('2026-11-01', '2026-11-30')).toEqual({ from_ms: Date.UTC(2026, 10, 1), to_ms: Date.UTC(2026, 11, 1) });
    expect(() => periodOf('2026-11-31', '2026-12-01')).toThrow(/^from:/);
    expect(() => periodOf('2026-12-02', '2026-12-01')).toThrow(/^to:/);
  });

  it('names the file by the days it covers', () => {
    const p = periodOf('2026-11-01', '2026-11-30');
    expect(csvFileName(p, 'day')).toBe('computechain-revenue-2026-11-01-to-2026-11-30-by-day.csv');
    expect(csvFileName({ from_ms: p.from_ms, to_ms: p.from_ms + 86_400_000 }, 'month')).toBe('computechain-revenue-2026-11-01-to-2026-11-01-by-month.csv');
  });

  it('defaults to the last 30 days', () => {
    expect(lastDays(Date.UTC(2026, 11, 6, 16, 0))).toEqual({ from: '2026-11-07', to: '2026-12-06' });
  });
});
