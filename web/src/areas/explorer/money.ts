// money.ts — amounts as the explorer receives them. The node sends base units
// as JSON integers; above 2^53 JSON.parse rounds them, so such a figure is
// shown with "≈" rather than as if it were exact.
import { formatCpc, parseCpc } from '../../lib/format';

/** Base units (a JSON number or a decimal string) -> "1,234.5 CPC". */
export function cpc(units: number | string | null | undefined): string {
  if (units === null || units === undefined) return '—';
  if (typeof units === 'string') return /^-?[0-9]+$/.test(units) ? formatCpc(units) : '—';
  if (!Number.isFinite(units)) return '—';
  if (Number.isSafeInteger(units)) return formatCpc(units);
  return `≈ ${formatCpc(BigInt(Math.trunc(units)))}`;
}

/** An account's exact balance from its "balance_cpc" text, else from the rounded number. */
export function balanceOf(balanceCpc: string | undefined, balance: number): string {
  if (balanceCpc) {
    try {
      return formatCpc(parseCpc(balanceCpc));
    } catch {
      /* fall back to the number */
    }
  }
  return cpc(balance);
}
