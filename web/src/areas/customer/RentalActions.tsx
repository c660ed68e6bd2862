// RentalActions.tsx — what a customer does to an open rental: extend it
// (POST /rentals/{id}/extend), reboot it (POST …/reboot), end it (DELETE, after a confirm).
import { useState, type FormEvent } from 'react';
import { Link as RouterLink } from 'react-router-dom';
import { Alert, Box, Button, Dialog, DialogActions, DialogContent, DialogTitle, Link, Stack, TextField, Typography } from '@mui/material';
import { ApiError } from '../../api/client';
import { useSession } from '../../api/session';
import { useSubmit } from '../../components/form';
import { formatCpc, formatTime } from '../../lib/format';
import { ConfirmDialog } from './ConfirmDialog';
import { extendCost, MAX_HOURS, units } from './money';
import type { ExtendAnswer, Rental } from './types';

function FundsOrError({ error, onWallet }: { error: Error | undefined; onWallet?: () => void }) {
  if (!error) return null;
  if (error instanceof ApiError && error.status === 402)
    return (
      <Alert severity="error" role="alert">
        Not enough funds: {error.message}{' '}
        <Link component={RouterLink} to="/my/wallet" onClick={onWallet}>Add funds in your wallet</Link>
      </Alert>
    );
  return <Alert severity="error" role="alert">{error.message}{error instanceof ApiError ? ` (${error.code})` : ''}</Alert>;
}

function ExtendDialog({ rental, open, onClose, onDone }: { rental: Rental; open: boolean; onClose: () => void; onDone: (a: ExtendAnswer) => void }) {
  const { api } = useSession();
  const [hours, setHours] = useState('1');
  const sub = useSubmit(['hours'], 'extend');
  const h = /^[0-9]{1,3}$/.test(hours.trim()) && +hours >= 1 && +hours <= MAX_HOURS ? Number(hours) : null;
  const cost = h && rental.rate_per_minute !== undefined && rental.commission_per_minute !== undefined
    ? extendCost(rental.rate_per_minute, rental.commission_per_minute, h) : null;
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (!h) {
      sub.setFieldError('hours', `a whole number of hours, 1..${MAX_HOURS}`);
      return;
    }
    const a = await sub.run(() => api.post<ExtendAnswer>(`/rentals/${rental.id}/extend`, { hours: h }));
    if (a) {
      onDone(a);
      onClose();
    }
  };
  return (
    <Dialog open={open} onClose={onClose} aria-labelledby="extend-title" fullWidth maxWidth="xs">
      <Box component="form" onSubmit={submit} noValidate>
        <DialogTitle id="extend-title">Extend the rental</DialogTitle>
        <DialogContent>
          <Stack spacing={2} sx={{ pt: 1 }}>
            <TextField {...sub.fieldProps('hours', `1..${MAX_HOURS} more hours at the same rate`)} label="Hours to add" value={hours}
              onChange={(e) => setHours(e.target.value)} inputProps={{ inputMode: 'numeric' }} required />
            {cost !== null && (
              <Typography variant="body2">
                Added to the escrow: <strong>{formatCpc(cost)}</strong> ({h} h × 60 min × {formatCpc(units(rental.rate_per_minute!) + units(rental.commission_per_minute!))} per minute), plus the network fee.
                Unused time is refunded when the rental ends.
              </Typography>
            )}
            <FundsOrError error={sub.formError} onWallet={onClose} />
          </Stack>
        </DialogContent>
        <DialogActions>
          <Button onClick={onClose}>Cancel</Button>
          <Button type="submit" variant="contained" disabled={sub.busy}>Extend</Button>
        </DialogActions>
      </Box>
    </Dialog>
  );
}

export function RentalActions({ rental, onChanged }: { rental: Rental; onChanged: () => void }) {
  const { api } = useSession();
  const [dialog, setDialog] = useState<'extend' | 'end' | 'reboot' | null>(null);
  const [notice, setNotice] = useState<string>();
  const act = useSubmit([], 'rental');
  const open = rental.status === 'open';
  if (!open) return null;

  const end = async () => {
    const a = await act.run(() => api.del<{ status: string }>(`/rentals/${rental.id}`));
    setDialog(null);
    if (a) {
      setNotice('Ending: the next block pays the minutes used and refunds the rest of the deposit.');
      onChanged();
    }
  };
  const reboot = async () => {
    const a = await act.run(() => api.post<{ reboot_seq: number }>(`/rentals/${rental.id}/reboot`));
    setDialog(null);
    if (a) {
      setNotice('Reboot ordered: the provider\u2019s machine restarts the container within a few seconds (same key and home).');
      onChanged();
    }
  };

  return (
    <Box component="section" aria-label="Rental actions">
      <Stack direction="row" spacing={1} useFlexGap sx={{ flexWrap: 'wrap' }}>
        <Button variant="contained" onClick={() => setDialog('extend')}>Extend</Button>
        <Button variant="outlined" onClick={() => setDialog('reboot')}>Reboot</Button>
        <Button variant="outlined" color="error" onClick={() => setDialog('end')}>End rental</Button>
      </Stack>
      {notice && <Alert severity="success" sx={{ mt: 1 }} onClose={() => setNotice(undefined)}>{notice}</Alert>}
      <FundsOrError error={act.formError} />
      <ExtendDialog rental={rental} open={dialog === 'extend'} onClose={() => setDialog(null)}
        onDone={(a) => {
          setNotice(`Extension sent: ${formatCpc(a.amount)} for ${a.minutes_added} more minutes; funded until ${formatTime(a.funded_until_ms)} once a block takes it.`);
          onChanged();
        }} />
      <ConfirmDialog open={dialog === 'end'} title="End this rental?" confirm="End rental" danger busy={act.busy}
        onConfirm={() => void end()} onClose={() => setDialog(null)}>
        The container stops and everything on it is lost. You pay the minutes used and the minute in progress; the rest of the deposit comes back to your wallet.
      </ConfirmDialog>
      <ConfirmDialog open={dialog === 'reboot'} title="Reboot the machine?" confirm="Reboot" busy={act.busy}
        onConfirm={() => void reboot()} onClose={() => setDialog(null)}>
        The container restarts once: running programs stop; your home folder and SSH key stay.
      </ConfirmDialog>
    </Box>
  );
}
