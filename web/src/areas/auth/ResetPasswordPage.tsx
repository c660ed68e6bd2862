// ResetPasswordPage.tsx — /reset-password?token=: the token from the reset
// mail and a new password (POST /auth/password/reset). Every session ends, so
// the user signs in again.
import { useState } from 'react';
import { Link as RouterLink, useNavigate, useSearchParams } from 'react-router-dom';
import { Button, Link, TextField, Typography } from '@mui/material';
import { useSession } from '../../api/session';
import { ErrorAlert } from '../../components/common';
import { useSubmit } from '../../components/form';
import { AuthCard } from './AuthCard';
import { fieldOf } from './fieldOf';
import { PasswordChecklist } from './PasswordChecklist';
import { describedBy, passwordProblem } from './passwordRules';
import type { PasswordResetAnswer } from './types';

export function ResetPasswordPage() {
  const { api, signOut } = useSession();
  const nav = useNavigate();
  const [params] = useSearchParams();
  const [token, setToken] = useState(params.get('token') ?? '');
  const [password, setPassword] = useState('');
  const [confirm, setConfirm] = useState('');
  const s = useSubmit(['token', 'password', 'confirm'], 'reset');

  const submit = () => {
    const t = token.trim();
    if (!/^[0-9a-fA-F]{64}$/.test(t)) return s.setFieldError('token', 'Paste the 64-character token from the email');
    const weak = passwordProblem(password);
    if (weak) return s.setFieldError('password', weak);
    if (confirm !== password) return s.setFieldError('confirm', 'The two passwords differ');
    void s.run(async () => {
      const a = await api.post<PasswordResetAnswer>('/auth/password/reset', { token: t.toLowerCase(), password })
        .catch((e: unknown) => fieldOf(e, { invalid_token: 'token', weak_password: 'password' }));
      await signOut(); // this browser's session (if any) was revoked too
      const ended = a.sessions_revoked > 0 ? ' Every session was signed out.' : '';
      nav('/signin', { state: { notice: `Your password is changed.${ended} Sign in with the new one.`, email: params.get('email') ?? undefined } });
    });
  };

  return (
    <AuthCard
      title="Choose a new password"
      onSubmit={submit}
      footer={
        <Typography variant="body2">
          No token? <Link component={RouterLink} to="/forgot-password">Ask for one</Link>
        </Typography>
      }
    >
      <TextField label="Reset token" autoComplete="off" required value={token} spellCheck={false}
        onChange={(e) => setToken(e.target.value)} {...s.fieldProps('token', 'From the email; valid for one hour')} />
      <div>
        <TextField label="New password" type="password" autoComplete="new-password" required fullWidth value={password}
          onChange={(e) => setPassword(e.target.value)} {...s.fieldProps('password')}
          slotProps={{ htmlInput: { 'aria-describedby': describedBy('reset-password', !!s.fieldErrors.password, 'reset-password-rules') } }} />
        <PasswordChecklist password={password} id="reset-password-rules" />
      </div>
      <TextField label="Repeat the new password" type="password" autoComplete="new-password" required value={confirm}
        onChange={(e) => setConfirm(e.target.value)} {...s.fieldProps('confirm')} />
      <ErrorAlert error={s.formError} />
      <Button type="submit" variant="contained" disabled={s.busy}>{s.busy ? 'Saving…' : 'Set new password'}</Button>
    </AuthCard>
  );
}
