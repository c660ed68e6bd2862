// WithdrawForm.tsx — ask for a payout (POST /provider/withdrawals): the amount
// is locked until an operator approves or rejects it.
import { useState, type FormEvent } from 'react';
import { Button, MenuItem, Stack, TextField } from '@mui/material';
import { useSession } from '../../api/session';
import { ErrorAlert } from '../../components/common';
import { useSubmit } from '../../components/form';
import { parseCpc } from '../../lib/format';
import { WITHDRAWAL_METHODS } from './withdrawal';
import type { Withdrawal, WithdrawalMethod } from './types';

const FIELDS = ['amount_cpc', 'amount', 'method', 'destination'] as const;

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
    const w = await sub.run(() =>
      api.post<Withdrawal>('/provider/withdrawals', { amount_cpc: amount.trim().replace(/,/g, ''), method, destination: destination.trim() }),
    );
    if (w) {
      setAmount('');
      setDestination('');
      onDone(w);
    }
  };
  const amountProps = sub.fieldProps('amount_cpc', available ? `Available: ${available}` : undefined);
  if (!amountProps.helperText && sub.fieldErrors.amount) Object.assign(amountProps, { error: true, helperText: sub.fieldErrors.amount });

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
