// The Provider area (the provider cabinet): routes and menu entries (see ../area.ts).
// Every page needs the provider role; each loads lazily, inside the shell.
import { lazy } from 'react';
import { Navigate } from 'react-router-dom';
import type { Area } from '../area';
import { lazyPage } from '../page';

const ServersPage = lazy(() => import('./ServersPage'));
const ServerDetailPage = lazy(() => import('./ServerDetailPage'));
const EarningsPage = lazy(() => import('./EarningsPage'));
const WalletPage = lazy(() => import('./WalletPage'));

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
    { path: 'cabinet/servers', element: lazyPage(ServersPage, 'provider') },
    { path: 'cabinet/servers/:id', element: lazyPage(ServerDetailPage, 'provider') },
    { path: 'cabinet/earnings', element: lazyPage(EarningsPage, 'provider') },
    { path: 'cabinet/wallet', element: lazyPage(WalletPage, 'provider') },
  ],
};
