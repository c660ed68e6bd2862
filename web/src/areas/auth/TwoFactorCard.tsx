// TwoFactorCard.tsx — two-factor authentication (TOTP): set up (POST
// /auth/2fa/setup: the otpauth URI as a QR code and the secret as text),
// confirm with a code (POST /auth/2fa/enable: recovery codes shown once),
// and turn off with the password and a code (POST /auth/2fa/disable).
import { useState } from 'react';
import { Alert, Box, Button, Card, CardContent, Stack, TextField, Typography } from '@mui/material';
import { ApiError } from '../../api/client';
import { useSession } from '../../api/session';
import { CopyButton, ErrorAlert, QrCode } from '../../components/common';
import { useSubmit } from '../../components/form';
import { fieldOf } from './fieldOf';
import type { TotpEnableAnswer, TotpSetupAnswer } from './types';

const mono = { fontFamily: 'monospace', wordBreak: 'break-all' } as const;

export function TwoFactorCard() {
  const { api, me, reloadMe } = useSession();
  const [setup, setSetup] = useState<TotpSetupAnswer>();
  const [recovery, setRecovery] = useState<string[]>();
  const [code, setCode] = useState('');
  const [password, setPassword] = useState('');
  const [off, setOff] = useState(false);
  const s = useSubmit(['code', 'password'], 'totp');

  const begin = () => {
    setOff(false);
    void s.run(async () => {
      try {
        setSetup(await api.post<TotpSetupAnswer>('/auth/2fa/setup'));
        setCode('');
      } catch (e) {
        if (e instanceof ApiError && e.code === 'totp_enabled') await reloadMe();
        throw e;
      }
    });
  };

  const enable = () => {
    const c = code.replace(/\s+/g, '');
    if (!/^\d{6}$/.test(c)) return s.setFieldError('code', 'Enter the 6 digits the app shows now');
    void s.run(async () => {
      const a = await api.post<TotpEnableAnswer>('/auth/2fa/enable', { code: c })
        .catch((e: unknown) => fieldOf(e, { invalid_code: 'code', invalid_argument: 'code' }));
      setSetup(undefined);
      setCode('');
      setRecovery(a.recovery_codes);
      await reloadMe();
    });
  };

  const disable = () => {
    if (!password) return s.setFieldError('password', 'Enter your password');
    if (!code.trim()) return s.setFieldError('code', 'Enter a code from the app or a recovery code');
    void s.run(async () => {
      await api.post('/auth/2fa/disable', { password, code: code.trim() })
        .catch((e: unknown) => fieldOf(e, { invalid_credentials: 'password', invalid_totp: 'code' }));
      setPassword('');
      setCode('');
      setOff(true);
      await reloadMe();
    });
  };

  let body;
  if (recovery) {
    body = (
      <Stack spacing={2}>
        <Alert severity="success" role="status">Two-factor authentication is on.</Alert>
        <Alert severity="warning">
          Save these recovery codes somewhere safe now: this is the only time they are shown. Each one signs you in once
          if you lose your authenticator.
        </Alert>
        <Box component="ul" aria-label="Recovery codes" sx={{ ...mono, m: 0, pl: 3, columns: { xs: 1, sm: 2 } }}>
          {recovery.map((r) => <li key={r}>{r}</li>)}
        </Box>
        <Stack direction="row" spacing={1} sx={{ alignItems: 'center' }}>
          <CopyButton text={recovery.join('\n')} label="Copy the recovery codes" />
          <Button variant="contained" onClick={() => setRecovery(undefined)}>I saved them</Button>
        </Stack>
      </Stack>
    );
  } else if (setup) {
    body = (
      <Stack component="form" noValidate spacing={2} aria-label="Confirm two-factor authentication"
        onSubmit={(e) => { e.preventDefault(); enable(); }}>
        <Typography variant="body2">
          Scan this QR code with an authenticator app (or type the key below), then enter the 6-digit code it shows.
        </Typography>
        <Box sx={{ width: 'fit-content' }}>
          <QrCode text={setup.otpauth_uri} label="QR code of the two-factor secret for an authenticator app" />
        </Box>
        <Stack direction="row" spacing={1} sx={{ alignItems: 'center' }}>
          <Typography variant="body2">Key:</Typography>
          <Typography variant="body2" component="code" sx={mono} aria-label="Two-factor key">{setup.secret}</Typography>
          <CopyButton text={setup.secret} label="Copy the key" />
        </Stack>
        <TextField label="Code from the app" autoComplete="one-time-code" required value={code} sx={{ maxWidth: 240 }}
          onChange={(e) => setCode(e.target.value)} {...s.fieldProps('code')}
          slotProps={{ htmlInput: { inputMode: 'numeric', maxLength: 7 } }} />
        <ErrorAlert error={s.formError} />
        <Stack direction="row" spacing={1}>
          <Button type="submit" variant="contained" disabled={s.busy}>{s.busy ? 'Checking…' : 'Turn on'}</Button>
          <Button type="button" onClick={() => { setSetup(undefined); s.clear(); }}>Cancel</Button>
        </Stack>
      </Stack>
    );
  } else if (me?.totp_enabled) {
    body = (
      <Stack component="form" noValidate spacing={2} sx={{ maxWidth: 440 }} aria-label="Turn off two-factor authentication"
        onSubmit={(e) => { e.preventDefault(); disable(); }}>
        <Alert severity="success">Two-factor authentication is on: signing in asks for a code from your app.</Alert>
        <Typography variant="body2">To turn it off, enter your password and a code from the app or a recovery code.</Typography>
        <TextField label="Password" type="password" autoComplete="current-password" required value={password}
          onChange={(e) => setPassword(e.target.value)} {...s.fieldProps('password')} />
        <TextField label="Code or recovery code" autoComplete="one-time-code" required value={code}
          onChange={(e) => setCode(e.target.value)} {...s.fieldProps('code')} />
        <ErrorAlert error={s.formError} />
        <div>
          <Button type="submit" color="error" variant="outlined" disabled={s.busy}>{s.busy ? 'Turning off…' : 'Turn off two-factor authentication'}</Button>
        </div>
      </Stack>
    );
  } else {
    body = (
      <Stack spacing={2} sx={{ alignItems: 'flex-start' }}>
        {off && <Alert severity="info" role="status">Two-factor authentication is off.</Alert>}
        <Typography variant="body2">
          Ask for a code from an authenticator app (TOTP) on every sign-in, on top of your password.
        </Typography>
        <ErrorAlert error={s.formError} />
        <Button variant="contained" onClick={begin} disabled={s.busy}>Set up two-factor authentication</Button>
      </Stack>
    );
  }

  return (
    <Card variant="outlined" component="section" aria-labelledby="totp-title">
      <CardContent>
        <Typography id="totp-title" variant="h6" component="h2" gutterBottom>Two-factor authentication</Typography>
        {body}
      </CardContent>
    </Card>
  );
}
