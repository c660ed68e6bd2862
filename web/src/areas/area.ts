// area.ts — what each area of the dashboard (auth, provider, customer,
// admin, explorer) gives the shell: its routes, its menu entries and the
// URL patterns it owns. Pages load lazily, so the first page's bundle stays small.
import type { RouteObject } from 'react-router-dom';
import type { Role } from '../api/session';

export interface NavItem {
  label: string;
  to: string;
  /** who sees the entry: a role, anyone signed in, only visitors signed out, or everyone */
  who: Role | 'signed-in' | 'signed-out' | 'public';
}

export interface Area {
  id: 'auth' | 'provider' | 'customer' | 'jobs' | 'admin' | 'explorer';
  title: string;
  nav: NavItem[];
  routes: RouteObject[];
}
