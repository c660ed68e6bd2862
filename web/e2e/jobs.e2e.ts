// The jobs area in Debian's chromium against a real cpcd and a real cpc-worker:
// a customer with a deposit makes a small hashpow job from the form, confirms
// its quote and watches it complete; pasted JSON is checked next to its field;
// and a vanity order for a 1-character prefix comes back as an address that
// starts with cpc1 + that character, whose secret key (shown only in the
// browser) is the key of that address.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Net, openBrowser, openSignedIn, type Account, type Browsing, type Worker } from './harness';
import { addressOfSecretKey, hexToBytes } from '../src/areas/jobs/vanity';

let net: Net;
let b: Browsing;
let customer: Account;
let worker: Worker;

beforeAll(async () => {
  net = await Net.start();
  customer = await net.signup('jobs-customer@e2e.test');
  await net.deposit(customer, '100');
  worker = await net.worker('w1');
  worker.start();
  b = await openBrowser();
});

afterAll(async () => {
  await b?.close();
  await worker?.stop();
  await net?.stop();
});

describe('jobs', () => {
  it('creates a job from the form, confirms the quote and sees it complete', async () => {
    const { page } = b;
    await openSignedIn(page, net, customer, '/my/jobs/new');
    await page.getByRole('heading', { name: 'New job' }).waitFor();
    await page.getByLabel('Difficulty (leading zero bits)').fill('8');
    await page.getByLabel('Tasks', { exact: true }).fill('2');
    await page.getByLabel('Reward per task (CPC)').fill('0.5');
    await page.getByRole('button', { name: 'Get a quote' }).click();
    await page.getByRole('heading', { name: /Quote for draft/ }).waitFor();
    const quote = page.getByRole('table', { name: 'Quote' });
    await expect.poll(() => quote.getByRole('row', { name: /^Total/ }).textContent()).toContain('1.1 CPC');
    await b.shot('jobs-quote');
    await page.getByRole('button', { name: 'Confirm and pay' }).click();
    await page.waitForURL(/\/my\/jobs\/[0-9a-f-]{36}$/);
    await page.getByText('2 / 2 tasks done').first().waitFor({ timeout: 120_000 });
    await page.getByText('completed', { exact: true }).first().waitFor({ timeout: 30_000 });
    const tasks = page.getByRole('table', { name: 'Tasks' });
    await expect.poll(() => tasks.getByText('verified and paid').count(), { timeout: 30_000 }).toBe(2);
    await expect.poll(async () => (await page.getByLabel('Job log').textContent()) ?? '', { timeout: 30_000 }).toMatch(/result +success +SUBMIT_RESULT/);
    await b.shot('jobs-detail-completed');

    await page.getByRole('link', { name: 'My jobs', exact: true }).first().click();
    const list = page.getByRole('table', { name: 'My jobs' });
    await list.getByText('completed').first().waitFor();
    await expect.poll(() => list.getByRole('row').count()).toBe(2);
    await b.shot('jobs-list');
  });

  it('checks pasted JSON and shows the error next to the field', async () => {
    const { page } = b;
    await openSignedIn(page, net, customer, '/my/jobs/new');
    await page.getByRole('tab', { name: 'JSON' }).click();
    const field = page.getByLabel('Job specification (JSON)');
    await field.fill('{"kind":"hashpow","params":{"bits":99},"tasks":1,"reward":1000,"deadline":50,"max_budget":1100}');
    await page.getByRole('button', { name: 'Get a quote' }).click();
    await expect.poll(async () => (await page.locator('#spec-json-helper-text').textContent()) ?? '').toContain('contract.params.bits: must be 1..64');
    await expect.poll(() => field.getAttribute('aria-invalid')).toBe('true');
    await b.shot('jobs-json-error');
  });

  it('orders a vanity address whose key only the browser holds', async () => {
    const { page } = b;
    await openSignedIn(page, net, customer, '/vanity');
    const prefix = page.getByLabel('Prefix');
    await prefix.fill('b');
    await expect.poll(async () => (await page.locator('#vanity-contract\\.params\\.prefix-helper-text').textContent()) ?? '').toContain('not in the bech32 charset');
    await expect.poll(() => page.getByRole('button', { name: 'Make a key and get a quote' }).isDisabled()).toBe(true);
    await prefix.fill('q');
    await page.getByRole('button', { name: 'Make a key and get a quote' }).click();
    await page.getByRole('heading', { name: /Quote for cpc1q/ }).waitFor();
    await page.getByRole('button', { name: 'Confirm and pay' }).click();
    const address = page.getByTestId('vanity-address');
    await address.waitFor({ timeout: 120_000 });
    const text = ((await address.textContent()) ?? '').trim();
    expect(text).toMatch(/^cpc1q[02-9ac-hj-np-z]{37}$/);
    await page.getByRole('button', { name: 'Show the secret key' }).click();
    const sk = ((await page.getByLabel('Secret key').textContent()) ?? '').trim();
    expect(sk).toMatch(/^[0-9a-f]{64}$/);
    expect(addressOfSecretKey(hexToBytes(sk))).toBe(text);
    await page.getByRole('button', { name: 'Hide the secret key' }).click();
    await b.shot('jobs-vanity-address');
  });

  it('fits a 375 px wide screen', async () => {
    const { page } = b;
    await page.setViewportSize({ width: 375, height: 740 });
    try {
      for (const [path, heading] of [['/my/jobs', 'My jobs'], ['/my/jobs/new', 'New job'], ['/vanity', 'Vanity address']]) {
        // still signed in from the tests above (sign-ins are limited to 5 a minute)
        await page.goto(net.url + path);
        await page.getByRole('heading', { name: heading, exact: true }).waitFor();
        const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
        expect(overflow, path).toBeLessThanOrEqual(0);
      }
      await b.shot('jobs-vanity-phone');
    } finally {
      await page.setViewportSize({ width: 1280, height: 860 });
    }
  });

  it('extends and cancels a running job', async () => {
    const { page } = b;
    await worker.stop(); // nobody computes: the job stays active
    await page.goto(`${net.url}/my/jobs/new`);
    await page.getByLabel('Difficulty (leading zero bits)').fill('8');
    await page.getByLabel('Tasks', { exact: true }).fill('1');
    await page.getByRole('button', { name: 'Get a quote' }).click();
    await page.getByRole('button', { name: 'Confirm and pay' }).click();
    await page.waitForURL(/\/my\/jobs\/[0-9a-f-]{36}$/);
    await page.getByText('active', { exact: true }).first().waitFor({ timeout: 30_000 });
    const blocks = page.getByText(/^created at \d+, deadline \d+$/);
    const deadline = async () => Number(/deadline (\d+)/.exec((await blocks.textContent()) ?? '')?.[1]);
    const before = await deadline();
    await page.getByRole('button', { name: 'Extend' }).click();
    const dialog = page.getByRole('dialog', { name: 'Extend the job' });
    await dialog.getByLabel('Blocks to add').fill('50');
    await dialog.getByRole('button', { name: 'Extend' }).click();
    await dialog.waitFor({ state: 'hidden' });
    await expect.poll(deadline, { timeout: 30_000 }).toBe(before + 50);
    await page.getByRole('button', { name: 'Cancel job' }).click();
    await page.getByRole('dialog', { name: 'Cancel this job?' }).getByRole('button', { name: 'Cancel the job' }).click();
    await page.getByText('cancelled', { exact: true }).first().waitFor({ timeout: 30_000 });
    await b.shot('jobs-cancelled');
  });
});
