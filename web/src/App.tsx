// App.tsx — the router: every area's routes inside the shell.
import { Suspense } from 'react';
import { createBrowserRouter, RouterProvider, type RouteObject } from 'react-router-dom';
import { Layout } from './Layout';
import { Loading, Page } from './components/common';
import { authArea } from './areas/auth';
import { providerArea } from './areas/provider';
import { customerArea } from './areas/customer';
import { jobsArea } from './areas/jobs';
import { adminArea } from './areas/admin';
import { explorerArea } from './areas/explorer';

export const areas = [explorerArea, customerArea, jobsArea, providerArea, adminArea, authArea];

function NotFound() {
  return <Page title="Page not found">There is no page at this address. Use the menu or the search box.</Page>;
}

export const appRoutes: RouteObject[] = [
  {
    path: '/',
    element: <Layout areas={areas} />,
    children: [...areas.flatMap((a) => a.routes), { path: '*', element: <NotFound /> }],
  },
];

const router = createBrowserRouter(appRoutes);

export function App() {
  return (
    <Suspense fallback={<Loading />}>
      <RouterProvider router={router} />
    </Suspense>
  );
}
