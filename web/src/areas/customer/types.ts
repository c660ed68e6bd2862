// types.ts — the API's answers the customer area reads (docs/api.md: "GPU
// servers", "GPU rentals", "Rental money", "Money in and out").
// Amounts are integers of base units; JSON numbers on the wire, read with
// units() (money.ts) before any arithmetic.

import type { Amount, ServerSpec } from '../../api/types';

export type { Amount };

export type ServerStatus = 'online' | 'busy' | 'offline';

/** One row of GET /market/gpu, and GET /market/gpu/{id}. */
export interface GpuServer extends ServerSpec {
  cuda_cores: number;
  /** what the customer pays per hour for the whole server, commission included */
  price_per_hour: Amount;
  score: number;
  status: ServerStatus | string;
}

export interface GpuPage {
  servers: GpuServer[];
  limit: number;
  offset: number;
  sort: 'price' | 'score';
}

export interface ModelPrices {
  models: { gpu_model: string; score: number; servers: number; min: Amount | null; median: Amount | null; max: Amount | null }[];
}

export interface Locations {
  locations: { country: string; city: string; servers: number }[];
}

/** 202 answer of POST /rentals. */
export interface RentalOrder {
  id: string;
  tx_hash: string;
  server_id: string;
  gpu_model: string;
  gpu_count: number;
  image: string;
  hours: number;
  rate_per_minute: Amount;
  commission_per_minute: Amount;
  deposit: Amount;
  minutes_covered: number;
  ssh_port: number;
  status: 'pending';
}

export type RentalStatus = 'pending' | 'open' | 'ended' | 'failed';

export interface Provisioning {
  state: string;
  error?: string | null;
  updated_ms: number | null;
}

/** GET /rentals/{id} (and each row of GET /rentals). The money fields appear once the chain has the record. */
export interface Rental {
  id: string;
  tx_hash: string;
  server_id: string;
  image: string;
  hours: number;
  status: RentalStatus | string;
  created_at: string | null;
  provisioning: Provisioning;
  rate_per_minute?: Amount;
  commission_per_minute?: Amount;
  deposit?: Amount;
  minutes_paid?: number;
  paid_to_provider?: Amount;
  commission_paid?: Amount;
  escrow_left?: Amount;
  opened_at?: string | null;
  ends_at?: string | null;
  funded_until_ms?: number;
  commission_bps?: number;
  ended_at?: string | null;
  end_reason?: 'customer' | 'provider' | 'funds' | null;
}

export interface RentalList {
  rentals: Rental[];
  limit: number;
  offset: number;
}

export interface Connection {
  id: string;
  host: string;
  port: number;
  user: string;
  command: string;
  image: string;
}

export interface RentalLogs {
  id: string;
  tail: string | null;
  updated_ms: number | null;
}

export interface ExtendAnswer {
  id: string;
  tx_hash: string;
  status: 'extending';
  hours: number;
  amount: Amount;
  minutes_added: number;
  escrow_after: Amount;
  funded_until_ms: number;
}

export interface StatsPoint {
  t_ms: number;
  cpu: number | null;
  gpu: number | null;
  ram_mb: number | null;
  temp_c: number | null;
  uptime_s: number | null;
  samples?: number;
}

export interface RentalStats {
  rental_id: string;
  server_id: string;
  status: string;
  from_ms: number;
  to_ms: number;
  step: 'minute' | 'hour';
  points: StatsPoint[];
}

/** GET /account/balance. */
export interface Balance {
  address: string;
  custodial: boolean;
  pending_withdrawals: Amount;
  balance: Amount;
  balance_cpc: string;
  locked: Amount;
  locked_cpc: string;
  available: Amount;
  available_cpc: string;
}

/** POST /account/deposit. */
export interface DepositInfo {
  address: string;
  custodial: boolean;
  chain_id: string;
  how: string;
  note: string;
}

/** One tx of GET /account/{address}/txs (the wire form plus its result). */
export interface LedgerTx {
  hash: string;
  tx_type: string;
  from: string;
  nonce: number;
  payload: Record<string, unknown>;
  height: number;
  index: number;
  status: 'success' | 'failed';
  error: string | null;
  gas_used: number;
  fee: Amount;
}

export interface LedgerTxs {
  address: string;
  txs: LedgerTx[];
}

export interface InvoiceLine {
  item: string;
  description: string;
  quantity: number;
  unit: string;
  unit_price: Amount;
  amount: Amount;
}

/** GET /account/invoices/{id} (rental or job) and each row of the list. */
export interface Invoice {
  id: string;
  kind: 'rental' | 'job';
  status: string;
  currency: 'CPC';
  created_at: string | null;
  lines: InvoiceLine[];
  total_charged: Amount;
  escrow_left: Amount;
  refunded: Amount;
  // rental invoices
  rental_id?: string;
  server?: { id: string; gpu_model?: string; gpu_count?: number; cpu?: string; country?: string; city?: string };
  image?: string;
  opened_at?: string | null;
  ended_at?: string | null;
  end_reason?: string | null;
  minutes?: number;
  hours?: string;
  price_per_hour?: Amount;
  rate_per_minute?: Amount;
  commission_bps?: number;
  commission_per_minute?: Amount;
  provider_income?: Amount;
  commission?: Amount;
  deposit?: Amount;
  // job invoices
  job_id?: string;
  job_status?: string;
  job_kind?: string;
  escrowed?: Amount;
  workers_paid?: Amount;
}

export interface InvoiceList {
  invoices: Invoice[];
  limit: number;
  offset: number;
}
