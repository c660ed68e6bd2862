// ForgotPasswordPage.tsx — /forgot-password: ask for a reset token by email
// (POST /auth/password/forgot). The node answers the same whether or not the
// email has an account, and so does this page.
import { useState } from 'react';
import { Link as RouterLink } from 'react-router-dom';
import { Alert, Button, Link, TextField, Typography } from '@mui/material';
import { useSession } from '../../api/session';
import { ErrorAlert } from '../../components/common';
import { useSubmit } from '../../components/form';
import { AuthCard } from './AuthCard';
import type { StatusAnswer } from './types';

export function ForgotPasswordPage() {
  const { api } = useSession();
  const [email, setEmail] = useState('');
  const [sentTo, setSentTo] = useState<string>();
  const s = useSubmit(['email'], 'forgot');

  const submit = () => {
    if (!email.trim()) return s.setFieldError('email', 'Enter your email address');
    void s.run(async () => {
      await api.post<StatusAnswer>('/auth/password/forgot', { email: email.trim() });
      setSentTo(email.trim());
    });
  };

  return (
    <AuthCard
      title="Reset your password"
      onSubmit={submit}
      footer={
        <Typography variant="body2">
          Remembered it? <Link component={RouterLink} to="/signin">Sign in</Link>
        </Typography>
      }
    >
      {sentTo ? (
        <>
          <Alert severity="success" role="status">
            If {sentTo} has an account, a reset token is on its way. It works once, for one hour.
          </Alert>
          <Button component={RouterLink} to={`/reset-password?email=${encodeURIComponent(sentTo)}`} variant="contained">
            Enter the token
          </Button>
          <Button type="submit" disabled={s.busy}>Send another token</Button>
        </>
      ) : (
        <>
          <Typography variant="body2" color="text.secondary">
            We will email you a token to choose a new password.
          </Typography>
          <TextField label="Email" type="email" autoComplete="email" required value={email}
            onChange={(e) => setEmail(e.target.value)} {...s.fieldProps('email')} />
          <Button type="submit" variant="contained" disabled={s.busy}>{s.busy ? 'Sending…' : 'Send reset token'}</Button>
        </>
      )}
      <ErrorAlert error={s.formError} />
    </AuthCard>
  );
}
