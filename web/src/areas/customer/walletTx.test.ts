import { describe, expect, it } from 'vitest';
import { txAmount } from './walletTx';
import type { LedgerTx } from './types';

const ME = 'cpc1me';
const tx = (from: string, payload: Record<string, unknown>): LedgerTx => ({
  hash: 'h', tx_type: 'TRANSFER', from, nonce: 0, payload, height: 1, index: 0, status: 'success', error: null, gas_used: 21000, fee: 100,
});

describe('wallet transactions', () => {
  it('signs amounts by direction, in BigInt', () => {
    expect(txAmount(tx('cpc1other', { to: ME, amount: 50_000_000_000 }), ME)).toEqual({ sign: '+', amount: 50_000_000_000n });
    expect(txAmount(tx(ME, { to: 'cpc1other', amount: '7' }), ME)).toEqual({ sign: '−', amount: 7n });
    expect(txAmount(tx(ME, { offer: {}, deposit: 219_999_960 }), ME)).toEqual({ sign: '−', amount: 219_999_960n });
  });

  it('shows nothing for a tx that moves no amount of this wallet, or an unreadable one', () => {
    expect(txAmount(tx(ME, { rental_id: 'x' }), ME)).toBeNull();
    expect(txAmount(tx(ME, { to: ME, amount: 5 }), ME)).toEqual({ sign: '+', amount: 5n });
    expect(txAmount(tx(ME, { to: 'x', amount: 1.5 }), ME)).toBeNull();
  });
});
