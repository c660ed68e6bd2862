// The Explorer area: routes and menu entries (see ../area.ts). Public pages:
// the chain's front page at /, and everything else under /explorer/.
import { lazy, type ComponentType, type LazyExoticComponent } from 'react';
import type { Area } from '../area';
import { lazyPage } from '../page';

const HomePage = lazy(() => import('./HomePage'));
const BlockPage = lazy(() => import('./BlockPage'));
const TxPage = lazy(() => import('./TxPage'));
const AccountPage = lazy(() => import('./AccountPage'));
const JobPage = lazy(() => import('./JobPage'));
const JobsPage = lazy(() => import('./JobsPage'));
const WorkersPage = lazy(() => import('./WorkersPage'));
const SearchPage = lazy(() => import('./SearchPage'));

const page = (C: LazyExoticComponent<ComponentType>) => lazyPage(C);

export const explorerArea: Area = {
  id: 'explorer',
  title: 'Explorer',
  nav: [
    { label: 'Chain', to: '/', who: 'public' },
    { label: 'Workers', to: '/explorer/workers', who: 'public' },
    { label: 'Jobs', to: '/explorer/jobs', who: 'public' },
  ],
  routes: [
    { index: true, element: page(HomePage) },
    { path: 'explorer/block/:id', element: page(BlockPage) },
    { path: 'explorer/tx/:hash', element: page(TxPage) },
    { path: 'explorer/account/:address', element: page(AccountPage) },
    { path: 'explorer/job/:id', element: page(JobPage) },
    { path: 'explorer/jobs', element: page(JobsPage) },
    { path: 'explorer/workers', element: page(WorkersPage) },
    { path: 'explorer/search', element: page(SearchPage) },
  ],
};
