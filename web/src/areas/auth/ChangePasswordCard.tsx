// ChangePasswordCard.tsx — POST /auth/password/change {old_password, new_password}.
// Sessions stay signed in (docs/platform.md).
import { useState } from 'react';
import { Alert, Button, Card, CardContent, Stack, TextField, Typography } from '@mui/material';
import { useSession } from '../../api/session';
import { ErrorAlert } from '../../components/common';
import { useSubmit } from '../../components/form';
import { fieldOf } from './fieldOf';
import { PasswordChecklist } from './PasswordChecklist';
import { describedBy, passwordProblem } from './passwordRules';

export function ChangePasswordCard() {
  const { api } = useSession();
  const [oldPassword, setOld] = useState('');
  const [newPassword, setNew] = useState('');
  const [confirm, setConfirm] = useState('');
  const [done, setDone] = useState(false);
  const s = useSubmit(['old_password', 'new_password', 'confirm'], 'pwchange');

  const submit = () => {
    setDone(false);
    if (!oldPassword) return s.setFieldError('old_password', 'Enter your current password');
    const weak = passwordProblem(newPassword);
    if (weak) return s.setFieldError('new_password', weak);
    if (confirm !== newPassword) return s.setFieldError('confirm', 'The two passwords differ');
    void s.run(async () => {
      await api.post('/auth/password/change', { old_password: oldPassword, new_password: newPassword })
        .catch((e: unknown) => fieldOf(e, { invalid_credentials: 'old_password', weak_password: 'new_password' }));
      setOld('');
      setNew('');
      setConfirm('');
      setDone(true);
    });
  };

  return (
    <Card variant="outlined" component="section" aria-labelledby="pwchange-title">
      <CardContent>
        <Typography id="pwchange-title" variant="h6" component="h2" gutterBottom>Change password</Typography>
        <Stack component="form" noValidate spacing={2} sx={{ maxWidth: 440 }} aria-labelledby="pwchange-title"
          onSubmit={(e) => { e.preventDefault(); submit(); }}>
          <TextField label="Current password" type="password" autoComplete="current-password" required value={oldPassword}
            onChange={(e) => setOld(e.target.value)} {...s.fieldProps('old_password')} />
          <div>
            <TextField label="New password" type="password" autoComplete="new-password" required fullWidth value={newPassword}
              onChange={(e) => setNew(e.target.value)} {...s.fieldProps('new_password')}
              slotProps={{ htmlInput: { 'aria-describedby': describedBy('pwchange-new_password', !!s.fieldErrors.new_password, 'pwchange-rules') } }} />
            <PasswordChecklist password={newPassword} id="pwchange-rules" />
          </div>
          <TextField label="Repeat the new password" type="password" autoComplete="new-password" required value={confirm}
            onChange={(e) => setConfirm(e.target.value)} {...s.fieldProps('confirm')} />
          <ErrorAlert error={s.formError} />
          {done && <Alert severity="success" role="status">Password changed.</Alert>}
          <div>
            <Button type="submit" variant="contained" disabled={s.busy}>{s.busy ? 'Saving…' : 'Change password'}</Button>
          </div>
        </Stack>
      </CardContent>
    </Card>
  );
}
