// WithdrawForm.tsx — ask for a payout (POST /provider/withdrawals): the amount
// is locked until an operator approves or rejects it.
import { useState, type FormEvent } from 'react';
import { Button, MenuItem, Stack, TextField } from '@mui/material';
import { ApiError } from '../../api/client';
import { useSession } from '../../api/session';
import { ErrorAlert } from '../../components/common';
import { useSubmit } from '../../components/form';
import { parseCpc } from '../../lib/format';
import { WITHDRAWAL_METHODS } from './withdrawal';
import type { Withdrawal, WithdrawalMethod } from './types';

const FIELDS = ['amount_cpc', 'amount', 'method', 'destination'] as const;
const AMOUNT_CODES = ['insufficient_funds', 'invalid_amount'];

export function WithdrawForm({ available, onDone }: { available?: string; onDone: (w: Withdrawal) => void }) {
  const { api } = useSession();
  const [amount, setAmount] = useState('');
  const [method, setMethod] = useState<WithdrawalMethod>('usdt_trc20');
  const [destination, setDestination] = useState('');
  const sub = useSubmit(FIELDS, 'withdraw');

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    sub.clear();
    try {
      parseCpc(amount);
    } catch (err) {
      sub.setFieldError('amount_cpc', (err as Error).message);
      return;
    }
    const w = await sub.run(async () => {
      try {
        return await api.post<Withdrawal>('/provider/withdrawals', { amount_cpc: amount.trim().replace(/,/g, ''), method, destination: destination.trim() });
      } catch (err) {
        // Errors about the amount that do not name the field in their message still belong next to it.
        if (err instanceof ApiError && AMOUNT_CODES.includes(err.code)) throw new ApiError(err.status, err.code, err.message, 'amount_cpc');
        throw err;
      }
    });
    if (w) {
      setAmount('');
      setDestination('');
      onDone(w);
    }
  };
  const amountProps = sub.fieldProps('amount_cpc', available ? `Available: ${available}` : undefined);
  if (sub.fieldErrors.amount) Object.assign(amountProps, { error: true, helperText: sub.fieldErrors.amount });

  return (
    <form onSubmit={submit} noValidate aria-label="Request a withdrawal">
      <Stack direction={{ xs: 'column', md: 'row' }} spacing={2} sx={{ alignItems: { md: 'flex-start' } }}>
        <TextField label="Amount (CPC)" value={amount} onChange={(e) => setAmount(e.target.value)} required slotProps={{ htmlInput: { inputMode: 'decimal' } }} {...amountProps} />
        <TextField select label="Method" value={method} onChange={(e) => setMethod(e.target.value as WithdrawalMethod)} sx={{ minWidth: 180 }} {...sub.fieldProps('method')}>
          {(Object.keys(WITHDRAWAL_METHODS) as WithdrawalMethod[]).map((m) => (
            <MenuItem key={m} value={m}>{WITHDRAWAL_METHODS[m].label}</MenuItem>
          ))}
        </TextField>
        <TextField
          label="Destination"
          value={destination}
          onChange={(e) => setDestination(e.target.value)}
          required
          sx={{ flex: 1 }}
          slotProps={{ htmlInput: { spellCheck: false, autoComplete: 'off' } }}
          {...sub.fieldProps('destination', WITHDRAWAL_METHODS[method].hint)}
        />
        <Button type="submit" variant="contained" disabled={sub.busy} sx={{ mt: { md: 1 } }}>
          Request withdrawal
        </Button>
      </Stack>
      <ErrorAlert error={sub.formError} />
    </form>
  );
}
