// money.ts — amounts the admin API sends as JSON numbers of base units, shown
// through formatCpc; a number past 2^53 (already rounded by JSON.parse) is
// shown from its exact CPC decimal twin ("amount_cpc") when there is one.
import { formatCpc } from '../../lib/format';
import type { Amount } from './types';

export function cpcText(units: Amount, cpcDecimal?: string): string {
  if (typeof units === 'string' || Number.isSafeInteger(units)) {
    try {
      return formatCpc(units);
    } catch {
      /* fall through to the decimal */
    }
  }
  return cpcDecimal !== undefined ? `${cpcDecimal} CPC` : '—';
}
