// The Provider area (the provider cabinet): routes and menu entries (see ../area.ts).
// Every page needs the provider role; each loads lazily, inside the shell.
import { lazy, Suspense, type ReactNode } from 'react';
import { Navigate } from 'react-router-dom';
import type { Area } from '../area';
import { Loading } from '../../components/common';
import { RequireRole } from '../../components/RequireRole';

const ServersPage = lazy(() => import('./ServersPage'));
const ServerDetailPage = lazy(() => import('./ServerDetailPage'));
const EarningsPage = lazy(() => import('./EarningsPage'));
const WalletPage = lazy(() => import('./WalletPage'));

function providerPage(page: ReactNode) {
  return (
    <RequireRole role="provider">
      <Suspense fallback={<Loading />}>{page}</Suspense>
    </RequireRole>
  );
}

export const providerArea: Area = {
  id: 'provider',
  title: 'Provider',
  nav: [
    { label: 'My servers', to: '/cabinet/servers', who: 'provider' },
    { label: 'Earnings', to: '/cabinet/earnings', who: 'provider' },
    { label: 'Provider wallet', to: '/cabinet/wallet', who: 'provider' },
  ],
  routes: [
    { path: 'cabinet', element: <Navigate to="/cabinet/servers" replace /> },
    { path: 'cabinet/servers', element: providerPage(<ServersPage />) },
    { path: 'cabinet/servers/:id', element: providerPage(<ServerDetailPage />) },
    { path: 'cabinet/earnings', element: providerPage(<EarningsPage />) },
    { path: 'cabinet/wallet', element: providerPage(<WalletPage />) },
  ],
};
