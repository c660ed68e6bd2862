// withdrawal.ts — the payout methods of POST /provider/withdrawals and what each destination looks like
// (the node checks them exactly: src/platform/withdrawal_body.c).
import type { WithdrawalMethod } from './types';

export const WITHDRAWAL_METHODS: Record<WithdrawalMethod, { label: string; hint: string }> = {
  card: { label: 'Bank card', hint: '12 to 19 digits' },
  sbp: { label: 'SBP (phone)', hint: '+7 and 10 digits' },
  usdt_trc20: { label: 'USDT (TRC-20)', hint: 'T… (34 characters)' },
  usdt_erc20: { label: 'USDT (ERC-20)', hint: '0x and 40 hex digits' },
  btc: { label: 'Bitcoin', hint: 'bc1…, 1… or 3…' },
};

/** A destination shown without most of its digits: a card keeps its last 4. */
export function maskDestination(method: string, d: string): string {
  if (method === 'card' && d.length > 4) return `•••• ${d.slice(-4)}`;
  if (d.length > 16) return `${d.slice(0, 8)}…${d.slice(-6)}`;
  return d;
}
