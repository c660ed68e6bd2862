// DepositSection.tsx — credit a user's wallet by hand (POST /admin/deposits):
// a transfer from the fiat-gateway key, idempotent by reference.
import { useState } from 'react';
import { Alert, Button, Stack, TextField } from '@mui/material';
import { useSession } from '../../../api/session';
import { parseCpc } from '../../../lib/format';
import { useSubmit } from '../../../components/form';
import { ErrorAlert } from '../../../components/common';
import type { Deposit } from '../types';
import { cpcText } from '../money';
import { TxLink } from '../TxLink';
import { referenceError } from './commission';

export function DepositSection({ userId }: { userId: number }) {
  const { api } = useSession();
  const [amount, setAmount] = useState('');
  const [reference, setReference] = useState('');
  const [done, setDone] = useState<Deposit>();
  const submit = useSubmit(['amount', 'reference'], `deposit-${userId}`);
  const send = async () => {
    let units: string;
    try {
      units = parseCpc(amount);
      if (units === '0') throw new RangeError('more than zero');
    } catch (e) {
      return submit.setFieldError('amount', (e as Error).message);
    }
    const bad = referenceError(reference.trim());
    if (bad) return submit.setFieldError('reference', bad);
    const r = await submit.run(() =>
      api.post<Deposit>('/admin/deposits', { user_id: userId, amount_cpc: amount.trim().replace(/,/g, ''), reference: reference.trim() }),
    );
    if (r) setDone(r);
  };
  return (
    <Stack
      component="form"
      spacing={1.5}
      onSubmit={(e) => {
        e.preventDefault();
        void send();
      }}
    >
      <Stack direction={{ xs: 'column', sm: 'row' }} spacing={1}>
        <TextField {...submit.fieldProps('amount')} label="Amount (CPC)" value={amount} onChange={(e) => setAmount(e.target.value)} size="small" slotProps={{ htmlInput: { inputMode: 'decimal' } }} />
        <TextField {...submit.fieldProps('reference', 'the payment\'s id; the same one again is not paid twice')} label="Reference" value={reference} onChange={(e) => setReference(e.target.value)} size="small" />
      </Stack>
      <div>
        <Button type="submit" variant="outlined" disabled={submit.busy}>Credit deposit</Button>
      </div>
      <ErrorAlert error={submit.formError} />
      {done && (
        <Alert severity={done.repeated ? 'info' : 'success'}>
          {done.repeated ? 'This reference was paid before: ' : 'Credited '}
          {cpcText(done.amount, done.amount_cpc)} to {done.to}: <TxLink hash={done.tx_hash} />
        </Alert>
      )}
    </Stack>
  );
}
