// @vitest-environment jsdom
// The withdrawal queue against a fake node: approve through the confirm
// dialog leaves the row approved with its tx linked to the explorer; a
// reject without a reason is stopped next to the field.
import { afterEach, describe, expect, it } from 'vitest';
import { act } from 'react';
import { createRoot, type Root } from 'react-dom/client';
import { MemoryRouter } from 'react-router-dom';
import { ApiClient, memoryTokenStore } from '../../../api/client';
import { SessionProvider } from '../../../api/session';
import WithdrawalsPage from './WithdrawalsPage';
import type { Withdrawal } from '../types';

(globalThis as { IS_REACT_ACT_ENVIRONMENT?: boolean }).IS_REACT_ACT_ENVIRONMENT = true;

const HASH = 'ab'.repeat(32);
const pending: Withdrawal = {
  id: 'w1', user_id: 7, amount: 2_500_000_000, amount_cpc: '2.5', method: 'card', destination: '4242424242424242',
  status: 'pending', tx_hash: null, reason: null, created_ms: 1_700_000_000_000, decided_ms: null, decided_by: null,
};

function fakeNode() {
  const calls: { method: string; path: string; body?: string }[] = [];
  const json = (b: unknown, status = 200) => new Response(JSON.stringify(b), { status, headers: { 'Content-Type': 'application/json' } });
  const fetch = async (url: RequestInfo | URL, init?: RequestInit) => {
    const path = String(url);
    const method = init?.method ?? 'GET';
    calls.push({ method, path, body: init?.body as string | undefined });
    if (path === '/me') return json({ id: 1, email: 'admin@example.com', roles: ['admin'] });
    if (path.startsWith('/admin/withdrawals?')) return json({ status: 'pending', withdrawals: [pending], limit: 50, offset: 0 });
    if (path === '/admin/withdrawals/w1/approve' && method === 'POST')
      return json({ ...pending, status: 'approved', tx_hash: HASH, decided_ms: 1_700_000_100_000, decided_by: 1, payout: { provider: 'manual', status: 'submitted' } });
    return json({ error: { code: 'not_found', message: 'no route' } }, 404);
  };
  const api = new ApiClient({ fetch: fetch as typeof globalThis.fetch, store: memoryTokenStore({ access_token: 'a', refresh_token: 'r', expires_at: Date.now() + 600_000 }) });
  return { api, calls };
}

let root: Root | undefined;
let host: HTMLElement | undefined;
afterEach(() => {
  act(() => root?.unmount());
  host?.remove();
  document.body.innerHTML = '';
});

/** Let React and the fake node run until `ok` holds (a busy machine may need many turns). */
async function until(what: string, ok: () => boolean, timeoutMs = 10_000) {
  const end = Date.now() + timeoutMs;
  while (!ok()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await act(async () => { await new Promise((r) => setTimeout(r, 10)); });
  }
}

function button(name: string): HTMLButtonElement {
  const b = [...document.querySelectorAll('button')].find((x) => x.textContent?.trim() === name);
  if (!b) throw new Error(`no button ${name}`);
  return b as HTMLButtonElement;
}

async function mount() {
  const node = fakeNode();
  host = document.createElement('div');
  document.body.appendChild(host);
  root = createRoot(host);
  await act(async () => {
    root!.render(
      <SessionProvider client={node.api}>
        <MemoryRouter>
          <WithdrawalsPage />
        </MemoryRouter>
      </SessionProvider>,
    );
  });
  await until('the queue', () => !!document.querySelector('[data-withdrawal="w1"]'));
  return node;
}

describe('withdrawal queue page', () => {
  it('approves through the dialog and shows the tx', async () => {
    const node = await mount();
    const row = document.querySelector('[data-withdrawal="w1"]')!;
    expect(row.textContent).toContain('2.5 CPC');
    expect(row.textContent).toContain('pending');
    await act(async () => button('Approve').click());
    await until('the dialog', () => !!document.querySelector('[role="dialog"]'));
    expect(document.querySelector('[role="dialog"]')?.textContent).toContain('Approve this withdrawal?');
    await act(async () => button('Approve and send').click());
    await until('the approved row', () => !!document.querySelector('[data-withdrawal="w1"] a'));
    expect(node.calls.some((c) => c.method === 'POST' && c.path === '/admin/withdrawals/w1/approve')).toBe(true);
    const after = document.querySelector('[data-withdrawal="w1"]')!;
    expect(after.textContent).toContain('approved');
    const link = after.querySelector('a')!;
    expect(link.getAttribute('href')).toBe(`/explorer/tx/${HASH}`);
    expect(after.textContent).not.toContain('Approve');
  });

  it('wants a reason before rejecting', async () => {
    const node = await mount();
    await act(async () => button('Reject').click());
    await until('the dialog', () => !!document.querySelector('[role="dialog"] form'));
    await act(async () => {
      (document.querySelector('[role="dialog"] form') as HTMLFormElement).requestSubmit();
    });
    await until('the field error', () => /say why/.test(document.getElementById('reject-reason-helper-text')?.textContent ?? ''));
    expect(node.calls.some((c) => c.path.endsWith('/reject'))).toBe(false);
  });
});
