// page.tsx — the element of an area's route: a lazily loaded page in its own
// Suspense (the shell and menu stay while it loads), behind RequireRole when
// it is for signed-in users or a role. The API checks every call again.
import { Suspense, type ComponentType, type LazyExoticComponent, type ReactNode } from 'react';
import type { Role } from '../api/session';
import { Loading } from '../components/common';
import { RequireRole } from '../components/RequireRole';

export function lazyPage(Page: LazyExoticComponent<ComponentType>, who: Role | 'signed-in' | 'public' = 'public'): ReactNode {
  const el = (
    <Suspense fallback={<Loading />}>
      <Page />
    </Suspense>
  );
  if (who === 'public') return el;
  return <RequireRole role={who === 'signed-in' ? undefined : who}>{el}</RequireRole>;
}
