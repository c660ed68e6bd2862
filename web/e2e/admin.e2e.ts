// The admin console in Debian's chromium against a real cpcd: a provider
// with a balance asks for a withdrawal through the API, the admin approves it
// on /console/withdrawals and the row shows approved with its transaction;
// the fleet page draws the provider's GPUs on the offline world map; the
// users page checks and sets a commission; the revenue CSV downloads.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Net, openBrowser, openSignedIn, waitFor, type Account, type Browsing } from './harness';

let net: Net;
let b: Browsing;
let admin: Account;
let provider: Account;

beforeAll(async () => {
  net = await Net.start();
  b = await openBrowser();
  admin = await net.admin();
  provider = await net.signup('provider@e2e.test');
  await net.api('PATCH', '/me', { roles: ['provider'] }, provider.token);
  await net.deposit(provider, '10');
});

afterAll(async () => {
  await b?.close();
  await net?.stop();
});

describe('admin console', () => {
  it('approves a withdrawal and shows its transaction', async () => {
    const w = await net.api<{ id: string; status: string }>('POST', '/provider/withdrawals',
      { amount_cpc: '2.5', method: 'card', destination: '4242424242424242' }, provider.token);
    expect(w.status).toBe('pending');

    const { page } = b;
    await openSignedIn(page, net, admin, '/console/withdrawals');
    await page.getByRole('heading', { name: 'Withdrawals' }).waitFor();
    const row = page.getByRole('row').filter({ hasText: '4242424242424242' });
    await expect.poll(() => row.textContent()).toContain('2.5 CPC');
    await row.getByRole('button', { name: 'Approve' }).click();
    const dialog = page.getByRole('dialog', { name: 'Approve this withdrawal?' });
    await dialog.getByRole('button', { name: 'Approve and send' }).click();
    await dialog.waitFor({ state: 'hidden' });

    await expect.poll(() => row.textContent()).toContain('approved');
    const tx = row.getByRole('link', { name: /^Transaction [0-9a-f]{64}$/ });
    const href = await tx.getAttribute('href');
    expect(href).toMatch(/^\/explorer\/tx\/[0-9a-f]{64}$/);
    await b.shot('admin-withdrawal-approved');

    // the node agrees, and the approved view lists it with the same tx
    const done = await net.api<{ withdrawals: { id: string; tx_hash: string }[] }>('GET', '/admin/withdrawals?status=approved', undefined, admin.token);
    expect(done.withdrawals.find((x) => x.id === w.id)?.tx_hash).toBe(href!.slice('/explorer/tx/'.length));
    await page.getByRole('button', { name: 'Approved' }).click();
    await page.getByRole('row').filter({ hasText: '4242424242424242' }).getByRole('link', { name: /^Transaction / }).waitFor();
  });

  it('draws the fleet on the world map', async () => {
    await net.api('POST', '/provider/servers', {
      gpu_model: 'RTX 4090', gpu_count: 4, vram_gb: 24, ram_gb: 64, disk_gb: 500, host: 'gpu1.example.com',
      ssh_port_min: 40000, ssh_port_max: 40100, country: 'DE', city: 'Berlin', price_per_gpu_hour: 1_000_000_000,
    }, provider.token);
    const { page } = b;
    await page.goto(`${net.url}/console/fleet`);
    await page.getByRole('heading', { name: 'Fleet' }).waitFor();
    await page.getByRole('table', { name: 'Servers' }).getByRole('row').filter({ hasText: 'RTX 4090' }).waitFor();
    const marker = page.getByRole('img', { name: 'DE (Berlin): 4 GPUs on 1 server, 0 online' });
    await marker.waitFor();
    await waitFor('the map drawn', async () => (await page.locator('svg[aria-labelledby="fleet-map-title"] path').count()) > 100);
    await b.shot('admin-fleet-map');
    // the map takes the theme's colours: readable in the dark theme too
    const fill = () => page.locator('svg[aria-labelledby="fleet-map-title"] > path').first().getAttribute('fill');
    const light = await fill();
    await page.getByRole('button', { name: /Switch to the (dark|light) theme/ }).click();
    await expect.poll(fill).not.toBe(light);
    await b.shot('admin-fleet-map-other-theme');
    await page.getByRole('button', { name: /Switch to the (dark|light) theme/ }).click();
  });

  it('sets a provider commission, checked next to the field', async () => {
    const { page } = b;
    await page.goto(`${net.url}/console/users`);
    await page.getByLabel('Email or user id').fill('provider@e2e.test');
    await page.getByRole('button', { name: 'Search' }).click();
    await page.getByRole('button', { name: 'Manage provider@e2e.test' }).click();
    const dialog = page.getByRole('dialog', { name: 'provider@e2e.test' });
    await dialog.getByText(/^Now 10 %/).waitFor();
    const field = dialog.getByLabel('New commission (%)');
    await field.fill('60');
    await dialog.getByRole('button', { name: 'Set commission' }).click();
    await dialog.getByText('at most 50 %').waitFor();
    await field.fill('12.5');
    await dialog.getByRole('button', { name: 'Set commission' }).click();
    await dialog.getByRole('link', { name: /^Transaction [0-9a-f]{64}$/ }).waitFor();
    await b.shot('admin-user-commission');
    await dialog.getByRole('button', { name: 'Close' }).click();
  });

  it('downloads the revenue CSV with the bearer token', async () => {
    const { page } = b;
    await page.goto(`${net.url}/console/revenue`);
    await page.getByRole('group', { name: 'Totals' }).waitFor();
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'Download CSV' }).click(),
    ]);
    expect(download.suggestedFilename()).toMatch(/^computechain-revenue-\d{4}-\d{2}-\d{2}-to-\d{4}-\d{2}-\d{2}-by-day\.csv$/);
    const csv = readFileSync((await download.path())!, 'utf8');
    expect(csv.split('\r\n')[0]).toBe('period,from,to,minutes,gross,provider_income,commission,payouts');
    await b.shot('admin-revenue');
  });

  it('answers a support ticket and the user sees the reply', async () => {
    const t = await net.api<{ id: number }>('POST', '/support/tickets', { subject: 'Payout card', body: 'When does my payout arrive?' }, provider.token);
    const { page } = b;
    await page.goto(`${net.url}/console/support`);
    await page.getByRole('button', { name: /Payout card/ }).click();
    await page.getByText('When does my payout arrive?').waitFor();
    await page.getByLabel('Reply').fill('It was sent today; the bank takes a day.');
    await page.getByRole('button', { name: 'Send reply' }).click();
    await page.getByRole('list', { name: 'Messages' }).getByText('It was sent today; the bank takes a day.').waitFor();
    const seen = await net.api<{ status: string; thread: { from: string; body: string }[] }>('GET', `/support/tickets/${t.id}`, undefined, provider.token);
    expect(seen.status).toBe('pending');
    expect(seen.thread.at(-1)).toMatchObject({ from: 'support', body: 'It was sent today; the bank takes a day.' });
    await b.shot('admin-support-reply');
  });

  it('fits a 375 px wide phone, tables scrolling in their box', async () => {
    const { page } = b;
    await page.setViewportSize({ width: 375, height: 740 });
    for (const path of ['/console/withdrawals', '/console/fleet', '/console/users', '/console/audit']) {
      await page.goto(net.url + path);
      await page.getByRole('heading', { level: 1 }).waitFor();
      await page.getByRole('table').or(page.getByRole('note')).first().waitFor();
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
      expect(overflow, path).toBeLessThanOrEqual(0);
    }
    await b.shot('admin-audit-phone');
    await page.setViewportSize({ width: 1280, height: 860 });
  });
});
