// @vitest-environment jsdom
// The sign-in page against a scripted node: the TOTP step after
// totp_required, then the ?next= page; a foreign ?next= is ignored.
import { act } from 'react';
import { createRoot, type Root } from 'react-dom/client';
import { createMemoryRouter, RouterProvider } from 'react-router-dom';
import { afterEach, describe, expect, it } from 'vitest';
import { ApiClient, memoryTokenStore } from '../../api/client';
import { SessionProvider } from '../../api/session';
import { SignInPage } from './SignInPage';

(globalThis as { IS_REACT_ACT_ENVIRONMENT?: boolean }).IS_REACT_ACT_ENVIRONMENT = true;

type Call = { path: string; body: Record<string, unknown> | undefined };

/** A node that wants a TOTP code "123456" for the password "pw123456". */
function fakeNode(roles: string[]) {
  const calls: Call[] = [];
  const json = (status: number, body: unknown) =>
    new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } });
  const fetchFn = async (url: string | URL | Request, init?: RequestInit) => {
    const path = String(url);
    const body = init?.body ? (JSON.parse(String(init.body)) as Record<string, unknown>) : undefined;
    calls.push({ path, body });
    if (path === '/me') return json(200, { id: 7, email: 'a@b.c', roles, totp_enabled: true });
    if (path === '/auth/login') {
      if (body?.password !== 'pw123456') return json(401, { error: { code: 'invalid_credentials', message: 'wrong email or password' } });
      if (body.totp === undefined) return json(401, { error: { code: 'totp_required', message: 'a TOTP code is required' } });
      if (body.totp !== '123456') return json(401, { error: { code: 'invalid_totp', message: 'wrong code' } });
      return json(200, { access_token: 'at', refresh_token: 'rt', expires_in: 900, token_type: 'Bearer', refresh_expires_in: 86400 });
    }
    return json(404, { error: { code: 'not_found', message: path } });
  };
  return { calls, client: new ApiClient({ fetch: fetchFn as typeof fetch, store: memoryTokenStore() }) };
}

let root: Root | undefined;
let host: HTMLElement | undefined;
afterEach(() => {
  act(() => root?.unmount());
  host?.remove();
});

async function mount(url: string, client: ApiClient) {
  const router = createMemoryRouter(
    [
      { path: '/signin', element: <SignInPage /> },
      { path: '*', element: <p data-testid="landed">landed</p> },
    ],
    { initialEntries: [url] },
  );
  host = document.createElement('div');
  document.body.append(host);
  root = createRoot(host);
  await act(async () => {
    root!.render(
      <SessionProvider client={client}>
        <RouterProvider router={router} />
      </SessionProvider>,
    );
  });
  return router;
}

/** Waits (rendering meanwhile) until `find` finds something. */
async function waitFor<T>(what: string, find: () => T | null | undefined | false): Promise<T> {
  for (let i = 0; i < 200; i++) {
    const v = find();
    if (v) return v;
    await act(async () => { await new Promise((r) => setTimeout(r, 10)); });
  }
  throw new Error(`timed out waiting for ${what}`);
}

async function type(label: string, value: string) {
  const input = await waitFor(`the field ${label}`, () =>
    [...document.querySelectorAll('input')].find((i) => i.labels?.[0]?.textContent?.replace(/\s*\*$/, '') === label));
  const set = Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, 'value')!.set!;
  await act(async () => {
    set.call(input, value);
    input.dispatchEvent(new Event('input', { bubbles: true }));
  });
}

async function press(name: string) {
  const b = await waitFor(`the button ${name}`, () => [...document.querySelectorAll('button')].find((x) => x.textContent === name));
  await act(async () => {
    b.click();
  });
}

const heading = () => document.querySelector('h1')?.textContent;

describe('SignInPage', { timeout: 30_000 }, () => {
  it('asks for the TOTP code, then opens ?next=', async () => {
    const node = fakeNode(['customer']);
    const router = await mount('/signin?next=%2Fmy%2Frentals', node.client);
    await type('Email', 'a@b.c');
    await type('Password', 'pw123456');
    await press('Sign in');
    await waitFor('the code step', () => heading() === 'Two-factor authentication');

    await type('Authentication code', '000000');
    await press('Verify');
    await waitFor('the code error', () => document.body.textContent?.includes('Wrong, reused or spent code'));

    await type('Authentication code', '123 456');
    await press('Verify');
    await waitFor('the next page', () => router.state.location.pathname === '/my/rentals');
    const logins = node.calls.filter((c) => c.path === '/auth/login').map((c) => c.body?.totp);
    expect(logins).toEqual([undefined, '000000', '123456']);
    expect(node.client.session()?.access_token).toBe('at');
  });

  it('refuses a foreign ?next= and goes to the home of the roles', async () => {
    const node = fakeNode(['provider']);
    const router = await mount('/signin?next=https%3A%2F%2Fevil.example%2F', node.client);
    await type('Email', 'a@b.c');
    await type('Password', 'pw123456');
    await press('Sign in');
    await type('Authentication code', '123456');
    await press('Verify');
    await waitFor('the home page', () => router.state.location.pathname !== '/signin');
    expect(router.state.location.pathname).toBe('/cabinet/servers');
  });

  it('says so on a wrong password and stays on the first step', async () => {
    const node = fakeNode(['customer']);
    await mount('/signin', node.client);
    await type('Email', 'a@b.c');
    await type('Password', 'nope1234');
    await press('Sign in');
    const alert = await waitFor('the alert', () => document.querySelector('[role="alert"]'));
    expect(alert.textContent).toContain('Wrong email or password.');
    expect(heading()).toBe('Sign in');
  });
});
