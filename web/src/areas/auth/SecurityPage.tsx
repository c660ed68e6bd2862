// SecurityPage.tsx — /settings/security: password, two-factor authentication, sessions.
import { Stack } from '@mui/material';
import { Page } from '../../components/common';
import { ChangePasswordCard } from './ChangePasswordCard';
import { SignOutEverywhereCard } from './SignOutEverywhereCard';
import { TwoFactorCard } from './TwoFactorCard';

export function SecurityPage() {
  return (
    <Page title="Security">
      <Stack spacing={2} sx={{ maxWidth: 800 }}>
        <ChangePasswordCard />
        <TwoFactorCard />
        <SignOutEverywhereCard />
      </Stack>
    </Page>
  );
}
