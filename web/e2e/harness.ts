// harness.ts — what every browser test starts: a real cpcd serving the built
// dashboard on 127.0.0.1, a real SMTP sink (python3-aiosmtpd) that cpcd
// mails to, real cpc-worker processes on demand, and Debian's chromium driven
// by playwright-core. Everything runs in a fresh folder under /tmp and is
// stopped (and the folder removed, unless KEEP_TMP=1) by net.stop().
//
// Binaries come from CPC_BIN (ctest passes the ASan tree's bin/), else
// <repo>/build/bin. The dashboard is <repo>/web/dist (`make web`).
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync, appendFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';

const here = dirname(fileURLToPath(import.meta.url));
export const repoRoot = resolve(here, '..', '..');
export const binDir = process.env.CPC_BIN ?? join(repoRoot, 'build', 'bin');
export const webDist = join(repoRoot, 'web', 'dist');
export const screenshotDir = join(here, 'screenshots');
export const PASSWORD = 'Dashboard pass 2024';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Poll `probe` every `everyMs` until it returns a truthy value; throws `what` after `timeoutMs`. */
export async function waitFor<T>(what: string, probe: () => Promise<T | undefined | null | false> | T | undefined | null | false, timeoutMs = 20_000, everyMs = 100): Promise<T> {
  const end = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await probe();
      if (v) return v as T;
    } catch (e) {
      last = e;
    }
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await sleep(everyMs);
  }
}

/** A TCP port on 127.0.0.1 nothing listens on, below the ephemeral range. */
export async function freePort(): Promise<number> {
  for (let i = 0; i < 100; i++) {
    const p = 10000 + Math.floor(Math.random() * 20000);
    const ok = await new Promise<boolean>((res) => {
      const s = createServer();
      s.once('error', () => res(false));
      s.listen(p, '127.0.0.1', () => s.close(() => res(true)));
    });
    if (ok) return p;
  }
  throw new Error('no free port found');
}

export interface LoginAnswer {
  access_token: string;
  refresh_token: string;
  expires_in: number;
}

export interface Account {
  email: string;
  password: string;
  id: number;
  login: LoginAnswer;
  token: string;
}

export interface Worker {
  /** the worker key's cpc1… address */
  address: string;
  /** its keyring file (what `cpc-worker run --key` takes) */
  keyFile: string;
  home: string;
  start(): void;
  stop(): Promise<void>;
  running(): boolean;
}

export class ApiFailure extends Error {
  constructor(readonly status: number, readonly body: string, what: string) {
    super(`${what}: HTTP ${status} ${body.slice(0, 300)}`);
  }
}

export interface NetOptions {
  /** ms between blocks (default 1000) */
  blockTimeMs?: number;
  /** genesis params.rental_minute_ms: a shorter billing minute for rental tests */
  rentalMinuteMs?: number;
}

export class Net {
  readonly url: string;
  readonly dir: string;
  readonly home: string;
  private readonly procs: ChildProcess[] = [];
  private readonly mailDir: string;
  private adminAccount?: Account;
  /** run at stop, after the children: the sandboxes outlive their worker by design */
  private readonly cleanups: (() => void)[] = [];

  private constructor(dir: string, port: number) {
    this.dir = dir;
    this.home = join(dir, 'node');
    this.mailDir = join(dir, 'mail');
    this.url = `http://127.0.0.1:${port}`;
  }

