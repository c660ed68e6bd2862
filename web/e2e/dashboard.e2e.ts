// The dashboard as a whole, in Debian's chromium against a real cpcd: it is
// served at /, deep links to client routes load, no client route takes an
// API path, the theme switches, and the page fits a 375 px wide phone.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Net, openBrowser, type Browsing } from './harness';
import { pageRoutes, routePaths } from '../src/routes';

let net: Net;
let b: Browsing;

beforeAll(async () => {
  net = await Net.start();
  b = await openBrowser();
});

afterAll(async () => {
  await b?.close();
  await net?.stop();
});

/** Does the API route pattern "/block/{id}" match the path "/block/x"? */
function apiMatches(pattern: string, path: string): boolean {
  const re = new RegExp(`^${pattern.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{[^}]+\}/g, '[^/]+')}$`);
  return re.test(path);
}

describe('dashboard', () => {
  it('no client route is an API GET route', async () => {
    const index = await net.api<{ routes: string[] }>('GET', '/');
    const apiGets = index.routes.filter((r) => r.startsWith('GET ')).map((r) => r.slice(4)).filter((p) => p !== '/');
    expect(apiGets.length).toBeGreaterThan(50);
    const client = routePaths().filter((p) => p !== '/' && !p.includes('*') && !pageRoutes.includes(p));
    const clashes: string[] = [];
    for (const p of client) {
      const sample = p.replace(/:[A-Za-z_]+/g, 'x1');
      for (const a of apiGets) if (apiMatches(a, sample)) clashes.push(`${p} ~ GET ${a}`);
    }
    expect(clashes).toEqual([]);
  });

  it('hands the page routes to a browser and their JSON to an API client', async () => {
    for (const p of pageRoutes) {
      const html = await fetch(`${net.url}${p}?email=a%40b.test&code=123456`, { headers: { Accept: 'text/html' } });
      expect(html.status).toBe(200);
      expect(await html.text()).toContain('<div id="root">');
      const json = await fetch(`${net.url}${p}?email=a%40b.test&code=123456`);
      expect(json.headers.get('content-type')).toContain('application/json');
    }
  });

  it('is served at / to a browser and JSON to an API client', async () => {
    const html = await fetch(`${net.url}/`, { headers: { Accept: 'text/html' } });
    expect(html.headers.get('content-type')).toContain('text/html');
    expect(html.headers.get('content-security-policy')).toContain("default-src 'self'");
    expect(await html.text()).toContain('<div id="root">');
    const json = await fetch(`${net.url}/`);
    expect(json.headers.get('content-type')).toContain('application/json');
  });

  it('loads a deep link and switches theme', async () => {
    const { page } = b;
    await page.goto(`${net.url}/no/such/page`);
    await page.getByRole('heading', { name: 'Page not found' }).waitFor();
    const bg = () => page.evaluate(() => getComputedStyle(document.body).backgroundColor);
    const before = await bg();
    await page.getByRole('button', { name: /Switch to the (dark|light) theme/ }).click();
    await expect.poll(bg).not.toBe(before);
    await b.shot('dashboard-not-found-themed');
    await page.getByRole('button', { name: /Switch to the (dark|light) theme/ }).click();
  });

  it('fits a 375 px wide screen', async () => {
    const { page } = b;
    await page.setViewportSize({ width: 375, height: 740 });
    await page.goto(`${net.url}/`);
    await page.getByRole('button', { name: 'Open menu' }).waitFor();
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    await page.getByRole('button', { name: 'Open menu' }).click();
    await page.getByRole('navigation', { name: 'Main menu' }).first().waitFor();
    await b.shot('dashboard-phone-menu');
    await page.keyboard.press('Escape');
    await page.setViewportSize({ width: 1280, height: 860 });
  });
});
