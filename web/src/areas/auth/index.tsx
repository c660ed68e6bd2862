// The Account area: sign-up, sign-in, password recovery and the signed-in
// settings pages (security, sign-in history, API keys, profile). Routes and
// menu entries (see ../area.ts); every page loads lazily.
import { lazy, type ComponentType, type ReactNode } from 'react';
import type { RouteObject } from 'react-router-dom';
import type { Area } from '../area';
import { lazyPage } from '../page';

/** A page module's named export, loaded lazily (see ../page.tsx). */
function page<M>(load: () => Promise<M>, name: keyof M, signedIn = false): ReactNode {
  const C = lazy(() => load().then((m) => ({ default: m[name] as ComponentType })));
  return lazyPage(C, signedIn ? 'signed-in' : 'public');
}

const routes: RouteObject[] = [
  { path: '/signin', element: page(() => import('./SignInPage'), 'SignInPage') },
  { path: '/signup', element: page(() => import('./SignUpPage'), 'SignUpPage') },
  { path: '/verify-email', element: page(() => import('./VerifyEmailPage'), 'VerifyEmailPage') },
  // the confirmation mail's link: an API route that cpcd gives browsers as a page (pageRoutes)
  { path: '/auth/verify', element: page(() => import('./VerifyEmailPage'), 'VerifyEmailPage') },
  { path: '/forgot-password', element: page(() => import('./ForgotPasswordPage'), 'ForgotPasswordPage') },
  { path: '/reset-password', element: page(() => import('./ResetPasswordPage'), 'ResetPasswordPage') },
  { path: '/settings/security', element: page(() => import('./SecurityPage'), 'SecurityPage', true) },
  { path: '/settings/logins', element: page(() => import('./LoginHistoryPage'), 'LoginHistoryPage', true) },
  { path: '/settings/api-keys', element: page(() => import('./ApiKeysPage'), 'ApiKeysPage', true) },
  { path: '/settings/profile', element: page(() => import('./ProfilePage'), 'ProfilePage', true) },
];

export const authArea: Area = {
  id: 'auth',
  title: 'Account',
  nav: [
    { label: 'Sign in', to: '/signin', who: 'signed-out' },
    { label: 'Sign up', to: '/signup', who: 'signed-out' },
    { label: 'Profile', to: '/settings/profile', who: 'signed-in' },
    { label: 'Security', to: '/settings/security', who: 'signed-in' },
    { label: 'Sign-in history', to: '/settings/logins', who: 'signed-in' },
    { label: 'API keys', to: '/settings/api-keys', who: 'signed-in' },
  ],
  routes,
};
