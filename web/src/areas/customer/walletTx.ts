// walletTx.ts — what a ledger tx did to the wallet's balance, as the table shows it.
import { units } from './money';
import type { LedgerTx } from './types';

/** The amount a tx moved in (+) or out (−) of `address`, when its payload names one. */
export function txAmount(t: LedgerTx, address: string): { sign: '+' | '−'; amount: bigint } | null {
  const raw = t.payload?.amount ?? t.payload?.deposit;
  if (typeof raw !== 'number' && typeof raw !== 'string') return null;
  let amount: bigint;
  try {
    amount = units(raw);
  } catch {
    return null;
  }
  const to = t.payload?.to;
  if (t.from === address && to !== address) return { sign: '−', amount };
  if (to === address) return { sign: '+', amount };
  return null;
}
