import { describe, expect, it } from 'vitest';
import { commissionOf, extendCost, pricePreview, providerHourAtStandard, units } from './money';

describe('price preview', () => {
  it('inverts the catalogue price at 10 % exactly', () => {
    for (const h of [0n, 1n, 9n, 10n, 59n, 60n, 61n, 1_000_000_000n, 1_234_567_891n, 10n ** 13n * 16n]) {
      const shown = h + commissionOf(h, 1000n);
      expect(providerHourAtStandard(shown)).toBe(h);
    }
    // 11q + 10 is no price at 10 %: an override
    expect(providerHourAtStandard(21n)).toBeNull();
  });

  it('holds hours × 60 × (rate + commission), rate rounded up', () => {
    // provider: 1 CPC per GPU-hour × 2 GPUs = 2e9 an hour; shown 2.2e9
    const p = pricePreview('2200000000', 3);
    expect(p.exact).toBe(true);
    const rate = (2_000_000_000n + 59n) / 60n; // 33,333,334
    expect(rate).toBe(33_333_334n);
    expect(p.perMinute).toBe(rate + rate / 10n);
    expect(p.deposit).toBe(3n * 60n * (33_333_334n + 3_333_333n));
    expect(p.deposit).toBe(6_600_000_060n);
    expect(p.listed).toBe(6_600_000_000n);
  });

  it('stays exact beyond 2^53 and never uses floats', () => {
    const hour = 10n ** 13n * 16n; // the largest listing: 10,000 CPC × 16 GPUs
    const p = pricePreview((hour + hour / 10n).toString(), 720);
    const rate = (hour + 59n) / 60n;
    expect(p.deposit).toBe(720n * 60n * (rate + rate / 10n));
    expect(p.deposit > BigInt(Number.MAX_SAFE_INTEGER)).toBe(true);
  });

  it('estimates from the shown price when the commission is not the standard one', () => {
    const p = pricePreview(21, 1);
    expect(p.exact).toBe(false);
    expect(p.perMinute).toBe(1n);
    expect(p.deposit).toBe(60n);
  });

  it('refuses hours outside 1..720 and amounts that are not integers', () => {
    expect(() => pricePreview(100, 0)).toThrow(RangeError);
    expect(() => pricePreview(100, 721)).toThrow(RangeError);
    expect(() => pricePreview(100, 1.5)).toThrow(RangeError);
    expect(() => units('1.5')).toThrow(RangeError);
    expect(() => units(2 ** 60)).toThrow(RangeError);
  });

  it('prices an extension at the record rate', () => {
    expect(extendCost(33_333_334, 3_333_333, 2)).toBe(2n * 60n * 36_666_667n);
  });
});
