// session.tsx — who is signed in: the API client, the session tokens and /me.
import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import { ApiClient, localTokenStore } from './client';

export type Role = 'provider' | 'customer' | 'admin';

export interface Me {
  id: number;
  email: string;
  display_name?: string;
  roles: Role[];
  email_verified?: boolean;
  totp_enabled?: boolean;
  [k: string]: unknown;
}

export interface LoginAnswer {
  access_token: string;
  refresh_token: string;
  expires_in: number;
}

interface SessionState {
  api: ApiClient;
  me: Me | null;
  /** true until the first /me answer (or its absence) is known */
  loading: boolean;
  hasRole: (r: Role) => boolean;
  /** keep a login answer and load /me */
  signedIn: (a: LoginAnswer) => Promise<void>;
  signOut: () => Promise<void>;
  reloadMe: () => Promise<void>;
}

const Ctx = createContext<SessionState | null>(null);

/** The client used outside React (one per page). */
export const api = new ApiClient({ store: localTokenStore() });

export function SessionProvider({ children, client = api }: { children: ReactNode; client?: ApiClient }) {
  const [me, setMe] = useState<Me | null>(null);
  const [loading, setLoading] = useState(true);

  const reloadMe = useCallback(async () => {
    if (!client.session()) {
      setMe(null);
      setLoading(false);
      return;
    }
    try {
      setMe(await client.get<Me>('/me'));
    } catch {
      setMe(null);
    } finally {
      setLoading(false);
    }
  }, [client]);

  useEffect(() => {
    void reloadMe();
  }, [reloadMe]);

  const value = useMemo<SessionState>(
    () => ({
      api: client,
      me,
      loading,
      hasRole: (r) => !!me?.roles?.includes(r),
      signedIn: async (a) => {
        client.setSession(a);
        await reloadMe();
      },
      signOut: async () => {
        const s = client.session();
        if (s) {
          try {
            await client.post('/auth/logout', { refresh_token: s.refresh_token });
          } catch {
            /* the token is dropped here whatever the node says */
          }
        }
        client.setSession(null);
        setMe(null);
      },
      reloadMe,
    }),
    [client, me, loading, reloadMe],
  );
  return <Ctx.Provider value={value}>{children}</Ctx.Provider>;
}

export function useSession(): SessionState {
  const s = useContext(Ctx);
  if (!s) throw new Error('useSession outside SessionProvider');
  return s;
}
