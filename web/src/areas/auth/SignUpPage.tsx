// SignUpPage.tsx — /signup: email and password (POST /auth/register), then the
// verify page. The node gives new accounts the customer role; the provider
// role is one switch away on /settings/profile.
import { useState } from 'react';
import { Link as RouterLink, useNavigate } from 'react-router-dom';
import { Button, Link, TextField, Typography } from '@mui/material';
import { useSession } from '../../api/session';
import { ErrorAlert } from '../../components/common';
import { useSubmit } from '../../components/form';
import { AuthCard } from './AuthCard';
import { PasswordChecklist } from './PasswordChecklist';
import { describedBy, passwordProblem } from './passwordRules';
import type { RegisterAnswer } from './types';

export function SignUpPage() {
  const { api } = useSession();
  const nav = useNavigate();
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const s = useSubmit(['email', 'password'], 'signup');

  const submit = () => {
    if (!email.trim()) return s.setFieldError('email', 'Enter your email address');
    const weak = passwordProblem(password);
    if (weak) return s.setFieldError('password', weak);
    void s.run(async () => {
      const a = await api.post<RegisterAnswer>('/auth/register', { email: email.trim(), password });
      nav(`/verify-email?email=${encodeURIComponent(a.email)}`, { state: { notice: `We sent a 6-digit code to ${a.email}.` } });
    });
  };

  return (
    <AuthCard
      title="Create an account"
      onSubmit={submit}
      footer={
        <Typography variant="body2">
          Already have an account? <Link component={RouterLink} to="/signin">Sign in</Link>
        </Typography>
      }
    >
      <Typography variant="body2" color="text.secondary">
        New accounts can rent GPUs at once. To offer your own servers, turn on the provider role in your profile after signing in.
      </Typography>
      <TextField label="Email" type="email" autoComplete="email" required value={email}
        onChange={(e) => setEmail(e.target.value)} {...s.fieldProps('email')} />
      <div>
        <TextField label="Password" type="password" autoComplete="new-password" required fullWidth value={password}
          onChange={(e) => setPassword(e.target.value)} {...s.fieldProps('password')}
          slotProps={{ htmlInput: { 'aria-describedby': describedBy('signup-password', !!s.fieldErrors.password, 'signup-password-rules') } }} />
        <PasswordChecklist password={password} id="signup-password-rules" />
      </div>
      <ErrorAlert error={s.formError} />
      <Button type="submit" variant="contained" disabled={s.busy}>{s.busy ? 'Creating…' : 'Create account'}</Button>
    </AuthCard>
  );
}
