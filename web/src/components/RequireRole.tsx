// RequireRole.tsx — pages behind a sign-in (and a role). The API checks every
// call again; this only keeps users from pages that would answer 401/403.
import type { ReactNode } from 'react';
import { Navigate, useLocation } from 'react-router-dom';
import { Alert } from '@mui/material';
import { useSession, type Role } from '../api/session';
import { Loading, Page } from './common';

export function RequireRole({ role, children }: { role?: Role; children: ReactNode }) {
  const { me, loading } = useSession();
  const loc = useLocation();
  if (loading) return <Loading />;
  if (!me) return <Navigate to={`/signin?next=${encodeURIComponent(loc.pathname + loc.search)}`} replace />;
  if (role && !me.roles.includes(role))
    return (
      <Page title="Not allowed">
        <Alert severity="warning">This page is for accounts with the {role} role.</Alert>
      </Page>
    );
  return <>{children}</>;
}
