// The Admin area: the operators' console under /console/ (see ../area.ts).
// Every page is lazy (its own chunk) and behind the admin role; the API
// checks the role again on every call.
import { lazy, type ComponentType, type LazyExoticComponent } from 'react';
import type { RouteObject } from 'react-router-dom';
import type { Area } from '../area';
import { lazyPage } from '../page';

const FleetPage = lazy(() => import('./fleet/FleetPage'));
const UsersPage = lazy(() => import('./users/UsersPage'));
const WithdrawalsPage = lazy(() => import('./withdrawals/WithdrawalsPage'));
const RevenuePage = lazy(() => import('./revenue/RevenuePage'));
const AuditPage = lazy(() => import('./audit/AuditPage'));
const SupportPage = lazy(() => import('./support/SupportPage'));

function adminRoute(path: string, Page: LazyExoticComponent<ComponentType>): RouteObject {
  return { path, element: lazyPage(Page, 'admin') };
}

export const adminArea: Area = {
  id: 'admin',
  title: 'Admin',
  nav: [
    { label: 'Fleet', to: '/console/fleet', who: 'admin' },
    { label: 'Users', to: '/console/users', who: 'admin' },
    { label: 'Withdrawals', to: '/console/withdrawals', who: 'admin' },
    { label: 'Revenue', to: '/console/revenue', who: 'admin' },
    { label: 'Support', to: '/console/support', who: 'admin' },
    { label: 'Audit log', to: '/console/audit', who: 'admin' },
  ],
  routes: [
    adminRoute('/console/fleet', FleetPage),
    adminRoute('/console/users', UsersPage),
    adminRoute('/console/withdrawals', WithdrawalsPage),
    adminRoute('/console/revenue', RevenuePage),
    adminRoute('/console/audit', AuditPage),
    adminRoute('/console/support', SupportPage),
  ],
};
