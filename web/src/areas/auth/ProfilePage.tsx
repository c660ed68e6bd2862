// ProfilePage.tsx — /settings/profile: display name and roles (PATCH /me),
// and identity checks (KYC: POST /me/kyc). The admin role is shown, never
// changed here (the node refuses it).
import { useEffect, useState } from 'react';
import {
  Alert, Button, Card, CardContent, Checkbox, FormControl, FormControlLabel, FormGroup, FormHelperText, FormLabel, Stack,
  TextField, Typography,
} from '@mui/material';
import { useSession, type Role } from '../../api/session';
import { ErrorAlert, Page } from '../../components/common';
import { useSubmit } from '../../components/form';
import { formatTime } from '../../lib/format';
import { fieldOf } from './fieldOf';
import type { KycStatus, ProfileAnswer } from './types';

const ROLES: { role: Role; text: string }[] = [
  { role: 'customer', text: 'Customer — rent GPUs and run jobs' },
  { role: 'provider', text: 'Provider — offer my GPU servers for rent' },
];

const KYC_TEXT: Record<KycStatus, string> = {
  none: 'Not submitted.',
  pending: 'Submitted; an administrator will decide.',
  verified: 'Verified.',
  rejected: 'Rejected. You may submit again.',
};

function KycCard() {
  const { api, me, reloadMe } = useSession();
  const s = useSubmit([], 'kyc');
  const status = (typeof me?.kyc_status === 'string' ? me.kyc_status : 'none') as KycStatus;
  return (
    <Card variant="outlined" component="section" aria-labelledby="kyc-title">
      <CardContent>
        <Typography id="kyc-title" variant="h6" component="h2" gutterBottom>Identity check (KYC)</Typography>
        <Typography variant="body2" sx={{ mb: 2 }}>Status: {KYC_TEXT[status] ?? status}</Typography>
        <ErrorAlert error={s.formError} />
        {(status === 'none' || status === 'rejected') && (
          <Button variant="outlined" disabled={s.busy} onClick={() => void s.run(async () => { await api.post('/me/kyc', {}); await reloadMe(); })}>
            Ask for an identity check
          </Button>
        )}
      </CardContent>
    </Card>
  );
}

export function ProfilePage() {
  const { api, me, reloadMe } = useSession();
  const [displayName, setDisplayName] = useState('');
  const [roles, setRoles] = useState<Role[]>([]);
  const [saved, setSaved] = useState(false);
  const s = useSubmit(['display_name', 'roles'], 'profile');

  useEffect(() => {
    setDisplayName(me?.display_name ?? '');
    setRoles(me?.roles.filter((r) => r !== 'admin') ?? []);
  }, [me]);

  if (!me) return null; // RequireRole shows the sign-in page first

  const toggle = (r: Role, on: boolean) => setRoles((cur) => (on ? [...cur.filter((x) => x !== r), r] : cur.filter((x) => x !== r)));

  const submit = () => {
    setSaved(false);
    void s.run(async () => {
      // the admin role must be sent back unchanged: the node refuses any change of it here
      const keep: Role[] = me.roles.includes('admin') ? ['admin'] : [];
      await api.patch<ProfileAnswer>('/me', { display_name: displayName.trim(), roles: [...roles, ...keep] })
        .catch((e: unknown) => fieldOf(e, { forbidden: 'roles' }));
      await reloadMe();
      setSaved(true);
    });
  };

  return (
    <Page title="Profile">
      <Stack spacing={2} sx={{ maxWidth: 800 }}>
        <Card variant="outlined" component="section" aria-labelledby="profile-title">
          <CardContent>
            <Typography id="profile-title" variant="h6" component="h2" gutterBottom>Account</Typography>
            <Typography variant="body2">Email: {me.email} {me.email_verified ? '(confirmed)' : '(not confirmed)'}</Typography>
            {typeof me.created_ms === 'number' && <Typography variant="body2">Member since {formatTime(me.created_ms)}</Typography>}
            {me.roles.includes('admin') && <Typography variant="body2">This account is an administrator.</Typography>}
            <Stack component="form" noValidate spacing={2} sx={{ maxWidth: 480, mt: 2 }} aria-labelledby="profile-title"
              onSubmit={(e) => { e.preventDefault(); submit(); }}>
              <TextField label="Display name" value={displayName} onChange={(e) => setDisplayName(e.target.value)}
                {...s.fieldProps('display_name', 'Shown to other users instead of your email; at most 100 bytes')}
                slotProps={{ htmlInput: { maxLength: 100 } }} />
              <FormControl component="fieldset" error={!!s.fieldErrors.roles}>
                <FormLabel component="legend">Roles</FormLabel>
                <FormGroup>
                  {ROLES.map((o) => (
                    <FormControlLabel key={o.role} label={o.text}
                      control={<Checkbox checked={roles.includes(o.role)} onChange={(e) => toggle(o.role, e.target.checked)} />} />
                  ))}
                </FormGroup>
                {s.fieldErrors.roles && <FormHelperText>{s.fieldErrors.roles}</FormHelperText>}
              </FormControl>
              <ErrorAlert error={s.formError} />
              {saved && <Alert severity="success" role="status">Profile saved.</Alert>}
              <div>
                <Button type="submit" variant="contained" disabled={s.busy}>{s.busy ? 'Saving…' : 'Save profile'}</Button>
              </div>
            </Stack>
          </CardContent>
        </Card>
        <KycCard />
      </Stack>
    </Page>
  );
}
