// series.ts — API answers turned into the rows Recharts draws.
import { formatTime } from '../../lib/format';
import { cpcNumber, unitsOf } from './units';
import type { IncomeBucket, ProviderStats, ServerStats } from './types';

/** One chart row of a server's load. null where the minute or hour had no sample (a gap in the line). */
export interface LoadRow {
  t: number;
  gpu: number | null;
  cpu: number | null;
  ram_gb: number | null;
  temp_c: number | null;
}

/** The ranges the load charts offer: `to` is now, `from` this much before, at this step. */
export const LOAD_RANGES = {
  '1h': { label: 'Last hour', ms: 3_600_000, step: 'minute' },
  '24h': { label: 'Last 24 hours', ms: 86_400_000, step: 'minute' },
  '7d': { label: 'Last 7 days', ms: 7 * 86_400_000, step: 'hour' },
  '30d': { label: 'Last 30 days', ms: 30 * 86_400_000, step: 'hour' },
} as const;
export type LoadRange = keyof typeof LOAD_RANGES;

/** The query of GET /provider/servers/{id}/stats for a range ending at `now` (whole minutes, so
 * one answer per minute at most). */
export function loadQuery(range: LoadRange, now: number): { from: number; to: number; step: 'minute' | 'hour' } {
  const r = LOAD_RANGES[range];
  const to = Math.ceil(now / 60_000) * 60_000;
  return { from: to - r.ms, to, step: r.step };
}

/**
 * The stats answer as chart rows: one row per minute (or hour) slot of
 * [from_ms, to_ms); slots without a sample hold nulls, so the lines break
 * where the worker was silent instead of drawing across the gap. RAM in GB
 * (one decimal), loads in percent clamped to 0..100.
 */
export function loadRows(s: ServerStats): LoadRow[] {
  const unit = s.step === 'hour' ? 3_600_000 : 60_000;
  const byT = new Map(s.points.map((p) => [p.t_ms, p]));
  const rows: LoadRow[] = [];
  const first = Math.ceil(s.from_ms / unit) * unit;
  // Never more slots than the API's 2,000 points allow (a bad answer cannot make the page loop long).
  const slots = Math.min(Math.max(0, Math.ceil((s.to_ms - first) / unit)), 2000);
  const pct = (v: number) => Math.round(Math.min(100, Math.max(0, v)) * 10) / 10;
  for (let i = 0; i < slots; i++) {
    const t = first + i * unit;
    const p = byT.get(t);
    rows.push(
      p
        ? { t, gpu: pct(p.gpu), cpu: pct(p.cpu), ram_gb: Math.round((p.ram_mb / 1024) * 10) / 10, temp_c: Math.round(p.temp_c * 10) / 10 }
        : { t, gpu: null, cpu: null, ram_gb: null, temp_c: null },
    );
  }
  // Points off the grid (should not happen) are still shown, in time order.
  const onGrid = new Set(rows.map((r) => r.t));
  for (const p of s.points)
    if (!onGrid.has(p.t_ms) && p.t_ms >= s.from_ms && p.t_ms < s.to_ms)
      rows.push({ t: p.t_ms, gpu: pct(p.gpu), cpu: pct(p.cpu), ram_gb: Math.round((p.ram_mb / 1024) * 10) / 10, temp_c: Math.round(p.temp_c * 10) / 10 });
  return rows.sort((a, b) => a.t - b.t);
}

/** The latest sample of a series, or undefined. */
export function latestPoint(s: ServerStats | undefined) {
  return s && s.points.length ? s.points[s.points.length - 1] : undefined;
}

/** The time axis' tick text for a step: "16:05" for minutes, "12-06 16h" for hours. */
export function tickLabel(t: number, step: 'minute' | 'hour'): string {
  const full = formatTime(t); // "2026-12-06 16:05:00 UTC"
  return step === 'minute' ? full.slice(11, 16) : `${full.slice(5, 10)} ${full.slice(11, 13)}h`;
}

export type IncomeGroup = 'day' | 'week' | 'month';

export interface IncomeRow {
  label: string;
  /** display only (inexact beyond 2^53 base units) */
  cpc: number;
  /** exact base units */
  amount: string;
  from_ms: number;
  to_ms: number;
}

/** The income buckets of one grouping as chart rows, oldest first. */
export function incomeRows(stats: ProviderStats, group: IncomeGroup): IncomeRow[] {
  const list: IncomeBucket[] = group === 'day' ? stats.income.by_day : group === 'week' ? stats.income.by_week : stats.income.by_month;
  return [...list]
    .sort((a, b) => a.from_ms - b.from_ms)
    .map((b) => ({ label: b[group] ?? '', cpc: cpcNumber(b.amount), amount: unitsOf(b.amount), from_ms: b.from_ms, to_ms: b.to_ms }));
}

/** The exact sum of the rows' amounts in base units. */
export function incomeTotal(rows: IncomeRow[]): string {
  return rows.reduce((s, r) => s + BigInt(r.amount), 0n).toString();
}
