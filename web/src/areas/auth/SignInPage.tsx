// SignInPage.tsx — /signin?next=: email and password (POST /auth/login), then,
// for a 2FA account (401 totp_required), the authenticator code; then ?next=
// when it is a path of this site, else the home page of the account's roles.
import { useEffect, useReducer, useState } from 'react';
import { Link as RouterLink, Navigate, useLocation, useNavigate, useSearchParams } from 'react-router-dom';
import { Alert, Button, Checkbox, FormControlLabel, Link, Stack, TextField, Typography } from '@mui/material';
import { ApiError } from '../../api/client';
import { useSession } from '../../api/session';
import { Loading } from '../../components/common';
import { AuthCard } from './AuthCard';
import { afterSignIn } from './nextUrl';
import { readNotice } from './notice';
import { initialSignIn, loginBody, signInReducer } from './signInSteps';
import type { LoginTokens } from './types';

export function SignInPage() {
  const { api, me, loading, signedIn } = useSession();
  const nav = useNavigate();
  const loc = useLocation();
  const [params] = useSearchParams();
  const next = params.get('next');
  const given = readNotice(loc.state);
  const [email, setEmail] = useState(given.email ?? '');
  const [password, setPassword] = useState('');
  const [rememberMe, setRememberMe] = useState(false);
  const [totp, setTotp] = useState('');
  const [s, dispatch] = useReducer(signInReducer, initialSignIn);

  // once /me is known after signing in, leave for the next page
  useEffect(() => {
    if (s.step === 'done' && me) nav(afterSignIn(next, me.roles), { replace: true });
  }, [s.step, me, next, nav]);

  if (loading) return <Loading />;
  if (me && s.step !== 'done') return <Navigate to={afterSignIn(next, me.roles)} replace />;

  const submit = async () => {
    if (s.busy) return;
    dispatch({ type: 'submit' });
    try {
      const a = await api.post<LoginTokens>('/auth/login', loginBody(s.step, { email, password, rememberMe, totp }));
      await signedIn(a);
      dispatch({ type: 'succeeded' });
    } catch (e) {
      const code = e instanceof ApiError ? e.code : 'network';
      dispatch({ type: 'failed', code, message: e instanceof Error ? e.message : String(e) });
    }
  };

  const verifyLink = `/verify-email?email=${encodeURIComponent(email.trim())}`;
  const formError = s.formError && (
    <Alert severity="error" role="alert"
      action={s.needsVerification ? <Button color="inherit" size="small" component={RouterLink} to={verifyLink}>Confirm email</Button> : undefined}>
      {s.formError}
    </Alert>
  );

  if (s.step === 'done') return <Loading label="Signing in…" />;
  if (s.step === 'totp')
    return (
      <AuthCard title="Two-factor authentication" onSubmit={() => void submit()}>
        <Typography variant="body2" color="text.secondary">
          Enter the 6-digit code from your authenticator app, or one of your recovery codes.
        </Typography>
        <TextField label="Authentication code" autoComplete="one-time-code" required autoFocus value={totp}
          onChange={(e) => setTotp(e.target.value)} id="signin-totp" name="totp" error={!!s.fieldErrors.totp}
          helperText={s.fieldErrors.totp} slotProps={{ htmlInput: { maxLength: 16 } }} />
        {formError}
        <Stack direction={{ xs: 'column', sm: 'row' }} spacing={1}>
          <Button type="submit" variant="contained" disabled={s.busy || !totp.trim()}>{s.busy ? 'Checking…' : 'Verify'}</Button>
          <Button type="button" onClick={() => { setTotp(''); dispatch({ type: 'back' }); }}>Back</Button>
        </Stack>
      </AuthCard>
    );

  return (
    <AuthCard
      title="Sign in"
      onSubmit={() => void submit()}
      footer={
        <>
          <Typography variant="body2">
            <Link component={RouterLink} to="/forgot-password">Forgot your password?</Link>
          </Typography>
          <Typography variant="body2">
            No account yet? <Link component={RouterLink} to="/signup">Create one</Link>
          </Typography>
        </>
      }
    >
      {given.notice && <Alert severity="success" role="status">{given.notice}</Alert>}
      <TextField label="Email" type="email" autoComplete="username" required value={email}
        onChange={(e) => setEmail(e.target.value)} id="signin-email" name="email"
        error={!!s.fieldErrors.email} helperText={s.fieldErrors.email} />
      <TextField label="Password" type="password" autoComplete="current-password" required value={password}
        onChange={(e) => setPassword(e.target.value)} id="signin-password" name="password"
        error={!!s.fieldErrors.password} helperText={s.fieldErrors.password} />
      <FormControlLabel control={<Checkbox checked={rememberMe} onChange={(e) => setRememberMe(e.target.checked)} />}
        label="Keep me signed in for 30 days" />
      {formError}
      <Button type="submit" variant="contained" disabled={s.busy || !email.trim() || !password}>
        {s.busy ? 'Signing in…' : 'Sign in'}
      </Button>
    </AuthCard>
  );
}
