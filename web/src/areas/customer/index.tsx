// The Customer area: GPU rental by the hour and the money behind it — the
// catalogue (/gpus), my rentals, my wallet and my invoices (see ../area.ts).
// Pages load lazily, each behind its own Suspense so the shell stays on screen.
import { lazy, type ComponentType, type LazyExoticComponent } from 'react';
import type { Area } from '../area';
import { lazyPage } from '../page';

const GpuSearchPage = lazy(() => import('./GpuSearchPage'));
const GpuDetailPage = lazy(() => import('./GpuDetailPage'));
const RentalsPage = lazy(() => import('./RentalsPage'));
const RentalPage = lazy(() => import('./RentalPage'));
const WalletPage = lazy(() => import('./WalletPage'));
const InvoicesPage = lazy(() => import('./InvoicesPage'));
const InvoicePage = lazy(() => import('./InvoicePage'));

const page = (C: LazyExoticComponent<ComponentType>, signedIn = false) => lazyPage(C, signedIn ? 'signed-in' : 'public');

export const customerArea: Area = {
  id: 'customer',
  title: 'Customer',
  nav: [
    { label: 'Rent a GPU', to: '/gpus', who: 'public' },
    { label: 'My rentals', to: '/my/rentals', who: 'signed-in' },
    { label: 'Wallet', to: '/my/wallet', who: 'signed-in' },
    { label: 'Invoices', to: '/my/invoices', who: 'signed-in' },
  ],
  routes: [
    { path: 'gpus', element: page(GpuSearchPage) },
    { path: 'gpus/:id', element: page(GpuDetailPage) },
    { path: 'my/rentals', element: page(RentalsPage, true) },
    { path: 'my/rentals/:id', element: page(RentalPage, true) },
    { path: 'my/wallet', element: page(WalletPage, true) },
    { path: 'my/invoices', element: page(InvoicesPage, true) },
    { path: 'my/invoices/:id', element: page(InvoicePage, true) },
  ],
};
