// The Jobs area (compute bought by the job, and vanity addresses): routes and menu entries (see ../area.ts).
// Client routes start with /my/jobs or /vanity (never an API path: cpcd serves the
// dashboard only for paths that are not API GET routes).
import { lazy, type ReactNode } from 'react';
import type { Area } from '../area';
import { RequireRole } from '../../components/RequireRole';

const MyJobsPage = lazy(() => import('./MyJobsPage'));
const CreateJobPage = lazy(() => import('./CreateJobPage'));
const JobDetailPage = lazy(() => import('./JobDetailPage'));
const VanityPage = lazy(() => import('./VanityPage'));

const customer = (page: ReactNode) => <RequireRole role="customer">{page}</RequireRole>;

export const jobsArea: Area = {
  id: 'jobs',
  title: 'Jobs',
  nav: [
    { label: 'My jobs', to: '/my/jobs', who: 'customer' },
    { label: 'New job', to: '/my/jobs/new', who: 'customer' },
    { label: 'Vanity address', to: '/vanity', who: 'customer' },
  ],
  routes: [
    { path: '/my/jobs', element: customer(<MyJobsPage />) },
    { path: '/my/jobs/new', element: customer(<CreateJobPage />) },
    { path: '/my/jobs/:id', element: customer(<JobDetailPage />) },
    { path: '/vanity', element: customer(<VanityPage />) },
  ],
};
