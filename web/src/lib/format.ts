// format.ts — amounts and dates as the dashboard shows them.
// Amounts on the ledger are integers of base units, 10^9 per CPC, and may
// exceed 2^53, so they are handled as decimal strings and BigInt, never floats.

export const CPC_DECIMALS = 9;
const UNIT = 10n ** BigInt(CPC_DECIMALS);

function toBig(v: string | number | bigint): bigint {
  if (typeof v === 'bigint') return v;
  if (typeof v === 'number') {
    // JSON numbers above 2^53 arrive already rounded by JSON.parse: shown as
    // they came rather than refused (the ledger's exact figure is in its string fields)
    if (!Number.isInteger(v)) throw new RangeError(`amount ${v} is not an integer of base units`);
    return BigInt(v);
  }
  if (!/^-?[0-9]+$/.test(v)) throw new RangeError(`amount "${v}" is not an integer of base units`);
  return BigInt(v);
}

function group(int: string): string {
  return int.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

/** Base units -> "1,234.5 CPC" (trailing zeros trimmed; at most `maxFrac` decimals, rounded down). */
export function formatCpc(units: string | number | bigint, opts: { maxFrac?: number; unit?: boolean } = {}): string {
  const maxFrac = opts.maxFrac ?? CPC_DECIMALS;
  let n = toBig(units);
  const neg = n < 0n;
  if (neg) n = -n;
  const int = n / UNIT;
  const frac = (n % UNIT).toString().padStart(CPC_DECIMALS, '0').slice(0, maxFrac).replace(/0+$/, '');
  const s = `${neg ? '-' : ''}${group(int.toString())}${frac ? `.${frac}` : ''}`;
  return opts.unit === false ? s : `${s} CPC`;
}

/** "12.5" (CPC, as a user types it) -> base units as a decimal string; throws RangeError with a message for the form. */
export function parseCpc(text: string): string {
  const t = text.trim().replace(/,/g, '');
  const m = /^([0-9]+)(?:\.([0-9]*))?$/.exec(t) ?? /^()\.([0-9]+)$/.exec(t);
  if (!m) throw new RangeError('enter an amount such as 12.5');
  const frac = m[2] ?? '';
  if (frac.length > CPC_DECIMALS) throw new RangeError(`at most ${CPC_DECIMALS} decimals`);
  const v = BigInt(m[1] || '0') * UNIT + BigInt((frac + '0'.repeat(CPC_DECIMALS)).slice(0, CPC_DECIMALS) || '0');
  if (v >= 2n ** 64n) throw new RangeError('amount too large');
  return v.toString();
}

function pad(n: number, w = 2): string {
  return String(n).padStart(w, '0');
}

/** ms since the epoch -> "2026-12-06 16:14:31 UTC" (the ledger's times are UTC). */
export function formatTime(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return '—';
  const d = new Date(ms);
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ` +
    `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())} UTC`;
}

/** ms since the epoch -> "2026-12-06" (UTC). */
export function formatDate(ms: number): string {
  const d = new Date(ms);
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`;
}

/** How long ago `ms` was, seen at `now`: "just now", "42 s ago", "5 min ago", "3 h ago", "2 d ago"; a future time reads "in …". */
export function formatAgo(ms: number, now: number = Date.now()): string {
  const d = Math.round((now - ms) / 1000);
  const a = Math.abs(d);
  let s: string;
  if (a < 2) return 'just now';
  if (a < 60) s = `${a} s`;
  else if (a < 3600) s = `${Math.floor(a / 60)} min`;
  else if (a < 86400) s = `${Math.floor(a / 3600)} h`;
  else s = `${Math.floor(a / 86400)} d`;
  return d >= 0 ? `${s} ago` : `in ${s}`;
}

/** Seconds -> "1 h 05 min", "3 min 20 s", "45 s". */
export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.floor(seconds));
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${pad(s % 60)} s`;
  const h = Math.floor(s / 3600);
  return `${h} h ${pad(Math.floor((s % 3600) / 60))} min`;
}

/** "cpc1qxyz…k3f9" for long hashes and addresses. */
export function shortHash(h: string, head = 10, tail = 6): string {
  return h.length <= head + tail + 1 ? h : `${h.slice(0, head)}…${h.slice(-tail)}`;
}

/** 0.1234 -> "12.3 %". */
export function formatPercent(ratio: number, digits = 1): string {
  return Number.isFinite(ratio) ? `${(ratio * 100).toFixed(digits)} %` : '—';
}
