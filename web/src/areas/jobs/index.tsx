// The Jobs area (compute bought by the job, and vanity addresses): routes and menu entries (see ../area.ts).
// Client routes start with /my/jobs or /vanity (never an API path: cpcd serves the
// dashboard only for paths that are not API GET routes).
import { lazy } from 'react';
import type { Area } from '../area';
import { lazyPage } from '../page';

const MyJobsPage = lazy(() => import('./MyJobsPage'));
const CreateJobPage = lazy(() => import('./CreateJobPage'));
const JobDetailPage = lazy(() => import('./JobDetailPage'));
const VanityPage = lazy(() => import('./VanityPage'));


export const jobsArea: Area = {
  id: 'jobs',
  title: 'Jobs',
  nav: [
    { label: 'My jobs', to: '/my/jobs', who: 'customer' },
    { label: 'New job', to: '/my/jobs/new', who: 'customer' },
    { label: 'Vanity address', to: '/vanity', who: 'customer' },
  ],
  routes: [
    { path: '/my/jobs', element: lazyPage(MyJobsPage, 'customer') },
    { path: '/my/jobs/new', element: lazyPage(CreateJobPage, 'customer') },
    { path: '/my/jobs/:id', element: lazyPage(JobDetailPage, 'customer') },
    { path: '/vanity', element: lazyPage(VanityPage, 'customer') },
  ],
};
