// money.ts — the rent dialog's price preview, in BigInt base units (never floats).
//
// The catalogue shows price_per_hour = hour + floor(hour × bps / 10000), where
// hour = price_per_gpu_hour × gpu_count (the provider's price) and bps the
// provider's commission (10 % unless an admin set an override). POST /rentals
// then holds a deposit of hours × 60 × (rate + commission) with
// rate = ceil(hour / 60) and commission = floor(rate × bps / 10000)
// (docs/api.md, "Prices and deposit"). From the catalogue's price alone the
// provider's hour is known exactly only at the standard 10 %; other prices
// give an estimate, and the order's answer says the exact deposit.
import type { Amount } from './types';

export const STANDARD_BPS = 1000n;
export const MAX_HOURS = 720;

/** An API amount (JSON integer or decimal string) as BigInt; throws RangeError on anything else. */
export function units(v: Amount): bigint {
  if (typeof v === 'number') {
    if (!Number.isSafeInteger(v) || v < 0) throw new RangeError(`amount ${v} is not a safe integer of base units`);
    return BigInt(v);
  }
  if (!/^[0-9]+$/.test(v)) throw new RangeError(`amount "${v}" is not an integer of base units`);
  return BigInt(v);
}

/** floor(rate × bps / 10000), as the chain computes the commission. */
export function commissionOf(rate: bigint, bps: bigint): bigint {
  return (rate * bps) / 10000n;
}

/** The provider's price per hour behind a catalogue price at the standard 10 %, or null when none gives it. */
export function providerHourAtStandard(pricePerHour: bigint): bigint | null {
  // p = h + floor(h / 10); with h = 10q + r (r < 10): p = 11q + r.
  const q = pricePerHour / 11n;
  const r = pricePerHour - 11n * q;
  return r <= 9n ? 10n * q + r : null;
}

export interface PricePreview {
  hours: bigint;
  /** hours × price_per_hour as the catalogue lists it */
  listed: bigint;
  /** what one minute costs: rate + commission */
  perMinute: bigint;
  /** what POST /rentals will hold in escrow: hours × 60 × perMinute */
  deposit: bigint;
  /** true when the deposit is exact (standard commission); false: an estimate from the shown price */
  exact: boolean;
}

/** The preview for `hours` hours at the catalogue's price_per_hour. */
export function pricePreview(pricePerHour: Amount, hours: number): PricePreview {
  if (!Number.isInteger(hours) || hours < 1 || hours > MAX_HOURS) throw new RangeError(`hours must be a whole number 1..${MAX_HOURS}`);
  const p = units(pricePerHour);
  const h = BigInt(hours);
  const hour = providerHourAtStandard(p);
  let perMinute: bigint;
  if (hour !== null) {
    const rate = (hour + 59n) / 60n;
    perMinute = rate + commissionOf(rate, STANDARD_BPS);
  } else {
    perMinute = (p + 59n) / 60n; // an override: the shown price per minute, rounded up
  }
  return { hours: h, listed: p * h, perMinute, deposit: h * 60n * perMinute, exact: hour !== null };
}

/** What extending a rental by `hours` costs: hours × 60 × (rate + commission) of its record. */
export function extendCost(ratePerMinute: Amount, commissionPerMinute: Amount, hours: number): bigint {
  if (!Number.isInteger(hours) || hours < 1 || hours > MAX_HOURS) throw new RangeError(`hours must be a whole number 1..${MAX_HOURS}`);
  return BigInt(hours) * 60n * (units(ratePerMinute) + units(commissionPerMinute));
}
