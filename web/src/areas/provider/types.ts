// types.ts — the answers of the provider cabinet's API calls (docs/api.md:
// "GPU servers", "Server statistics", "Rental money", "Money").
// Amounts are integers of base units (10^9 per CPC); JSON gives them as numbers.

import type { ServerSpec } from '../../api/types';

export type ServerStatus = 'online' | 'offline' | 'busy' | 'maintenance';

/** A server as its owner sees it (GET /provider/servers). */
export interface ProviderServer extends ServerSpec {
  cuda_cores: number;
  /** what the customer pays for the whole server an hour, commission included */
  price_per_hour: number;
  score: number;
  status: ServerStatus | string;
  host: string;
  ssh_port_min: number;
  ssh_port_max: number;
  /** what the provider receives per GPU-hour */
  price_per_gpu_hour: number;
  /** the bound worker's address, or null */
  worker: string | null;
  created_at: string;
  updated_at: string;
}

export interface ServerList {
  servers: ProviderServer[];
  max_servers: number;
}

/** The body of PUT /provider/servers/{id} that binds a worker. */
export interface WorkerBinding {
  address: string;
  pubkey: string;
  signature: string;
}

export interface StatsPoint {
  t_ms: number;
  cpu: number;
  gpu: number;
  ram_mb: number;
  temp_c: number;
  uptime_s: number;
  /** hour points: the minutes that had a sample */
  samples?: number;
}

export interface ServerStats {
  server_id: string;
  from_ms: number;
  to_ms: number;
  step: 'minute' | 'hour';
  points: StatsPoint[];
}

export type StatsPeriod = 'day' | 'week' | 'month';

export interface IncomeBucket {
  day?: string;
  week?: string;
  month?: string;
  from_ms: number;
  to_ms: number;
  amount: number;
}

export interface ProviderStats {
  period: StatsPeriod;
  from_ms: number;
  to_ms: number;
  period_minutes: number;
  servers: {
    id: string;
    minutes_online: number;
    uptime_pct: number;
    rented_minutes: number;
    hours_rented: number;
    utilisation_pct: number;
  }[];
  overall: { uptime_pct: number; rented_minutes: number; hours_rented: number; utilisation_pct: number };
  income: { by_day: IncomeBucket[]; by_week: IncomeBucket[]; by_month: IncomeBucket[] };
  rentals_counted: number;
  rentals_truncated: boolean;
}

export interface ProviderRental {
  id: string;
  server_id: string;
  status: 'pending' | 'open' | 'ended' | 'failed' | string;
  end_reason: 'customer' | 'provider' | 'funds' | null;
  created_at: string | null;
  started_at: string | null;
  ended_at: string | null;
  minutes_paid: number;
  rate_per_minute: number;
  price_per_hour: number;
  customer: string | null;
  income: number;
}

export interface ProviderRentals {
  rentals: ProviderRental[];
  limit: number;
  offset: number;
}

export interface AccountBalance {
  address: string;
  custodial: boolean;
  pending_withdrawals: number;
  balance: number;
  balance_cpc: string;
  locked: number;
  locked_cpc: string;
  available: number;
  available_cpc: string;
}

export interface MyWallet {
  address: string;
  custodial: boolean;
  balance: number;
  balance_cpc: string;
}

/** A committed tx as GET /account/{address}/txs lists it (wire JSON plus the block's result). */
export interface LedgerTx {
  hash: string;
  tx_type: string;
  from: string;
  nonce: number;
  payload: { to?: string; amount?: number; [k: string]: unknown };
  height: number;
  index: number;
  status: 'success' | 'failed' | string;
  error: string | null;
  fee: number;
}

export interface AccountTxs {
  address: string;
  txs: LedgerTx[];
}

export type WithdrawalMethod = 'card' | 'sbp' | 'usdt_trc20' | 'usdt_erc20' | 'btc';

export interface Withdrawal {
  id: string;
  user_id: number;
  amount: number;
  amount_cpc: string;
  method: WithdrawalMethod | string;
  destination: string;
  status: 'pending' | 'approved' | 'rejected' | string;
  tx_hash: string | null;
  reason: string | null;
  created_ms: number;
  decided_ms: number | null;
  decided_by: number | null;
}

export interface Withdrawals {
  withdrawals: Withdrawal[];
  limit: number;
  offset: number;
}
