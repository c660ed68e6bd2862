// CommissionSection.tsx — a provider's commission: read it from the chain
// (GET /admin/users/{id}/commission) and set a new one (PUT, a COMMISSION_SET
// the node's validator signs; it takes effect for rentals after its block).
import { useState } from 'react';
import { Alert, Button, Stack, TextField, Typography } from '@mui/material';
import { useSession } from '../../../api/session';
import { useApi } from '../../../lib/useApi';
import { useEvents } from '../../../lib/sse';
import { useSubmit } from '../../../components/form';
import { ErrorAlert, Loading } from '../../../components/common';
import type { Commission, CommissionSet } from '../types';
import { TxLink } from '../TxLink';
import { bpsToPercent, MAX_COMMISSION_PERCENT, percentToBps } from './commission';

export function CommissionSection({ userId }: { userId: number }) {
  const { api } = useSession();
  const current = useApi(() => api.get<Commission>(`/admin/users/${userId}/commission`), [api, userId]);
  const [percent, setPercent] = useState('');
  const [done, setDone] = useState<CommissionSet>();
  const submit = useSubmit(['bps'], `commission-${userId}`);
  // a new commission is on the chain a block or so later: read it again then
  useEvents(['block'], () => {
    if (done && current.data?.bps !== done.bps) current.reload();
  });

  if (current.loading && !current.data) return <Loading />;
  if (current.error) return <ErrorAlert error={current.error} onRetry={current.reload} />;
  const c = current.data!;
  const save = async () => {
    let bps: number;
    try {
      bps = percentToBps(percent);
    } catch (e) {
      return submit.setFieldError('bps', (e as Error).message);
    }
    const r = await submit.run(() => api.put<CommissionSet>(`/admin/users/${userId}/commission`, { bps }));
    if (r) {
      setDone(r);
      setPercent('');
    }
  };
  return (
    <Stack spacing={1.5}>
      <Typography variant="body2">
        Now {bpsToPercent(c.bps)} % {c.override ? `(set for this provider; the default is ${bpsToPercent(c.default_bps)} %)` : '(the default)'}.
      </Typography>
      <Stack
        component="form"
        direction={{ xs: 'column', sm: 'row' }}
        spacing={1}
        sx={{ alignItems: { sm: 'flex-start' } }}
        onSubmit={(e) => {
          e.preventDefault();
          void save();
        }}
      >
        <TextField
          {...submit.fieldProps('bps', `0 to ${MAX_COMMISSION_PERCENT}; ${bpsToPercent(c.default_bps)} clears the override`)}
          label="New commission (%)"
          value={percent}
          onChange={(e) => setPercent(e.target.value)}
          size="small"
          slotProps={{ htmlInput: { inputMode: 'decimal' } }}
        />
        <Button type="submit" variant="outlined" disabled={submit.busy || !percent.trim()}>Set commission</Button>
      </Stack>
      <ErrorAlert error={submit.formError} />
      {done && (
        <Alert severity="success">
          {bpsToPercent(done.bps)} % sent to the chain ({done.status}): <TxLink hash={done.tx_hash} />. Rentals opened after its block pay it.
        </Alert>
      )}
    </Stack>
  );
}
