// rentalText.ts — how a rental's state reads on screen.
import type { Rental } from './types';

export function provisioningText(r: Rental): string {
  const p = r.provisioning;
  if (!p) return '—';
  if (p.state === 'failed' && p.error) return `failed: ${p.error}`;
  return p.state;
}

export const END_REASONS: Record<string, string> = {
  customer: 'ended by you',
  provider: 'ended by the provider',
  funds: 'the deposit ran out',
};

/** ISO time from the API -> ms, or null. */
export function msOf(iso: string | null | undefined): number | null {
  if (!iso) return null;
  const t = Date.parse(iso);
  return Number.isFinite(t) ? t : null;
}
