// The public chain explorer in Debian's chromium against a real cpcd and a
// real cpc-worker: a new block is on the front page within 2 s of its own
// timestamp (pushed by GET /events, no reload), the search box opens block,
// tx and account pages, a job's page names who answered each task and the
// verdict, the workers leaderboard ranks the worker, and a query nothing
// matches says why.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Net, binDir, openBrowser, repoRoot, waitFor, type Browsing, type Worker } from './harness';

let net: Net;
let b: Browsing;
let worker: Worker;

interface Header { height: number; time: number; hash: string }

beforeAll(async () => {
  net = await Net.start();
  b = await openBrowser();
  worker = await net.worker('w1'); // funded by the faucet and registered: txs on chain
});

afterAll(async () => {
  await worker?.stop();
  await b?.close();
  await net?.stop();
});

const searchBox = () => b.page.getByRole('textbox', { name: 'Search the chain by address, tx hash or block height' });

async function search(q: string): Promise<void> {
  await searchBox().fill(q);
  await searchBox().press('Enter');
}

describe('explorer', () => {
  it('shows a new block on the front page within 2 s of its timestamp', async () => {
    const { page } = b;
    await page.goto(`${net.url}/`);
    const latest = page.getByRole('region', { name: 'Latest blocks' });
    const newest = latest.getByRole('link', { name: /^Block \d+$/ }).first();
    await newest.waitFor();
    const h0 = Number((await newest.textContent())!.replace(/,/g, ''));
    // two blocks ahead, so the watch is in place well before that block exists
    const target = h0 + 2;
    const shownAt = page.evaluate((h) => new Promise<number>((resolve) => {
      const sel = `[data-height="${h}"]`;
      const seen = () => document.querySelector(sel) !== null;
      if (seen()) return resolve(Date.now());
      const o = new MutationObserver(() => {
        if (seen()) {
          o.disconnect();
          resolve(Date.now());
        }
      });
      o.observe(document.body, { childList: true, subtree: true });
    }), target);
    const header = await waitFor(`block ${target} from the API`, async () => {
      const r = await fetch(`${net.url}/block/${target}`);
      return r.ok ? ((await r.json()) as { header: Header }).header : null;
    }, 30_000, 50);
    const at = await shownAt;
    // the block's time and the browser's clock are the same machine's
    console.log(`block ${target} shown ${at - header.time} ms after its timestamp`);
    expect(at - header.time).toBeLessThanOrEqual(2000);
    await expect.poll(async () => Number((await page.getByTestId('chain-height').textContent())!.replace(/,/g, ''))).toBeGreaterThanOrEqual(target);
    await latest.getByRole('link', { name: `Block ${target}` }).waitFor();
    await b.shot('explorer-home');
  });

  it('opens a block, a tx and an account page from the search box', async () => {
    const { page } = b;
    const txs = await net.api<{ txs: { hash: string; tx_type: string; height: number }[] }>('GET', `/account/${worker.address}/txs`);
    const reg = txs.txs.find((t) => t.tx_type === 'WORKER_REGISTER');
    expect(reg).toBeDefined();

    await search(String(reg!.height));
    await page.getByRole('heading', { name: `Block ${reg!.height.toLocaleString('en-US')}` }).waitFor();
    await page.getByRole('table', { name: `Transactions of block ${reg!.height}` })
      .getByRole('link', { name: `Transaction ${reg!.hash}` }).waitFor();
    await b.shot('explorer-block');

    await search(reg!.hash);
    await page.getByRole('heading', { name: 'Transaction' }).waitFor();
    const fields = page.getByLabel('Transaction', { exact: true });
    await fields.getByText('WORKER_REGISTER').waitFor();
    await fields.getByRole('link', { name: `Account ${worker.address}` }).waitFor();
    await b.shot('explorer-tx');

    await search(worker.address);
    await page.getByRole('heading', { name: 'Account' }).waitFor();
    await page.getByLabel('Account figures').getByText('Stake').waitFor();
    await page.getByRole('region', { name: 'Worker' }).waitFor();
    await page.getByRole('table', { name: 'Transactions of this account' })
      .getByRole('link', { name: `Transaction ${reg!.hash}` }).waitFor();
    await b.shot('explorer-account');
  });

  it("names who answered a job's tasks and the verdict", async () => {
    const { page } = b;
    const out = net.run(join(binDir, 'cpc-cli'), ['--node', net.url, '--home', net.home, 'job', 'create',
      join(repoRoot, 'examples', 'jobs', 'hashpow.json'), '--from', 'faucet']);
    const jobId = /hash: ([0-9a-f]{64})/.exec(out)?.[1];
    expect(jobId, out).toBeDefined();
    worker.start();
    await waitFor('the job to complete', async () => {
      const r = await fetch(`${net.url}/market/job/${jobId}`);
      return r.ok && ((await r.json()) as { status: string }).status === 'completed';
    }, 120_000, 250);
    await page.goto(`${net.url}/explorer/job/${jobId}`);
    const tasks = page.getByRole('region', { name: 'Tasks' });
    await tasks.getByRole('link', { name: `Account ${worker.address}` }).first().waitFor();
    await expect.poll(() => tasks.getByText('accepted', { exact: true }).count()).toBeGreaterThan(0);
    await tasks.getByRole('button', { name: 'Show task 0' }).click();
    const answers = page.getByRole('table', { name: 'Answers to task 0' });
    await answers.getByText('SUBMIT_RESULT').waitFor();
    await answers.getByRole('link', { name: /^Block \d+$/ }).waitFor();
    await b.shot('explorer-job');
    // the same page in the other theme: chips and links stay readable
    await page.getByRole('button', { name: /Switch to the (dark|light) theme/ }).click();
    await b.shot('explorer-job-other-theme');
    await page.getByRole('button', { name: /Switch to the (dark|light) theme/ }).click();
  });

  it('ranks the registered worker on the leaderboard', async () => {
    const { page } = b;
    await page.goto(`${net.url}/explorer/workers`);
    const table = page.getByRole('table', { name: 'Workers ranked by reputation' });
    await table.getByRole('link', { name: `Account ${worker.address}` }).waitFor();
    await page.getByRole('combobox', { name: 'Rank by' }).click();
    await page.getByRole('option', { name: 'Locked stake' }).click();
    await page.getByRole('table', { name: 'Workers ranked by locked stake' })
      .getByRole('link', { name: `Account ${worker.address}` }).waitFor();
    await b.shot('explorer-workers');
  });

  it('opens any block from its hash, however old', async () => {
    const first = (await net.api<{ blocks: { hash: string; height: number }[] }>('GET', '/blocks?from=1&limit=1')).blocks[0];
    await b.page.goto(`${net.url}/explorer/block/${first.hash}`);
    await b.page.waitForURL(/\/explorer\/block\/1$/);
    await b.page.getByText(first.hash).first().waitFor();
  });

  it('says why a query matched nothing', async () => {
    const { page } = b;
    await page.goto(`${net.url}/`);
    await search('abc123');
    await page.getByRole('heading', { name: 'Search' }).waitFor();
    await page.getByText(/Nothing matched\. It is 6 hexadecimal characters/).waitFor();
    expect(page.url()).toContain('/explorer/search?q=abc123');
    await b.shot('explorer-search');
  });
});
