import { describe, expect, it } from 'vitest';
import { bpsToPercent, percentToBps, referenceError } from './commission';

describe('commission percent', () => {
  it('parses percents to basis points', () => {
    expect(percentToBps('10')).toBe(1000);
    expect(percentToBps('12.5')).toBe(1250);
    expect(percentToBps(' 0.05 % ')).toBe(5);
    expect(percentToBps('.5')).toBe(50);
    expect(percentToBps('0')).toBe(0);
    expect(percentToBps('50')).toBe(5000);
    expect(percentToBps('7,25')).toBe(725);
  });

  it('refuses what the API would', () => {
    expect(() => percentToBps('50.01')).toThrow('at most 50 %');
    expect(() => percentToBps('-1')).toThrow(RangeError);
    expect(() => percentToBps('1.234')).toThrow(/two decimals/);
    expect(() => percentToBps('')).toThrow(RangeError);
    expect(() => percentToBps('ten')).toThrow(RangeError);
  });

  it('shows basis points as a percent', () => {
    expect(bpsToPercent(1000)).toBe('10');
    expect(bpsToPercent(1250)).toBe('12.5');
    expect(bpsToPercent(5)).toBe('0.05');
    expect(bpsToPercent(0)).toBe('0');
  });

  it('checks deposit references', () => {
    expect(referenceError('bank-2026-001')).toBeNull();
    expect(referenceError('')).toMatch(/reference/);
    expect(referenceError('a b')).toMatch(/spaces/);
    expect(referenceError('x'.repeat(129))).toMatch(/128/);
  });
});
