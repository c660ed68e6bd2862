import { describe, expect, it } from 'vitest';
import { ApiClient, ApiError, errorField, memoryTokenStore, withQuery, type Session } from './client';

interface Call {
  url: string;
  method: string;
  headers: Record<string, string>;
  body?: string;
}

/** A fetch that answers from a script and records each call. */
function scripted(answers: ((c: Call) => Response)[]) {
  const calls: Call[] = [];
  const fn = (async (url: string, init: RequestInit) => {
    const c: Call = { url, method: init.method ?? 'GET', headers: init.headers as Record<string, string>, body: init.body as string | undefined };
    calls.push(c);
    const next = answers.shift();
    if (!next) throw new Error(`unexpected call ${c.method} ${url}`);
    return next(c);
  }) as unknown as typeof fetch;
  return { fn, calls };
}

const json = (status: number, body: unknown) =>
  new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } });

/** The ApiError a call fails with (the test fails if it resolves). */
async function failure(p: Promise<unknown>): Promise<ApiError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof ApiError) return e;
    throw e;
  }
  throw new Error('the call resolved');
}

const session = (over: Partial<Session> = {}): Session => ({ access_token: 'A1', refresh_token: 'R1', expires_at: 10_000, ...over });

describe('ApiClient', () => {
  it('sends JSON with the bearer token and parses the answer', async () => {
    const { fn, calls } = scripted([() => json(201, { id: 7 })]);
    const c = new ApiClient({ fetch: fn, store: memoryTokenStore(session()), now: () => 0 });
    expect(await c.post<{ id: number }>('/provider/servers', { model: 'RTX 4090' })).toEqual({ id: 7 });
    expect(calls[0].method).toBe('POST');
    expect(calls[0].url).toBe('/provider/servers');
    expect(calls[0].headers.Authorization).toBe('Bearer A1');
    expect(calls[0].headers['Content-Type']).toBe('application/json');
    expect(calls[0].headers.Accept).toBe('application/json');
    expect(JSON.parse(calls[0].body!)).toEqual({ model: 'RTX 4090' });
  });

  it('sends no Authorization header without a session', async () => {
    const { fn, calls } = scripted([() => json(200, { height: 3 })]);
    const c = new ApiClient({ fetch: fn });
    await c.get('/status');
    expect(calls[0].headers.Authorization).toBeUndefined();
  });

  it("turns the API's error envelope into an ApiError", async () => {
    const { fn } = scripted([() => json(400, { error: { code: 'invalid_argument', message: 'price_per_hour: must be above 0' } })]);
    const c = new ApiClient({ fetch: fn });
    const e = await failure(c.post('/provider/servers', {}));
    expect(e).toBeInstanceOf(ApiError);
    expect(e.status).toBe(400);
    expect(e.code).toBe('invalid_argument');
    expect(e.message).toBe('price_per_hour: must be above 0');
    expect(errorField(e.message, ['model', 'price_per_hour'])).toBe('price_per_hour');
  });

  it('keeps an error field the API names', async () => {
    const { fn } = scripted([() => json(422, { error: { code: 'invalid', message: 'bad', field: 'vram_gb' } })]);
    const e = await failure(new ApiClient({ fetch: fn }).post('/x', {}));
    expect(e.field).toBe('vram_gb');
  });

  it('reports a non-JSON error by its status', async () => {
    const { fn } = scripted([() => new Response('<html>bad gateway</html>', { status: 502, statusText: 'Bad Gateway' })]);
    const e = await failure(new ApiClient({ fetch: fn }).get('/status'));
    expect(e).toBeInstanceOf(ApiError);
    expect(e.code).toBe('http_502');
    expect(e.message).toBe('Bad Gateway');
  });

  it('refreshes once on 401 and retries with the new token', async () => {
    const store = memoryTokenStore(session());
    const { fn, calls } = scripted([
      () => json(401, { error: { code: 'unauthorized', message: 'token expired' } }),
      () => json(200, { access_token: 'A2', refresh_token: 'R2', expires_in: 900 }),
      () => json(200, { id: 1 }),
    ]);
    const c = new ApiClient({ fetch: fn, store, now: () => 0 });
    expect(await c.get('/me')).toEqual({ id: 1 });
    expect(calls.map((x) => `${x.method} ${x.url}`)).toEqual(['GET /me', 'POST /auth/refresh', 'GET /me']);
    expect(JSON.parse(calls[1].body!)).toEqual({ refresh_token: 'R1' });
    expect(calls[2].headers.Authorization).toBe('Bearer A2');
    expect(store.load()).toEqual({ access_token: 'A2', refresh_token: 'R2', expires_at: (900 - 30) * 1000 });
  });

  it('refreshes before the call when the access token has expired', async () => {
    const { fn, calls } = scripted([
      () => json(200, { access_token: 'A2', refresh_token: 'R2', expires_in: 900 }),
      () => json(200, {}),
    ]);
    const c = new ApiClient({ fetch: fn, store: memoryTokenStore(session({ expires_at: 5 })), now: () => 10 });
    await c.get('/me');
    expect(calls[0].url).toBe('/auth/refresh');
    expect(calls[1].headers.Authorization).toBe('Bearer A2');
  });

  it('ends the session when the refresh is refused', async () => {
    const store = memoryTokenStore(session());
    let ended = 0;
    const { fn } = scripted([
      () => json(401, { error: { code: 'unauthorized', message: 'expired' } }),
      () => json(401, { error: { code: 'unauthorized', message: 'refresh token revoked' } }),
    ]);
    const c = new ApiClient({ fetch: fn, store, now: () => 0, onSessionEnd: () => ended++ });
    const e = await failure(c.get('/me'));
    expect(e).toBeInstanceOf(ApiError);
    expect(e.status).toBe(401);
    expect(store.load()).toBeNull();
    expect(ended).toBe(1);
  });

  it('shares one refresh among concurrent calls', async () => {
    const { fn, calls } = scripted([
      () => json(200, { access_token: 'A2', refresh_token: 'R2', expires_in: 900 }),
      () => json(200, { a: 1 }),
      () => json(200, { b: 2 }),
    ]);
    const c = new ApiClient({ fetch: fn, store: memoryTokenStore(session({ expires_at: 0 })), now: () => 1 });
    await Promise.all([c.get('/a'), c.get('/b')]);
    expect(calls.filter((x) => x.url === '/auth/refresh')).toHaveLength(1);
  });

  it('does not try to refresh on a failed sign-in', async () => {
    const { fn, calls } = scripted([() => json(401, { error: { code: 'unauthorized', message: 'wrong email or password' } })]);
    const c = new ApiClient({ fetch: fn, store: memoryTokenStore(session()), now: () => 0 });
    await expect(c.post('/auth/login', {})).rejects.toThrow('wrong email or password');
    expect(calls).toHaveLength(1);
  });

  it('reads text answers (CSV, printable invoices)', async () => {
    const { fn, calls } = scripted([() => new Response('day,revenue\n2026-12-01,5\n', { status: 200 })]);
    expect(await new ApiClient({ fetch: fn }).text('/admin/reports/revenue.csv', { from: 1 })).toContain('2026-12-01');
    expect(calls[0].url).toBe('/admin/reports/revenue.csv?from=1');
    expect(calls[0].headers.Accept).toMatch(/^text\//);
  });

  it('answers 204 with undefined', async () => {
    const { fn } = scripted([() => new Response(null, { status: 204 })]);
    expect(await new ApiClient({ fetch: fn }).del('/api-keys/3')).toBeUndefined();
  });
});

describe('withQuery', () => {
  it('leaves out empty values and encodes the rest', () => {
    expect(withQuery('/market/gpu', { model: 'RTX 4090', min_vram: 24, country: '', sort: undefined, x: null })).toBe(
      '/market/gpu?model=RTX+4090&min_vram=24',
    );
    expect(withQuery('/a?b=1', { c: true })).toBe('/a?b=1&c=true');
    expect(withQuery('/a', {})).toBe('/a');
  });
});

describe('errorField', () => {
  it('finds the first field the message names as a whole word', () => {
    expect(errorField('gpu_count must be 1..64', ['gpu', 'gpu_count'])).toBe('gpu_count');
    expect(errorField('expected {"email": string, "password": string}', ['password', 'email'])).toBe('email');
    expect(errorField('server not found', ['email'])).toBeUndefined();
  });
});
