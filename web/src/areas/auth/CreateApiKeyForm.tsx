// CreateApiKeyForm.tsx — POST /api-keys: name, scopes, optional IP whitelist
// and rate. The answer carries the secret, handed to onCreated to show once.
import { useState } from 'react';
import {
  Button, Card, CardContent, Checkbox, FormControl, FormControlLabel, FormGroup, FormHelperText, FormLabel, Stack,
  TextField, Typography,
} from '@mui/material';
import { useSession } from '../../api/session';
import { ErrorAlert } from '../../components/common';
import { useSubmit } from '../../components/form';
import { apiKeyRequest } from './apiKeyForm';
import { fieldOf } from './fieldOf';
import type { ApiKeyScope, CreatedApiKey } from './types';

const SCOPES: { scope: ApiKeyScope; text: string; providerOnly?: boolean }[] = [
  { scope: 'read', text: 'read — your account, wallet, the GPU catalogue and your servers' },
  { scope: 'jobs', text: 'jobs — marketplace drafts, confirm, cancel and extend' },
  { scope: 'account', text: 'account — profile, KYC, wallet link and server changes' },
  { scope: 'dc', text: 'dc — the data-center API for your fleet', providerOnly: true },
];

export function CreateApiKeyForm({ onCreated }: { onCreated: (k: CreatedApiKey) => void }) {
  const { api, hasRole } = useSession();
  const [name, setName] = useState('');
  const [scopes, setScopes] = useState<ApiKeyScope[]>(['read']);
  const [ipWhitelist, setIpWhitelist] = useState('');
  const [ratePerMin, setRatePerMin] = useState('');
  const s = useSubmit(['name', 'scopes', 'ip_whitelist', 'rate_per_min'], 'apikey');
  const offered = SCOPES.filter((o) => !o.providerOnly || hasRole('provider'));

  const toggle = (sc: ApiKeyScope, on: boolean) =>
    setScopes((cur) => (on ? [...cur.filter((x) => x !== sc), sc] : cur.filter((x) => x !== sc)));

  const submit = () => {
    const r = apiKeyRequest({ name, scopes, ipWhitelist, ratePerMin });
    if ('field' in r) return s.setFieldError(r.field, r.message);
    void s.run(async () => {
      const k = await api.post<CreatedApiKey>('/api-keys', r.body).catch((e: unknown) =>
        fieldOf(e, { invalid_scope: 'scopes', forbidden: 'scopes', invalid_cidr: 'ip_whitelist' }));
      setName('');
      setIpWhitelist('');
      setRatePerMin('');
      setScopes(['read']);
      onCreated(k);
    });
  };

  return (
    <Card variant="outlined" component="section" aria-labelledby="apikey-create-title">
      <CardContent>
        <Typography id="apikey-create-title" variant="h6" component="h2" gutterBottom>Create an API key</Typography>
        <Stack component="form" noValidate spacing={2} sx={{ maxWidth: 560 }} aria-labelledby="apikey-create-title"
          onSubmit={(e) => { e.preventDefault(); submit(); }}>
          <TextField label="Name" required value={name} onChange={(e) => setName(e.target.value)}
            {...s.fieldProps('name', 'Where the key is used, e.g. "CI runner"')} />
          <FormControl component="fieldset" error={!!s.fieldErrors.scopes}>
            <FormLabel component="legend">Scopes</FormLabel>
            <FormGroup>
              {offered.map((o) => (
                <FormControlLabel key={o.scope} label={o.text}
                  control={<Checkbox checked={scopes.includes(o.scope)} onChange={(e) => toggle(o.scope, e.target.checked)} />} />
              ))}
            </FormGroup>
            {s.fieldErrors.scopes && <FormHelperText>{s.fieldErrors.scopes}</FormHelperText>}
          </FormControl>
          <TextField label="Allowed IP ranges (optional)" multiline minRows={2} value={ipWhitelist}
            onChange={(e) => setIpWhitelist(e.target.value)}
            {...s.fieldProps('ip_whitelist', 'CIDRs such as 203.0.113.0/24 or 2001:db8::/32, one per line; empty for any address')} />
          <TextField label="Requests per minute (optional)" value={ratePerMin} sx={{ maxWidth: 260 }}
            onChange={(e) => setRatePerMin(e.target.value)} {...s.fieldProps('rate_per_min', '1 to 100000; 1000 when empty')}
            slotProps={{ htmlInput: { inputMode: 'numeric' } }} />
          <ErrorAlert error={s.formError} />
          <div>
            <Button type="submit" variant="contained" disabled={s.busy}>{s.busy ? 'Creating…' : 'Create key'}</Button>
          </div>
        </Stack>
      </CardContent>
    </Card>
  );
}
