import { describe, expect, it } from 'vitest';
import { formatAgo, formatCpc, formatDate, formatDuration, formatPercent, formatTime, parseCpc, shortHash } from './format';

describe('formatCpc', () => {
  it('shows base units as CPC with grouping and trimmed decimals', () => {
    expect(formatCpc('100000000000')).toBe('100 CPC');
    expect(formatCpc('1234567890123')).toBe('1,234.567890123 CPC');
    expect(formatCpc('1500000000')).toBe('1.5 CPC');
    expect(formatCpc('1')).toBe('0.000000001 CPC');
    expect(formatCpc('0')).toBe('0 CPC');
    expect(formatCpc(-2500000000)).toBe('-2.5 CPC');
    expect(formatCpc(10n ** 9n * 7n, { unit: false })).toBe('7');
  });

  it('keeps every digit of amounts above 2^53', () => {
    expect(formatCpc('18446744073709551615')).toBe('18,446,744,073.709551615 CPC');
  });

  it('rounds down to maxFrac decimals', () => {
    expect(formatCpc('1999999999', { maxFrac: 2 })).toBe('1.99 CPC');
    expect(formatCpc('1000000001', { maxFrac: 4 })).toBe('1 CPC');
  });

  it('refuses what is not an integer of base units', () => {
    expect(() => formatCpc('1.5')).toThrow(RangeError);
    expect(() => formatCpc('abc')).toThrow(RangeError);
    expect(() => formatCpc(0.5)).toThrow(RangeError);
    expect(() => formatCpc(Number.NaN)).toThrow(RangeError);
  });

  it('shows a JSON number above 2^53 as it arrived, not an error', () => {
    expect(formatCpc(2 ** 60)).toBe('1,152,921,504.606846976 CPC');
  });
});

describe('parseCpc', () => {
  it('turns typed CPC into base units', () => {
    expect(parseCpc('12.5')).toBe('12500000000');
    expect(parseCpc(' 1,000 ')).toBe('1000000000000');
    expect(parseCpc('.5')).toBe('500000000');
    expect(parseCpc('0.000000001')).toBe('1');
    expect(parseCpc('7.')).toBe('7000000000');
  });

  it('round-trips with formatCpc', () => {
    for (const v of ['1', '999999999', '123456789012345678']) expect(parseCpc(formatCpc(v, { unit: false }))).toBe(v);
  });

  it('says what is wrong', () => {
    expect(() => parseCpc('')).toThrow('enter an amount');
    expect(() => parseCpc('-1')).toThrow('enter an amount');
    expect(() => parseCpc('1e5')).toThrow('enter an amount');
    expect(() => parseCpc('0.0000000001')).toThrow('at most 9 decimals');
    expect(() => parseCpc('18446744074')).toThrow('too large');
  });
});

describe('dates', () => {
  const t = Date.UTC(2026, 11, 6, 16, 4, 5);
  it('shows UTC times and dates', () => {
    expect(formatTime(t)).toBe('2026-12-06 16:04:05 UTC');
    expect(formatDate(t)).toBe('2026-12-06');
    expect(formatTime(null)).toBe('—');
    expect(formatTime(Number.NaN)).toBe('—');
  });

  it('says how long ago', () => {
    expect(formatAgo(t, t + 500)).toBe('just now');
    expect(formatAgo(t, t + 42_000)).toBe('42 s ago');
    expect(formatAgo(t, t + 5 * 60_000 + 10)).toBe('5 min ago');
    expect(formatAgo(t, t + 3 * 3600_000)).toBe('3 h ago');
    expect(formatAgo(t, t + 2 * 86400_000)).toBe('2 d ago');
    expect(formatAgo(t + 90_000, t)).toBe('in 1 min');
  });

  it('formats durations', () => {
    expect(formatDuration(45)).toBe('45 s');
    expect(formatDuration(200)).toBe('3 min 20 s');
    expect(formatDuration(3900)).toBe('1 h 05 min');
    expect(formatDuration(-3)).toBe('0 s');
  });
});

describe('small formats', () => {
  it('shortens hashes and shows percents', () => {
    expect(shortHash('cpc1qxyzabcdefghijklmnopqrstu')).toBe('cpc1qxyzab…pqrstu');
    expect(shortHash('short')).toBe('short');
    expect(formatPercent(0.1234)).toBe('12.3 %');
    expect(formatPercent(Number.POSITIVE_INFINITY)).toBe('—');
  });
});
