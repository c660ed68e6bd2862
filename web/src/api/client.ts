// client.ts — the one way the dashboard talks to cpcd's REST API.
//
// Every call goes to the same origin the page came from (cpcd serves both).
// A JSON error body {"error":{"code","message"}} becomes an ApiError; a 401
// with a refresh token on hand is retried once after POST /auth/refresh, and
// a failed refresh clears the session (the app then shows the sign-in page).
// Ownership: the client keeps the session object it was given and replaces it
// on refresh; callers never mutate it.

export interface Session {
  access_token: string;
  refresh_token: string;
  /** wall-clock ms after which the access token should be refreshed */
  expires_at: number;
}

export interface TokenStore {
  load(): Session | null;
  save(s: Session | null): void;
}

/** A failed API call: HTTP status, the API's error code and message. */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  /** the request field the error concerns, when the API or its message names one */
  readonly field?: string;
  constructor(status: number, code: string, message: string, field?: string) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.field = field;
  }
}

export type Query = Record<string, string | number | boolean | undefined | null>;

export interface ClientOptions {
  /** origin + prefix, '' for the page's own origin */
  base?: string;
  fetch?: typeof fetch;
  store?: TokenStore;
  /** called when the session ends (refresh refused or sign-out) */
  onSessionEnd?: () => void;
  now?: () => number;
}

/** Session kept in localStorage under one key (access and refresh tokens).
 * The refresh token is what keeps a user signed in across reloads; it is
 * revoked server-side by /auth/logout. */
export function localTokenStore(key = 'cpc.session'): TokenStore {
  return {
    load() {
      try {
        const raw = globalThis.localStorage?.getItem(key);
        if (!raw) return null;
        const s = JSON.parse(raw) as Session;
        return typeof s.access_token === 'string' && typeof s.refresh_token === 'string' ? s : null;
      } catch {
        return null;
      }
    },
    save(s) {
      if (s) globalThis.localStorage?.setItem(key, JSON.stringify(s));
      else globalThis.localStorage?.removeItem(key);
    },
  };
}

export function memoryTokenStore(initial: Session | null = null): TokenStore {
  let s = initial;
  return { load: () => s, save: (n) => { s = n; } };
}

/** Build "path?a=1&b=x", leaving out undefined, null and '' values. */
export function withQuery(path: string, q?: Query): string {
  if (!q) return path;
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(q)) {
    if (v === undefined || v === null || v === '') continue;
    p.append(k, String(v));
  }
  const s = p.toString();
  return s ? `${path}${path.includes('?') ? '&' : '?'}${s}` : path;
}

/** The field an error message names, from a list of the form's fields: the
 * API names the offending field in its message ("price_per_hour: must be …"). */
export function errorField(message: string, fields: readonly string[]): string | undefined {
  let best: { f: string; at: number } | undefined;
  for (const f of fields) {
    const m = new RegExp(`(^|[^A-Za-z0-9_])${f.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}($|[^A-Za-z0-9_])`).exec(message);
    if (m && (!best || m.index < best.at)) best = { f, at: m.index };
  }
  return best?.f;
}

async function errorOf(r: Response): Promise<ApiError> {
  let code = `http_${r.status}`;
  let message = r.statusText || `HTTP ${r.status}`;
  let field: string | undefined;
  try {
    const j = await r.json();
    if (j && typeof j === 'object' && j.error && typeof j.error === 'object') {
      if (typeof j.error.code === 'string') code = j.error.code;
      if (typeof j.error.message === 'string') message = j.error.message;
      if (typeof j.error.field === 'string') field = j.error.field;
    }
  } catch {
    /* not JSON: keep the status line */
  }
  return new ApiError(r.status, code, message, field);
}

export class ApiClient {
  private readonly base: string;
  private readonly fetchFn: typeof fetch;
  private readonly store: TokenStore;
  private readonly onSessionEnd?: () => void;
  private readonly now: () => number;
  private refreshing: Promise<boolean> | null = null;

  constructor(o: ClientOptions = {}) {
    this.base = o.base ?? '';
    this.fetchFn = o.fetch ?? ((...a) => globalThis.fetch(...a));
    this.store = o.store ?? memoryTokenStore();
    this.onSessionEnd = o.onSessionEnd;
    this.now = o.now ?? Date.now;
  }

  session(): Session | null {
    return this.store.load();
  }

  /** Keep the answer of /auth/login or /auth/refresh. */
  setSession(login: { access_token: string; refresh_token: string; expires_in: number } | null): void {
    if (!login) {
      this.store.save(null);
      return;
    }
    this.store.save({
      access_token: login.access_token,
      refresh_token: login.refresh_token,
      expires_at: this.now() + Math.max(0, login.expires_in - 30) * 1000,
    });
  }

  get<T>(path: string, q?: Query): Promise<T> {
    return this.request<T>('GET', withQuery(path, q));
  }
  post<T>(path: string, body?: unknown): Promise<T> {
    return this.request<T>('POST', path, body);
  }
  put<T>(path: string, body?: unknown): Promise<T> {
    return this.request<T>('PUT', path, body);
  }
  patch<T>(path: string, body?: unknown): Promise<T> {
    return this.request<T>('PATCH', path, body);
  }
  del<T>(path: string): Promise<T> {
    return this.request<T>('DELETE', path);
  }

  /** GET a non-JSON resource (CSV, HTML invoice, blob) as text. */
  async text(path: string, q?: Query): Promise<string> {
    const r = await this.send('GET', withQuery(path, q), undefined, 'text/*, application/octet-stream');
    return r.text();
  }

  async request<T>(method: string, path: string, body?: unknown): Promise<T> {
    const r = await this.send(method, path, body, 'application/json');
    if (r.status === 204) return undefined as T;
    const t = await r.text();
    if (!t) return undefined as T;
    try {
      return JSON.parse(t) as T;
    } catch {
      throw new ApiError(r.status, 'bad_response', `the node answered ${method} ${path} with non-JSON`);
    }
  }

  private async send(method: string, path: string, body: unknown, accept: string): Promise<Response> {
    let s = this.store.load();
    if (s && s.expires_at <= this.now()) {
      await this.refresh();
      s = this.store.load();
    }
    let r = await this.raw(method, path, body, accept, s?.access_token);
    if (r.status === 401 && s && !path.startsWith('/auth/')) {
      if (await this.refresh()) r = await this.raw(method, path, body, accept, this.store.load()?.access_token);
    }
    if (!r.ok) throw await errorOf(r);
    return r;
  }

  private raw(method: string, path: string, body: unknown, accept: string, token?: string): Promise<Response> {
    const headers: Record<string, string> = { Accept: accept };
    if (token) headers.Authorization = `Bearer ${token}`;
    let payload: string | undefined;
    if (body !== undefined) {
      headers['Content-Type'] = 'application/json';
      payload = JSON.stringify(body);
    }
    return this.fetchFn(this.base + path, { method, headers, body: payload });
  }

  /** One refresh at a time; false (and the session cleared) when refused. */
  private refresh(): Promise<boolean> {
    if (this.refreshing) return this.refreshing;
    const s = this.store.load();
    if (!s) return Promise.resolve(false);
    this.refreshing = (async () => {
      try {
        const r = await this.raw('POST', '/auth/refresh', { refresh_token: s.refresh_token }, 'application/json');
        if (!r.ok) throw await errorOf(r);
        this.setSession(await r.json());
        return true;
      } catch {
        this.store.save(null);
        this.onSessionEnd?.();
        return false;
      } finally {
        this.refreshing = null;
      }
    })();
    return this.refreshing;
  }
}
