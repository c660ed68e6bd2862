// RentDialog.tsx — order a rental of one server: hours, SSH public key, image;
// a price preview in BigInt base units; POST /rentals, then the rental's page.
import { useEffect, useState, type FormEvent } from 'react';
import { Link as RouterLink, useNavigate } from 'react-router-dom';
import {
  Alert, Box, Button, Dialog, DialogActions, DialogContent, DialogTitle, Link, Stack, TextField, Typography,
} from '@mui/material';
import { ApiError } from '../../api/client';
import { useSession } from '../../api/session';
import { useSubmit } from '../../components/form';
import { formatCpc } from '../../lib/format';
import { useApi } from '../../lib/useApi';
import { MAX_HOURS, pricePreview, units, type PricePreview } from './money';
import { normaliseSshKey, sshKeyProblem } from './sshKey';
import { gpuTitle, placeOf } from './GpuResults';
import type { Balance, GpuServer, RentalOrder } from './types';

export const DEFAULT_IMAGE = 'nvidia/cuda:12.4.1-base-ubuntu22.04';
const FIELDS = ['hours', 'ssh_public_key', 'image'] as const;

function hoursOf(text: string): number | null {
  return /^[0-9]{1,3}$/.test(text.trim()) && +text >= 1 && +text <= MAX_HOURS ? Number(text) : null;
}

function Preview({ p, balance }: { p: PricePreview; balance?: Balance }) {
  const short = balance ? units(balance.available) < p.deposit : false;
  return (
    <Box component="section" aria-label="Price preview" sx={{ p: 1.5, borderRadius: 1, bgcolor: 'action.hover' }}>
      <Typography variant="body2">
        {p.hours.toString()} h × {formatCpc(p.listed / p.hours)} per hour = <strong>{formatCpc(p.listed)}</strong>
      </Typography>
      <Typography variant="body2">
        Deposit held in escrow: <strong data-testid="deposit">{formatCpc(p.deposit)}</strong>
        {' '}({p.hours.toString()} h × 60 min × {formatCpc(p.perMinute)} per minute{p.exact ? '' : ', estimated'})
      </Typography>
      <Typography variant="caption" color="text.secondary" component="p">
        {p.exact
          ? 'Billed by the minute from the deposit; what is left when the rental ends comes back to you. A network fee is added.'
          : "This provider's commission differs from the standard 10 %: the order's answer gives the exact deposit."}
      </Typography>
      {balance && (
        <Typography variant="body2" color={short ? 'warning.main' : 'text.secondary'}>
          Available in your wallet: {formatCpc(balance.available)}
          {short && ' — less than the deposit: the rental will be shorter, or refused below one hour.'}
        </Typography>
      )}
    </Box>
  );
}

export function RentDialog({ server, onClose }: { server: GpuServer | null; onClose: () => void }) {
  const { api, me } = useSession();
  const nav = useNavigate();
  const [hours, setHours] = useState('1');
  const [key, setKey] = useState('');
  const [image, setImage] = useState('');
  const sub = useSubmit(FIELDS, 'rent');
  // a fresh dialog for each server: the last order's errors do not carry over (the key does)
  const clear = sub.clear;
  useEffect(() => {
    if (server) clear();
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [server?.id]);
  const balance = useApi(() => (server && me ? api.get<Balance>('/account/balance') : null), [server?.id, me?.id]);
  const h = hoursOf(hours);
  let preview: PricePreview | null = null;
  try {
    preview = server && h ? pricePreview(server.price_per_hour, h) : null;
  } catch {
    preview = null;
  }
  const funds = sub.formError instanceof ApiError && sub.formError.status === 402 ? sub.formError : undefined;

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (!server) return;
    sub.clear();
    let bad = false;
    if (!h) {
      sub.setFieldError('hours', `a whole number of hours, 1..${MAX_HOURS}`);
      bad = true;
    }
    const keyProblem = sshKeyProblem(key);
    if (keyProblem) {
      sub.setFieldError('ssh_public_key', keyProblem);
      bad = true;
    }
    const img = image.trim();
    if (img && (img.length > 255 || /\s/.test(img))) {
      sub.setFieldError('image', 'a container reference such as registry/name:tag, at most 255 characters');
      bad = true;
    }
    if (bad) return;
    const body: Record<string, unknown> = { gpu_id: server.id, hours: h, ssh_public_key: normaliseSshKey(key) };
    if (img) body.image = img;
    const order = await sub.run(() => api.post<RentalOrder>('/rentals', body));
    if (order) {
      onClose();
      nav(`/my/rentals/${order.id}`, { state: { order } });
    }
  };

  return (
    <Dialog open={!!server} onClose={onClose} fullWidth maxWidth="sm" aria-labelledby="rent-title">
      <Box component="form" onSubmit={submit} noValidate>
        <DialogTitle id="rent-title">Rent {server ? `${gpuTitle(server)} in ${placeOf(server)}` : ''}</DialogTitle>
        <DialogContent>
          {!me ? (
            <Alert severity="info">
              <Link component={RouterLink} to={`/signin?next=${encodeURIComponent(server ? `/gpus/${server.id}` : '/gpus')}`}>Sign in</Link> to rent a server.
            </Alert>
          ) : (
            <Stack spacing={2} sx={{ pt: 1 }}>
              <TextField {...sub.fieldProps('hours', `1..${MAX_HOURS}; you can extend or end it later`)} label="Hours" value={hours}
                onChange={(e) => setHours(e.target.value)} required inputProps={{ inputMode: 'numeric', pattern: '[0-9]*' }} />
              <TextField {...sub.fieldProps('ssh_public_key', 'The line of ~/.ssh/id_ed25519.pub (or id_rsa.pub): the only key that can log in')}
                label="SSH public key" value={key} onChange={(e) => setKey(e.target.value)} required multiline minRows={2}
                inputProps={{ spellCheck: false, autoCapitalize: 'off', style: { fontFamily: 'monospace', fontSize: 13 } }} />
              <TextField {...sub.fieldProps('image', `Optional; default ${DEFAULT_IMAGE}`)} label="Container image" value={image}
                onChange={(e) => setImage(e.target.value)} placeholder={DEFAULT_IMAGE} inputProps={{ spellCheck: false, autoCapitalize: 'off' }} />
              {preview ? <Preview p={preview} balance={balance.data} /> : <Typography variant="body2" color="text.secondary">Enter the hours to see the price.</Typography>}
              {funds ? (
                <Alert severity="error" role="alert">
                  Not enough funds: {funds.message}{' '}
                  <Link component={RouterLink} to="/my/wallet" onClick={onClose}>Add funds in your wallet</Link>
                </Alert>
              ) : sub.formError ? (
                <Alert severity="error" role="alert">
                  {sub.formError.message}
                  {sub.formError instanceof ApiError ? ` (${sub.formError.code})` : ''}
                </Alert>
              ) : null}
            </Stack>
          )}
        </DialogContent>
        <DialogActions>
          <Button onClick={onClose}>Cancel</Button>
          {me && <Button type="submit" variant="contained" disabled={sub.busy}>{sub.busy ? 'Ordering…' : 'Rent now'}</Button>}
        </DialogActions>
      </Box>
    </Dialog>
  );
}
