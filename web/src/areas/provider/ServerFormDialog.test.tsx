// @vitest-environment jsdom
// The add-server dialog against a fake node: the POST, then the binding's PUT
// signed by the worker key in the page; a refused binding deletes the server
// again and shows the node's message on the worker field.
import { afterEach, describe, expect, it } from 'vitest';
import { act } from 'react';
import { createRoot, type Root } from 'react-dom/client';
import { secp256k1 } from '@noble/curves/secp256k1';
import { bytesToHex, hexToBytes } from '@noble/hashes/utils';
import { ApiClient, memoryTokenStore } from '../../api/client';
import { SessionProvider } from '../../api/session';
import { ServerFormDialog, type Saved } from './ServerFormDialog';
import { bindingDigest } from './workerKey';

(globalThis as { IS_REACT_ACT_ENVIRONMENT?: boolean }).IS_REACT_ACT_ENVIRONMENT = true;

const seckey = '33'.repeat(32);
const pubkey = bytesToHex(secp256k1.getPublicKey(hexToBytes(seckey), true));
const address = 'cpc1qqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqq';
const keyFile = JSON.stringify({ name: 'box-7', address, pubkey, encrypted: false, seckey });
const SID = '0f8fad5b-d9cb-469f-a165-70867728950e';

interface Call { method: string; path: string; body?: Record<string, unknown> }

function fakeNode(bindAnswer: { status: number; body: unknown }) {
  const calls: Call[] = [];
  const json = (status: number, body: unknown) => new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } });
  const fetchFn = async (url: RequestInfo | URL, init?: RequestInit) => {
    const path = String(url);
    const method = init?.method ?? 'GET';
    calls.push({ method, path, body: init?.body ? JSON.parse(String(init.body)) : undefined });
    if (path === '/me') return json(200, { id: 42, email: 'p@example.com', roles: ['provider'] });
    if (method === 'POST') return json(201, { id: SID, worker: null, ...(calls.at(-1)!.body ?? {}) });
    if (method === 'PUT') return json(bindAnswer.status, bindAnswer.body);
    if (method === 'DELETE') return json(200, { id: SID, deleted: true });
    return json(404, { error: { code: 'not_found', message: 'no' } });
  };
  const api = new ApiClient({ fetch: fetchFn as typeof fetch, store: memoryTokenStore({ access_token: 'a', refresh_token: 'r', expires_at: Date.now() + 3_600_000 }) });
  return { api, calls };
}

let root: Root | undefined;
afterEach(() => {
  act(() => root?.unmount());
  document.body.innerHTML = '';
});

async function flush() {
  for (let i = 0; i < 5; i++) await act(async () => { await new Promise((r) => setTimeout(r, 0)); });
}

function type(id: string, value: string) {
  const el = document.getElementById(id) as HTMLInputElement | HTMLTextAreaElement;
  expect(el, id).toBeTruthy();
  const proto = el instanceof HTMLTextAreaElement ? HTMLTextAreaElement.prototype : HTMLInputElement.prototype;
  act(() => {
    Object.getOwnPropertyDescriptor(proto, 'value')!.set!.call(el, value);
    el.dispatchEvent(new Event('input', { bubbles: true }));
  });
}

async function addServer(api: ApiClient) {
  const saved: Saved[] = [];
  const host = document.createElement('div');
  document.body.appendChild(host);
  root = createRoot(host);
  act(() => root!.render(<SessionProvider client={api}><ServerFormDialog onClose={() => undefined} onSaved={(s) => saved.push(s)} /></SessionProvider>));
  await flush();
  type('add-server-host', 'gpu1.example.com');
  type('add-server-ram_gb', '64');
  type('add-server-disk_gb', '500');
  type('add-server-country', 'de');
  type('add-server-price_per_gpu_hour', '0.6');
  type('add-server-worker', keyFile);
  const form = document.querySelector('form')!;
  await act(async () => { form.requestSubmit(); });
  await flush();
  return saved;
}

describe('ServerFormDialog (add)', () => {
  it('creates the server, then binds the worker with a signature of id and owner', async () => {
    const { api, calls } = fakeNode({ status: 200, body: { id: SID, worker: address, gpu_model: 'RTX 4090' } });
    const saved = await addServer(api);
    const writes = calls.filter((c) => c.method !== 'GET');
    expect(writes.map((c) => `${c.method} ${c.path}`)).toEqual(['POST /provider/servers', `PUT /provider/servers/${SID}`]);
    expect(writes[0].body).toMatchObject({ host: 'gpu1.example.com', country: 'DE', ram_gb: 64, price_per_gpu_hour: 600_000_000 });
    expect(writes[0].body).not.toHaveProperty('worker');
    const w = writes[1].body!.worker as { address: string; pubkey: string; signature: string };
    expect(w.address).toBe(address);
    expect(w.pubkey).toBe(pubkey);
    expect(secp256k1.verify(hexToBytes(w.signature), bindingDigest(SID, 42), hexToBytes(pubkey))).toBe(true);
    expect(JSON.stringify(calls)).not.toContain(seckey);
    expect(saved).toHaveLength(1);
    expect(saved[0].boundKey).toBe('box-7');
  }, 60_000);

  it('deletes the server again when the binding is refused and shows why on the worker field', async () => {
    const { api, calls } = fakeNode({ status: 409, body: { error: { code: 'worker_bound', message: 'this worker is bound to another server' } } });
    const saved = await addServer(api);
    expect(calls.filter((c) => c.method !== 'GET').map((c) => c.method)).toEqual(['POST', 'PUT', 'DELETE']);
    expect(saved).toHaveLength(0);
    const help = document.getElementById('add-server-worker-helper-text');
    expect(help?.textContent).toBe('this worker is bound to another server');
  }, 60_000);
});
