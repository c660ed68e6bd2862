// finance.ts — GET /admin/finance as chart series, the period the page asks
// for, and the name of the revenue CSV it saves.
import { formatDate } from '../../../lib/format';
import type { Amount, FinanceAnswer, FinanceBucket, FinanceGroup } from '../types';

const DAY_MS = 86_400_000;
const UNIT = 1_000_000_000n;

/** Base units -> CPC as a float, for plotting only (labels use formatCpc on the exact amount). */
export function cpcForChart(units: Amount): number {
  const b = BigInt(typeof units === 'number' ? Math.trunc(units) : units);
  return Number(b / UNIT) + Number(b % UNIT) / 1e9;
}

export interface FinancePoint {
  /** the bucket's label: "2026-12-01", "2026-W49", "2026-12" */
  period: string;
  from_ms: number;
  minutes: number;
  gross: number;
  provider_income: number;
  commission: number;
  payouts: number;
  /** the exact amounts, for tooltips */
  units: Pick<FinanceBucket, 'gross' | 'provider_income' | 'commission' | 'payouts'>;
}

export function bucketLabel(b: FinanceBucket, group: FinanceGroup): string {
  return b[group] ?? b.day ?? b.week ?? b.month ?? formatDate(b.from_ms);
}

export function financeSeries(f: FinanceAnswer): FinancePoint[] {
  return f.buckets.map((b) => ({
    period: bucketLabel(b, f.group),
    from_ms: b.from_ms,
    minutes: b.minutes,
    gross: cpcForChart(b.gross),
    provider_income: cpcForChart(b.provider_income),
    commission: cpcForChart(b.commission),
    payouts: cpcForChart(b.payouts),
    units: { gross: b.gross, provider_income: b.provider_income, commission: b.commission, payouts: b.payouts },
  }));
}

export interface Period {
  from_ms: number;
  to_ms: number;
}

/** "2026-11-01" .. "2026-11-30" (both days included, UTC) -> [from, to) in ms; throws RangeError naming the field. */
export function periodOf(fromDay: string, toDay: string): Period {
  const day = (s: string, field: string) => {
    const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(s);
    const ms = m ? Date.UTC(+m[1], +m[2] - 1, +m[3]) : NaN;
    if (!Number.isFinite(ms) || formatDate(ms) !== s) throw new RangeError(`${field}: a date such as 2026-12-01`);
    return ms;
  };
  const from_ms = day(fromDay, 'from');
  const to_ms = day(toDay, 'to') + DAY_MS;
  if (to_ms <= from_ms) throw new RangeError('to: on or after the first day');
  return { from_ms, to_ms };
}

/** The 30 days up to today (UTC) as the date inputs show them. */
export function lastDays(now: number, days = 30): { from: string; to: string } {
  const today = Math.floor(now / DAY_MS) * DAY_MS;
  return { from: formatDate(today - (days - 1) * DAY_MS), to: formatDate(today) };
}

/** "computechain-revenue-2026-11-01-to-2026-11-30-by-day.csv" (the last day included). */
export function csvFileName(p: Period, group: FinanceGroup): string {
  return `computechain-revenue-${formatDate(p.from_ms)}-to-${formatDate(p.to_ms - 1)}-by-${group}.csv`;
}