  /** Start the SMTP sink and cpcd; resolves once /status answers. */
  static async start(opts: NetOptions = {}): Promise<Net> {
    if (!existsSync(join(webDist, 'index.html'))) throw new Error(`${webDist}/index.html missing: run \`make web\` first`);
    for (const b of ['cpcd', 'cpc-cli', 'cpc-worker'])
      if (!existsSync(join(binDir, b))) throw new Error(`${binDir}/${b} missing: build the tree (make build) or set CPC_BIN`);
    const dir = mkdtempSync('/tmp/cpc-web-');
    chmodSync(dir, 0o711); // a root worker runs sandboxes as nobody, who walks down here
    const port = await freePort();
    let smtpPort = await freePort();
    while (smtpPort === port) smtpPort = await freePort();
    const net = new Net(dir, port);
    mkdirSync(net.mailDir);
    net.spawn('smtp', existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3', [join(repoRoot, 'tests', 'tools', 'smtp_sink.py'), net.mailDir, String(smtpPort)]);
    await waitFor('the SMTP sink', () => existsSync(join(net.mailDir, 'ready')), 15_000);

    net.run(join(binDir, 'cpcd'), ['init', '--home', net.home]);
    if (opts.rentalMinuteMs) {
      const g = join(net.home, 'genesis.json');
      writeFileSync(g, readFileSync(g, 'utf8').replace('"params": {', `"params": {"rental_minute_ms": ${opts.rentalMinuteMs},`));
    }
    appendFileSync(join(net.home, 'config'), `
[platform]
argon2_opslimit = 1
argon2_memlimit_kib = 8

[smtp]
host = 127.0.0.1
port = ${smtpPort}
from = noreply@computechain.test
starttls = false
`);
    net.spawn('cpcd', join(binDir, 'cpcd'), ['--home', net.home, '--listen', `127.0.0.1:${port}`,
      '--block-time', String(opts.blockTimeMs ?? 1000), '--web-dir', webDist, '--quiet-empty']);
    await waitFor('cpcd to answer /status', async () => (await fetch(`${net.url}/status`)).ok, 60_000);
    return net;
  }

  /** Start a long-running child; its output goes to DIR/NAME.log. */
  spawn(name: string, cmd: string, args: string[], env: Record<string, string> = {}): ChildProcess {
    const log = join(this.dir, `${name}.log`);
    const p = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
    p.stdout?.on('data', (d) => appendFileSync(log, d));
    p.stderr?.on('data', (d) => appendFileSync(log, d));
    this.procs.push(p);
    return p;
  }

  /** Run a command to its end; its stdout, or an error with its output. */
  run(cmd: string, args: string[], input?: string): string {
    const r = spawnSync(cmd, args, { input, encoding: 'utf8', timeout: 120_000 });
    if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited ${r.status}: ${r.stderr || r.stdout}`);
    return r.stdout;
  }

  /** The tail of a child's log (for failure messages). */
  log(name: string, lines = 30): string {
    try {
      return readFileSync(join(this.dir, `${name}.log`), 'utf8').split('\n').slice(-lines).join('\n');
    } catch {
      return '';
    }
  }

  /** Call the REST API; the parsed JSON answer, or an ApiFailure. */
  async api<T = unknown>(method: string, path: string, body?: unknown, token?: string): Promise<T> {
    const headers: Record<string, string> = { Accept: 'application/json' };
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    if (token) headers.Authorization = `Bearer ${token}`;
    const r = await fetch(this.url + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await r.text();
    if (!r.ok) throw new ApiFailure(r.status, text, `${method} ${path}`);
    return (text ? JSON.parse(text) : undefined) as T;
  }

  /** The chain's height now. */
  async height(): Promise<number> {
    return (await this.api<{ height: number }>('GET', '/status')).height;
  }

  /** Wait for a mail to `to` whose text matches re; the match. */
  async mail(to: string, re: RegExp, timeoutMs = 20_000): Promise<RegExpMatchArray> {
    return waitFor(`a mail to ${to} matching ${re}`, () => {
      for (const f of readdirSync(this.mailDir).filter((n) => n.endsWith('.eml')).sort((a, b) => parseInt(b) - parseInt(a))) {
        const text = readFileSync(join(this.mailDir, f), 'utf8');
        if (!text.startsWith(`X-Rcpt: ${to}`)) continue;
        const m = text.replace(/=\r?\n/g, '').match(re);
        if (m) return m;
      }
      return undefined;
    }, timeoutMs);
  }

  /** The 6-digit confirmation code mailed to `email`. */
  async confirmationCode(email: string): Promise<string> {
    return (await this.mail(email, /confirmation code is: ([0-9]{6})/))[1];
  }

  /** Sign in through the API; the login answer. */
  async login(email: string, password = PASSWORD): Promise<LoginAnswer> {
    return this.api<LoginAnswer>('POST', '/auth/login', { email, password });
  }

  /** A verified account made through the API (register, code from the SMTP sink, verify, sign in). */
  async signup(email: string, password = PASSWORD): Promise<Account> {
    await this.api('POST', '/auth/register', { email, password });
    await this.api('POST', '/auth/verify', { email, code: await this.confirmationCode(email) });
    const login = await this.login(email, password);
    const me = await this.api<{ id: number }>('GET', '/me', undefined, login.access_token);
    return { email, password, id: me.id, login, token: login.access_token };
  }

  /** The platform admin (made once with `cpcd admin create`). */
  async admin(): Promise<Account> {
    if (this.adminAccount) return this.adminAccount;
    const email = 'admin@e2e.test';
    this.run(join(binDir, 'cpcd'), ['admin', 'create', '--email', email, '--home', this.home], `${PASSWORD}\n`);
    const login = await this.login(email);
    const me = await this.api<{ id: number }>('GET', '/me', undefined, login.access_token);
    this.adminAccount = { email, password: PASSWORD, id: me.id, login, token: login.access_token };
    return this.adminAccount;
  }

  /** An admin's deposit of `cpc` (decimal CPC) to a user's platform wallet; waits until it is on chain. */
  async deposit(user: Account, cpc: string): Promise<void> {
    const admin = await this.admin();
    await this.api('POST', '/admin/deposits', { user_id: user.id, amount_cpc: cpc, reference: `e2e-${user.id}-${Date.now()}` }, admin.token);
    await waitFor(`the deposit to ${user.email}`, async () => {
      const b = await this.api<{ balance?: string; available?: string }>('GET', '/account/balance', undefined, user.token);
      return BigInt(b.balance ?? b.available ?? '0') > 0n;
    }, 30_000);
  }

  /** A worker key (funded from the faucet and registered with a 100 CPC stake) and a way to run it.
   * Its rentals are sandboxes on 127.0.0.1 (bubblewrap + Debian's sshd). */
  async worker(name = 'w1'): Promise<Worker> {
    const home = join(this.dir, `worker-${name}`);
    mkdirSync(home, { recursive: true });
    const out = this.run(join(binDir, 'cpc-worker'), ['--home', home, 'init', '--from', name]);
    const address = (JSON.parse(out) as { address: string }).address;
    this.run(join(binDir, 'cpc-cli'), ['--node', this.url, '--home', this.home, 'tx', 'send', address, '1000', '--from', 'faucet', '--wait']);
    this.run(join(binDir, 'cpc-worker'), ['--home', home, '--node', this.url, 'register', '--stake', '100', '--from', name]);
    const rentals = join(this.dir, `rentals-${name}`);
    writeFileSync(join(home, 'config'), `[provision]\nkind = sandbox\nlisten = 127.0.0.1\ndir = ${rentals}\n`);
    const keyFile = join(home, 'keyring', `${name}.json`);
    let proc: ChildProcess | null = null;
    this.cleanups.push(() => stopSandboxes(home, address));
    return {
      address,
      keyFile,
      home,
      start: () => {
        if (proc && proc.exitCode === null) return;
        proc = this.spawn(`worker-${name}`, join(binDir, 'cpc-worker'),
          ['--home', home, '--node', this.url, '--key', keyFile, 'run', '--no-synthetic', '--threads', '1']);
      },
      stop: async () => {
        const p = proc;
        if (!p || p.exitCode !== null) return;
        p.kill('SIGTERM');
        await waitFor('the worker to stop', () => p.exitCode !== null || p.signalCode !== null, 30_000);
      },
      running: () => !!proc && proc.exitCode === null && proc.signalCode === null,
    };
  }

  /** Stop every child (workers, cpcd, the sink) and remove the folder (kept with KEEP_TMP=1). */
  async stop(): Promise<void> {
    for (const p of this.procs.reverse()) {
      if (p.exitCode === null && p.signalCode === null) p.kill('SIGTERM');
    }
    await Promise.all(this.procs.map((p) => (p.exitCode !== null || p.signalCode !== null)
      ? Promise.resolve()
      : new Promise<void>((res) => {
        const t = setTimeout(() => { p.kill('SIGKILL'); res(); }, 15_000);
        p.once('exit', () => { clearTimeout(t); res(); });
      })));
    for (const c of this.cleanups) c();
    if (process.env.KEEP_TMP === '1') console.log(`kept ${this.dir}`);
    else rmSync(this.dir, { recursive: true, force: true });
  }
}

/** Stop every rental sandbox a worker started (`cpc-worker rental status`, then `stop`). */
function stopSandboxes(home: string, address: string): void {
  const cli = join(binDir, 'cpc-worker');
  const st = spawnSync(cli, ['--home', home, 'rental', 'status', '--address', address], { encoding: 'utf8', timeout: 10_000 });
  for (const line of (st.stdout ?? '').split('\n')) {
    try {
      const r = JSON.parse(line) as { id?: string };
      if (r.id) spawnSync(cli, ['--home', home, 'rental', 'stop', '--address', address, '--id', r.id], { timeout: 15_000 });
    } catch {
      /* not a JSON line */
    }
  }
}

export interface Browsing {
  browser: Browser;
  context: BrowserContext;
  page: Page;
  /** Save a full-page screenshot as e2e/screenshots/NAME.png; its path. */
  shot(name: string): Promise<string>;
  close(): Promise<void>;
}

/** Debian's chromium, headless, with the flags it needs as root in a container. */
export async function openBrowser(opts: { width?: number; height?: number; colorScheme?: 'light' | 'dark' } = {}): Promise<Browsing> {
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-dev-shm-usage', '--disable-gpu', '--no-first-run'],
  });
  const context = await browser.newContext({
    viewport: { width: opts.width ?? 1280, height: opts.height ?? 860 },
    colorScheme: opts.colorScheme ?? 'light',
  });
  context.setDefaultTimeout(20_000);
  const page = await context.newPage();
  mkdirSync(screenshotDir, { recursive: true });
  return {
    browser,
    context,
    page,
    shot: async (name) => {
      const path = join(screenshotDir, `${name}.png`);
      await page.screenshot({ path, fullPage: true });
      return path;
    },
    close: () => browser.close(),
  };
}

/** Open `path` already signed in as `who` (the session the dashboard keeps in localStorage). */
export async function openSignedIn(page: Page, net: Net, who: Account, path: string): Promise<void> {
  const login = await net.login(who.email, who.password);
  await page.goto(`${net.url}/favicon.svg`);
  await page.evaluate((s) => localStorage.setItem('cpc.session', JSON.stringify(s)), {
    access_token: login.access_token,
    refresh_token: login.refresh_token,
    expires_at: Date.now() + (login.expires_in - 30) * 1000,
  });
  await page.goto(net.url + path);
}
