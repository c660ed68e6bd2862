// UserDialog.tsx — one user for the operators: email verification, block,
// KYC decision, and for providers the commission; a manual deposit for all.
import { useState, type ReactNode } from 'react';
import {
  Button, Chip, Dialog, DialogActions, DialogContent, DialogTitle, Divider, Stack, Typography,
} from '@mui/material';
import { useSession } from '../../../api/session';
import { useSubmit } from '../../../components/form';
import { ErrorAlert } from '../../../components/common';
import type { AdminUser } from '../types';
import { ConfirmDialog } from '../ConfirmDialog';
import { CommissionSection } from './CommissionSection';
import { DepositSection } from './DepositSection';

function Section({ title, children }: { title: string; children: ReactNode }) {
  return (
    <Stack component="section" spacing={1} aria-label={title}>
      <Typography variant="subtitle1" component="h3">{title}</Typography>
      {children}
    </Stack>
  );
}

export function UserDialog({ user, onChange, onClose }: {
  user: AdminUser;
  /** the user as the last action left it */
  onChange: (u: AdminUser) => void;
  onClose: () => void;
}) {
  const { api, me } = useSession();
  const act = useSubmit([], `user-${user.id}`);
  const [confirmBlock, setConfirmBlock] = useState(false);
  const base = `/admin/users/${user.id}`;

  const verify = async () => {
    const r = await act.run(() => api.post<{ email_verified: boolean }>(`${base}/verify`));
    if (r) onChange({ ...user, email_verified: true });
  };
  const setBlocked = async (blocked: boolean) => {
    const r = await act.run(() => api.post<{ blocked: boolean }>(`${base}/${blocked ? 'block' : 'unblock'}`));
    if (r) onChange({ ...user, blocked: r.blocked });
    setConfirmBlock(false);
  };
  const kyc = async (status: 'verified' | 'rejected') => {
    const r = await act.run(() => api.post<{ kyc_status: string }>(`${base}/kyc`, { status }));
    if (r) onChange({ ...user, kyc_status: r.kyc_status });
  };

  return (
    <Dialog open onClose={onClose} fullWidth maxWidth="sm" aria-labelledby="user-dialog-title">
      <DialogTitle id="user-dialog-title">{user.email}</DialogTitle>
      <DialogContent>
        <Stack spacing={2} divider={<Divider flexItem />}>
          <Section title="Account">
            <Stack direction="row" sx={{ flexWrap: 'wrap', gap: 1 }}>
              <Chip size="small" label={`#${user.id}`} />
              {user.roles.map((r) => <Chip key={r} size="small" label={r} />)}
              <Chip size="small" label={user.email_verified ? 'email verified' : 'email not verified'} color={user.email_verified ? 'success' : 'default'} />
              <Chip size="small" label={`KYC: ${user.kyc_status}`} />
              <Chip size="small" label={user.totp_enabled ? '2FA on' : '2FA off'} />
              {user.blocked && <Chip size="small" label="blocked" color="error" />}
            </Stack>
            <Stack direction="row" sx={{ flexWrap: 'wrap', gap: 1 }}>
              {!user.email_verified && <Button size="small" variant="outlined" disabled={act.busy} onClick={() => void verify()}>Mark email verified</Button>}
              {user.kyc_status === 'pending' && (
                <>
                  <Button size="small" variant="outlined" color="success" disabled={act.busy} onClick={() => void kyc('verified')}>Accept KYC</Button>
                  <Button size="small" variant="outlined" color="error" disabled={act.busy} onClick={() => void kyc('rejected')}>Reject KYC</Button>
                </>
              )}
              {user.blocked ? (
                <Button size="small" variant="outlined" disabled={act.busy} onClick={() => void setBlocked(false)}>Unblock</Button>
              ) : (
                <Button size="small" variant="outlined" color="error" disabled={act.busy || me?.id === user.id} onClick={() => setConfirmBlock(true)}>Block</Button>
              )}
            </Stack>
            <ErrorAlert error={act.formError} />
          </Section>
          {user.roles.includes('provider') && (
            <Section title="Commission">
              <CommissionSection userId={user.id} />
            </Section>
          )}
          <Section title="Manual deposit">
            <DepositSection userId={user.id} />
          </Section>
        </Stack>
      </DialogContent>
      <DialogActions>
        <Button onClick={onClose}>Close</Button>
      </DialogActions>
      <ConfirmDialog
        open={confirmBlock}
        title={`Block ${user.email}?`}
        confirm="Block"
        danger
        busy={act.busy}
        onConfirm={() => void setBlocked(true)}
        onClose={() => setConfirmBlock(false)}
      >
        <Typography>Every session of this user ends at once and sign-in is refused until you unblock.</Typography>
      </ConfirmDialog>
    </Dialog>
  );
}
