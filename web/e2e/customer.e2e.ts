// The customer area in Debian's chromium against a real cpcd and a real
// cpc-worker: a customer with a deposit finds a provider's online server with
// the search filters (kept in the URL), rents it through the rent dialog (its
// deposit preview equal to what the node holds), sees the connection details
// on the rental's page, extends and reboots it, ends it after a confirm, then
// finds the money in its wallet and the rental's printable invoice.
import { chmodSync, copyFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { binDir, freePort, Net, openBrowser, waitFor, PASSWORD, type Account, type Browsing, type Worker } from './harness';

const SSH_KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl e2e@customer';

let net: Net;
let b: Browsing;
let worker: Worker;
let customer: Account;
let serverId: string;
let port: number;

interface Listed { id: string; status: string }

/** A provider's cpc-cli home, signed in (cpcd allows 5 logins a minute per address: the
 * test signs in 4 times in all). */
async function providerCli(email: string, w: Worker): Promise<(args: string[]) => string> {
  await net.signup(email);
  const home = join(net.dir, 'provider-cli');
  mkdirSync(join(home, 'keyring'), { recursive: true });
  chmodSync(home, 0o700);
  chmodSync(join(home, 'keyring'), 0o700);
  copyFileSync(w.keyFile, join(home, 'keyring', 'w1.json'));
  chmodSync(join(home, 'keyring', 'w1.json'), 0o600);
  const cli = join(binDir, 'cpc-cli');
  net.run(cli, ['--home', home, '--node', net.url, 'login', '--email', email], `${PASSWORD}\n`);
  return (args) => net.run(cli, ['--home', home, '--node', net.url, ...args]);
}

/** List a server with `server add` (which grants the provider role); its id. */
function listServer(cli: (args: string[]) => string, args: string[]): string {
  return (JSON.parse(cli(['server', 'add', ...args, '-o', 'json'])) as { id: string }).id;
}

/** Open `path` signed in with the session `who` got at sign-up (no extra login). */
async function openAs(page: Page, who: Account, path: string): Promise<void> {
  await page.goto(`${net.url}/favicon.svg`);
  await page.evaluate((s) => localStorage.setItem('cpc.session', JSON.stringify(s)), {
    access_token: who.login.access_token,
    refresh_token: who.login.refresh_token,
    expires_at: Date.now() + (who.login.expires_in - 30) * 1000,
  });
  await page.goto(net.url + path);
}

beforeAll(async () => {
  net = await Net.start();
  worker = await net.worker('w1');
  worker.start();
  port = await freePort();
  const cli = await providerCli('gpu-provider@e2e.test', worker);
  serverId = listServer(cli, ['--model', 'RTX 4090', '--gpus', '2', '--vram', '24', '--price', '0.5',
    '--host', '127.0.0.1', '--ports', `${port}-${port + 4}`, '--country', 'DE', '--city', 'Berlin', '--cpu', 'e2e: CPU only, no GPU', '--worker-key', 'w1']);
  // a decoy the filters must leave out: a machine with no worker (offline)
  listServer(cli, ['--model', 'T4', '--gpus', '1', '--vram', '16', '--price', '0.1',
    '--host', '127.0.0.2', '--ports', '23000-23004', '--country', 'FR', '--city', 'Paris']);
  customer = await net.signup('renter@e2e.test');
  await net.deposit(customer, '50');
  await waitFor('the provider\u2019s server online', async () =>
    (await net.api<Listed>('GET', `/market/gpu/${serverId}`, undefined, customer.token)).status === 'online', 60_000, 500);
  b = await openBrowser();
});

afterAll(async () => {
  await b?.close();
  await worker?.stop();
  await net?.stop();
});

describe('customer area', () => {
  it('finds an online server with a filter, rents it and shows how to connect', async () => {
    const { page } = b;
    await openAs(page, customer, '/gpus');
    // unfiltered, both servers are listed
    await page.getByRole('button', { name: /^Rent 2 × RTX 4090 in Berlin, DE/ }).waitFor();
    await expect.poll(() => page.getByText('1 × T4').count()).toBeGreaterThan(0);

    await page.getByRole('combobox', { name: 'Status' }).click();
    await page.getByRole('option', { name: 'online' }).click();
    await page.getByRole('combobox', { name: 'GPU model' }).click();
    await page.getByRole('option', { name: 'RTX 4090', exact: true }).click();
    await page.getByRole('button', { name: 'Search' }).click();
    await page.waitForURL(/\/gpus\?model=RTX\+4090&status=online$/);
    // the search lives in the URL: a reload runs it again
    await page.reload();
    await expect.poll(() => page.getByRole('combobox', { name: 'Status' }).textContent()).toBe('online');
    const rent = page.getByRole('button', { name: /^Rent 2 × RTX 4090 in Berlin, DE/ });
    await rent.waitFor();
    expect(await page.getByText('1 × T4').count()).toBe(0);

    await rent.click();
    const dialog = page.getByRole('dialog', { name: /^Rent 2 × RTX 4090/ });
    await dialog.getByLabel('Hours').fill('2');
    await dialog.getByLabel('SSH public key').fill('ssh-ed25519 not-a-key');
    await dialog.getByRole('button', { name: 'Rent now' }).click();
    await dialog.getByText(/not complete base64/).waitFor();
    await dialog.getByLabel('SSH public key').fill(SSH_KEY);
    // 0.5 CPC per GPU-hour × 2 GPUs: rate ceil(1e9 / 60) = 16,666,667 a minute, commission
    // 1,666,666; 2 h × 60 × 18,333,333 = 2,199,999,960 base units
    await expect.poll(() => dialog.getByTestId('deposit').textContent()).toBe('2.19999996 CPC');
    await b.shot('customer-rent-dialog');
    await dialog.getByRole('button', { name: 'Rent now' }).click();

    await page.waitForURL(/\/my\/rentals\/[0-9a-f]{64}$/);
    const id = page.url().split('/').pop() as string;
    const rental = await net.api<{ deposit?: number; status: string }>('GET', `/rentals/${id}`, undefined, customer.token);
    const conn = page.getByRole('region', { name: 'Connection' });
    await expect.poll(() => conn.getByLabel('Host', { exact: true }).textContent()).toBe('127.0.0.1');
    expect(await conn.getByLabel('Port', { exact: true }).textContent()).toBe(String(port));
    expect(await conn.getByLabel('User', { exact: true }).textContent()).toBe('cpc');
    expect(await conn.getByLabel('Command', { exact: true }).textContent()).toBe(`ssh -p ${port} cpc@127.0.0.1`);
    await conn.getByRole('button', { name: 'Copy the command' }).waitFor();
    await page.locator('[data-status="open"]').waitFor({ timeout: 30_000 });
    const opened = await net.api<{ deposit: number }>('GET', `/rentals/${id}`, undefined, customer.token);
    expect(opened.deposit ?? rental.deposit).toBe(2_199_999_960);
    await b.shot('customer-rental-connection');

    // one more hour at the record's rate: 60 × 18,333,333 more in escrow once a block takes it
    await page.getByRole('button', { name: 'Extend' }).click();
    const extend = page.getByRole('dialog', { name: 'Extend the rental' });
    // 720 h cost 792 CPC: more than the wallet holds, so the node answers 402
    await extend.getByLabel('Hours to add').fill('720');
    await extend.getByRole('button', { name: 'Extend' }).click();
    await extend.getByRole('alert').getByText(/^Not enough funds/).waitFor();
    expect(await extend.getByRole('link', { name: 'Add funds in your wallet' }).getAttribute('href')).toBe('/my/wallet');
    await b.shot('customer-extend-insufficient-funds');
    await extend.getByLabel('Hours to add').fill('1');
    await extend.getByText('1.09999998 CPC').waitFor();
    await extend.getByRole('button', { name: 'Extend' }).click();
    await page.getByText(/^Extension sent: 1.09999998 CPC for 60 more minutes/).waitFor();
    await waitFor('the extension on chain', async () =>
      (await net.api<{ deposit?: number }>('GET', `/rentals/${id}`, undefined, customer.token)).deposit === 3_299_999_940, 30_000, 500);
    await page.getByRole('button', { name: 'Reboot' }).click();
    await page.getByRole('dialog', { name: 'Reboot the machine?' }).getByRole('button', { name: 'Reboot' }).click();
    await page.getByText(/^Reboot ordered/).waitFor();

    await page.getByRole('button', { name: 'End rental' }).click();
    await page.getByRole('dialog', { name: 'End this rental?' }).getByRole('button', { name: 'End rental' }).click();
    await page.locator('[data-status="ended"]').waitFor({ timeout: 30_000 });
    await page.getByText(/ended by you/).waitFor();
  });

  it('shows the wallet: balance, the deposit address as a QR code, the transactions', async () => {
    const { page } = b;
    await page.goto(`${net.url}/my/wallet`);
    const bal = await net.api<{ address: string }>('GET', '/account/balance', undefined, customer.token);
    await expect.poll(() => page.getByTestId('deposit-address').textContent()).toBe(bal.address);
    await page.getByRole('img', { name: `QR code of your deposit address ${bal.address}` }).waitFor();
    const txs = page.getByRole('table', { name: 'Wallet transactions' });
    await txs.getByRole('cell', { name: 'RENTAL_OPEN' }).waitFor();
    await txs.getByRole('cell', { name: '+50 CPC' }).waitFor();
    await b.shot('customer-wallet');
  });

  it('lists the rental\u2019s invoice and opens its printable copy in a sandboxed frame', async () => {
    const { page } = b;
    await page.goto(`${net.url}/my/invoices`);
    await page.getByRole('link', { name: /^Invoice rent-[0-9a-f]{64}$/ }).click();
    await page.getByRole('table', { name: 'Invoice lines' }).getByText('Total charged').waitFor();
    await page.getByRole('button', { name: 'Print' }).click();
    const frame = page.frameLocator('iframe[title$="printable"]');
    await frame.getByText(/Invoice rent-[0-9a-f]{64}/).first().waitFor();
    expect(await page.locator('iframe[title$="printable"]').getAttribute('sandbox')).toBe('allow-same-origin allow-modals');
    await b.shot('customer-invoice-print');
  });
});
