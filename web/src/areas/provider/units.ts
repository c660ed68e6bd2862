// units.ts — amounts from the API's JSON numbers to the exact strings that
// formatCpc and the forms work with. JSON gives amounts as numbers; those up
// to 2^53 are exact, a larger one (beyond ~9 million CPC) has already been
// rounded by JSON.parse and is shown as its nearest integer rather than failing.
import { formatCpc, parseCpc } from '../../lib/format';

/** An amount of base units from the API as a decimal string. */
export function unitsOf(v: number | string | bigint | null | undefined): string {
  if (v === null || v === undefined) return '0';
  if (typeof v === 'bigint') return v.toString();
  if (typeof v === 'string') return /^-?[0-9]+$/.test(v) ? v : '0';
  if (!Number.isFinite(v)) return '0';
  return BigInt(Math.trunc(v)).toString();
}

/** An API amount shown as "12.5 CPC". */
export function cpc(v: number | string | bigint | null | undefined, maxFrac = 9): string {
  return formatCpc(unitsOf(v), { maxFrac });
}

/** Base units as a (display-only, inexact) number of CPC for charts. */
export function cpcNumber(v: number | string): number {
  return Number(unitsOf(v)) / 1e9;
}

/** "12.5" typed in CPC -> base units as a JSON-safe integer (the API wants a JSON integer);
 * throws RangeError with a message for the form. */
export function cpcToUnitsNumber(text: string): number {
  const u = BigInt(parseCpc(text));
  if (u > BigInt(Number.MAX_SAFE_INTEGER)) throw new RangeError('amount too large');
  return Number(u);
}

/** Base units -> the CPC text a form shows for editing ("12.5"). */
export function unitsToCpcText(v: number | string): string {
  return formatCpc(unitsOf(v), { unit: false }).replace(/,/g, '');
}
