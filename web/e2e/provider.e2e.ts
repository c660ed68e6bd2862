// The provider cabinet in Debian's chromium against a real cpcd and a real
// cpc-worker: a provider signs in, adds a server in the browser bound to a
// worker key (the page signs the binding with the key file), sees the node's
// validation message next to its field, sees the server "offline" (the worker
// is registered but not running), then the worker starts and the same page
// shows it "online" without a reload (the table refetches on SSE block events). Then the server's page, earnings and
// wallet load, and a withdrawal request shows as pending.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Net, openBrowser, openSignedIn, waitFor, type Account, type Browsing, type Worker } from './harness';

let net: Net;
let b: Browsing;
let provider: Account;
let worker: Worker;

beforeAll(async () => {
  net = await Net.start();
  b = await openBrowser();
  provider = await net.signup('provider@e2e.test');
  await net.api('PATCH', '/me', { roles: ['provider'] }, provider.token);
  worker = await net.worker('gpu-box');
});

afterAll(async () => {
  await b?.close();
  await net?.stop();
});

interface Server { id: string; status: string; worker: string | null; host: string }

describe('provider cabinet', () => {
  it('adds a server bound to a worker, which goes online without a reload', async () => {
    const { page } = b;
    await openSignedIn(page, net, provider, '/cabinet/servers');
    await page.getByRole('heading', { name: 'My servers' }).waitFor();
    await page.getByText('You have no servers yet').waitFor();

    await page.getByRole('button', { name: 'Add server' }).click();
    const dialog = page.getByRole('dialog', { name: 'Add a server' });
    await dialog.getByLabel(/^GPUs/).fill('99');
    await dialog.getByLabel(/^Host/).fill('127.0.0.1');
    await dialog.getByLabel(/^RAM/).fill('64');
    await dialog.getByLabel(/^Disk/).fill('500');
    await dialog.getByLabel(/^Country/).fill('de');
    await dialog.getByLabel(/^City/).fill('Berlin');
    await dialog.getByLabel(/^Your price per GPU-hour/).fill('0.6');
    await dialog.getByLabel('Worker key file', { exact: true }).fill(readFileSync(worker.keyFile, 'utf8'));
    await dialog.getByRole('button', { name: 'Add server' }).click();
    // The node refuses the count; its message sits on that field and nothing was created.
    await dialog.getByText('gpu_count must be an integer 1..16').waitFor();
    expect((await net.api<{ servers: Server[] }>('GET', '/provider/servers', undefined, provider.token)).servers).toEqual([]);

    await dialog.getByLabel(/^GPUs/).fill('2');
    await dialog.getByRole('button', { name: 'Add server' }).click();
    await dialog.waitFor({ state: 'detached' });

    const list = await net.api<{ servers: Server[] }>('GET', '/provider/servers', undefined, provider.token);
    expect(list.servers).toHaveLength(1);
    expect(list.servers[0].worker).toBe(worker.address);

    // The worker's registration counts as being heard from: the node calls it online for its
    // 30 s heartbeat timeout, then offline, since nothing runs it yet.
    const id = list.servers[0].id;
    const status = async () => (await net.api<Server>('GET', `/provider/servers/${id}`, undefined, provider.token)).status;
    await waitFor('the node to call the unstarted worker offline', async () => (await status()) === 'offline', 90_000, 1000);
    const row = page.getByRole('row').filter({ hasText: 'RTX 4090' });
    await row.getByText('offline', { exact: true }).waitFor();
    const command = page.getByLabel('Start command', { exact: true });
    expect(await command.textContent()).toBe(`cpc-worker --node ${net.url} run --key ~/.cpc/keyring/gpu-box.json`);
    await page.getByRole('button', { name: 'Copy start command' }).waitFor();
    await b.shot('provider-servers-offline');

    // A marker on the window survives only if the page is never reloaded.
    await page.evaluate(() => { (window as unknown as { sameDocument: boolean }).sameDocument = true; });
    worker.start();
    await waitFor('the node to see the worker online', async () => (await status()) === 'online', 90_000, 1000);
    await row.getByText('online', { exact: true }).waitFor({ timeout: 30_000 });
    expect(await page.evaluate(() => (window as unknown as { sameDocument?: boolean }).sameDocument)).toBe(true);
    await b.shot('provider-servers-online');
  });

  it('shows the server page, earnings and wallet', async () => {
    const { page } = b;
    await page.getByRole('link', { name: 'RTX 4090' }).click();
    await page.getByRole('heading', { name: 'RTX 4090 × 2 at 127.0.0.1' }).waitFor();
    await page.getByRole('heading', { name: 'Load' }).waitFor();
    await page.getByRole('button', { name: 'Last hour' }).click();
    await page.getByText(/GPU load \(%\)/).or(page.getByText('No samples in this range')).first().waitFor();
    await b.shot('provider-server-detail');

    await page.getByRole('link', { name: 'Earnings' }).first().click();
    await page.getByRole('heading', { name: 'Earnings' }).waitFor();
    await page.getByRole('heading', { name: 'Rentals on my servers' }).waitFor();
    await page.getByText('No rentals on your servers yet.').waitFor();

    await net.deposit(provider, '25');
    await page.getByRole('link', { name: 'Provider wallet' }).first().click();
    await page.getByRole('heading', { name: 'Provider wallet' }).waitFor();
    await page.getByText('25 CPC').first().waitFor({ timeout: 30_000 });
    await page.getByLabel(/^Amount/).fill('5');
    await page.getByLabel(/^Destination/).fill('T12');
    await page.getByRole('button', { name: 'Request withdrawal' }).click();
    await page.getByText(/destination must be/).waitFor();
    await page.getByLabel(/^Destination/).fill('TJRabPrwbZy45sbavfcjinPJC18kjpRTv8');
    await page.getByRole('button', { name: 'Request withdrawal' }).click();
    const pending = page.getByRole('table', { name: 'Withdrawal requests' }).getByRole('row').filter({ hasText: '5 CPC' });
    await pending.getByText('pending').waitFor();
    await page.getByText('20 CPC').first().waitFor();
    await b.shot('provider-wallet');
  });

  it('reads in the dark theme and fits a 375 px wide phone', async () => {
    const { page } = b;
    await page.goto(`${net.url}/cabinet/servers`);
    await page.getByRole('row').filter({ hasText: 'RTX 4090' }).waitFor();
    await page.getByRole('button', { name: 'Switch to the dark theme' }).click();
    await b.shot('provider-servers-dark');
    await page.getByRole('button', { name: 'Switch to the light theme' }).click();
    await page.setViewportSize({ width: 375, height: 740 });
    await page.getByRole('table', { name: 'My servers' }).waitFor();
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    await b.shot('provider-servers-phone');
    await page.setViewportSize({ width: 1280, height: 860 });
  });
});
