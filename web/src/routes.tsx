// routes.tsx — every client-side route: each area's routes inside the shell.
// Client routes never take an API path (cpcd would answer the API there):
// e2e/dashboard.e2e.ts checks them against the node's own route list.
import type { RouteObject } from 'react-router-dom';
import { Layout } from './Layout';
import { Page } from './components/common';
import { authArea } from './areas/auth';
import { providerArea } from './areas/provider';
import { customerArea } from './areas/customer';
import { jobsArea } from './areas/jobs';
import { adminArea } from './areas/admin';
import { explorerArea } from './areas/explorer';

/** API GET routes that cpcd hands to a browser as a page (CPC_ROUTE_PAGE in
 * src/cpcd/routes.c): the links of the node's mails, opened in a browser. */
export const pageRoutes = ['/auth/verify'];

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

/** Every route's full path pattern ("/explorer/block/:id"), for checks. */
export function routePaths(routes: RouteObject[] = appRoutes, base = ''): string[] {
  const out: string[] = [];
  for (const r of routes) {
    const p = r.index ? base : r.path === undefined ? base : r.path.startsWith('/') ? r.path : `${base.replace(/\/$/, '')}/${r.path}`;
    if (r.path !== undefined || r.index) out.push(p || '/');
    if (r.children) out.push(...routePaths(r.children, p));
  }
  return [...new Set(out)];
}
