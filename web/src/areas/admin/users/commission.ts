// commission.ts — a provider's commission as the operator types it (a percent
// 0..50, at most two decimals) and as the API takes it (basis points 0..5000).

export const MAX_COMMISSION_PERCENT = 50;

/** "12.5" -> 1250; throws RangeError with the message for the field. */
export function percentToBps(text: string): number {
  const t = text.trim().replace(/\s*%$/, '').replace(',', '.');
  if (!/^[0-9]+(\.[0-9]{0,2})?$|^\.[0-9]{1,2}$/.test(t)) throw new RangeError('a percent such as 10 or 12.5 (two decimals at most)');
  const [int, frac = ''] = t.split('.');
  const bps = Number(int || '0') * 100 + Number((frac + '00').slice(0, 2));
  if (bps > MAX_COMMISSION_PERCENT * 100) throw new RangeError(`at most ${MAX_COMMISSION_PERCENT} %`);
  return bps;
}

/** 1250 -> "12.5" */
export function bpsToPercent(bps: number): string {
  const s = (bps / 100).toFixed(2);
  return s.replace(/\.?0+$/, '');
}

/** Deposit references: 1..128 printable ASCII, no spaces (docs/api.md); an error text or null. */
export function referenceError(ref: string): string | null {
  if (!ref) return 'a reference such as the bank transfer id';
  if (ref.length > 128) return 'at most 128 characters';
  if (!/^[\x21-\x7e]+$/.test(ref)) return 'printable ASCII without spaces';
  return null;
}
