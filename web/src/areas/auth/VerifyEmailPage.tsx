// VerifyEmailPage.tsx — /verify-email?email=: the six-digit code from the
// sign-up mail (POST /auth/verify), a resend button (POST /auth/verify/resend),
// then the sign-in page with a message. A link with both ?email= and ?code=
// confirms at once, so a mail can link here.
import { useEffect, useRef, useState } from 'react';
import { Link as RouterLink, useLocation, useNavigate, useSearchParams } from 'react-router-dom';
import { Alert, Button, Link, Stack, TextField, Typography } from '@mui/material';
import { useSession } from '../../api/session';
import { ErrorAlert } from '../../components/common';
import { useSubmit } from '../../components/form';
import { AuthCard } from './AuthCard';
import { fieldOf } from './fieldOf';
import { readNotice } from './notice';
import type { StatusAnswer } from './types';

export function VerifyEmailPage() {
  const { api } = useSession();
  const nav = useNavigate();
  const loc = useLocation();
  const [params] = useSearchParams();
  const [email, setEmail] = useState(params.get('email') ?? '');
  const [code, setCode] = useState(params.get('code') ?? '');
  const [info, setInfo] = useState(readNotice(loc.state).notice);
  const s = useSubmit(['email', 'code'], 'verify');
  const resend = useSubmit(['email'], 'resend');

  const submit = () => {
    setInfo(undefined);
    s.clear();
    if (!email.trim()) return s.setFieldError('email', 'Enter the email you signed up with');
    const digits = code.replace(/\s+/g, '');
    if (!/^\d{6}$/.test(digits)) return s.setFieldError('code', 'Enter the 6 digits from the email');
    void s.run(async () => {
      await api.post('/auth/verify', { email: email.trim(), code: digits }).catch((e: unknown) =>
        fieldOf(e, { invalid_code: 'code', invalid_argument: 'code' }));
      nav('/signin', { state: { notice: 'Your email is confirmed. Sign in to continue.', email: email.trim() } });
    });
  };

  const sendAgain = () => {
    setInfo(undefined);
    if (!email.trim()) return s.setFieldError('email', 'Enter the email you signed up with');
    void resend.run(async () => {
      await api.post<StatusAnswer>('/auth/verify/resend', { email: email.trim() });
      setInfo(`If ${email.trim()} has an account waiting for confirmation, a new code is on its way. The previous code no longer works.`);
    });
  };

  // a link that carries both the email and the code submits once by itself
  const linked = useRef(!!(params.get('email') && params.get('code')));
  useEffect(() => {
    if (!linked.current) return;
    linked.current = false;
    submit();
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);

  return (
    <AuthCard
      title="Confirm your email"
      onSubmit={submit}
      footer={
        <Typography variant="body2">
          Already confirmed? <Link component={RouterLink} to="/signin">Sign in</Link>
        </Typography>
      }
    >
      {info && <Alert severity="info" role="status">{info}</Alert>}
      <Typography variant="body2" color="text.secondary">
        Enter the 6-digit code from the confirmation email. It is valid for 24 hours.
      </Typography>
      <TextField label="Email" type="email" autoComplete="email" required value={email}
        onChange={(e) => setEmail(e.target.value)} {...s.fieldProps('email')} />
      <TextField label="Confirmation code" autoComplete="one-time-code" required value={code}
        onChange={(e) => setCode(e.target.value)} {...s.fieldProps('code', '6 digits')}
        slotProps={{ htmlInput: { inputMode: 'numeric', maxLength: 7 } }} />
      <ErrorAlert error={s.formError} />
      <ErrorAlert error={resend.formError ?? (resend.fieldErrors.email && new Error(resend.fieldErrors.email))} />
      <Stack direction={{ xs: 'column', sm: 'row' }} spacing={1}>
        <Button type="submit" variant="contained" disabled={s.busy}>{s.busy ? 'Checking…' : 'Confirm email'}</Button>
        <Button type="button" variant="text" onClick={sendAgain} disabled={resend.busy}>
          {resend.busy ? 'Sending…' : 'Send a new code'}
        </Button>
      </Stack>
    </AuthCard>
  );
}
