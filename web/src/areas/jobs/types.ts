// types.ts — the answers of the marketplace and market routes the jobs pages read
// (docs/api.md "Marketplace"; src/market/routes_marketplace*.c, src/core/market_codec.c).
// Amounts are integers of base units (10^9 per CPC) as the node sends them.
import type { JobMoney } from '../../api/types';

export type { JobMoney };

export type DraftStatus = 'draft' | 'confirmed' | 'cancelled';
export type JobStatus = 'active' | 'completed' | 'cancelled' | 'expired';
export type TaskStatus = 'open' | 'committed' | 'done' | 'closed' | 'unpaid';

export interface DraftListItem {
  id: string;
  owner: string | null;
  created_at: number;
  status: DraftStatus;
  job_id: string | null;
  job_type: string | null;
  total: number | null;
}

export interface DraftList {
  jobs: DraftListItem[];
  owner: string | null;
  limit: number;
  offset: number;
}

/** The estimate: kind-level contracts show the first block, the high-level form all of it. */
export interface Quote {
  form: 'kind' | 'high-level';
  kind?: string;
  type?: string;
  framework?: string;
  job_type?: string;
  rule: string;
  tasks: number;
  replication: number;
  reward_per_task: number;
  budget: number;
  commission: number;
  total: number;
  total_cpc?: string;
  max_budget: number;
  vram_gb?: number;
  minutes?: number;
  minutes_per_task?: number;
  gpu_minutes?: number;
  price_per_gpu_hour?: number;
  base_cost?: number;
  priority?: string;
  priority_multiplier?: number;
  cost?: number;
  deadline_blocks?: number;
  steps?: string[];
}

export interface Contract {
  kind: string;
  params: Record<string, unknown>;
  tasks: number;
  reward: number;
  replication?: number;
  deadline: number;
  priority?: string;
  max_budget: number;
  requirements?: Record<string, unknown>;
  early_bonus?: number;
  early_blocks?: number;
}

export interface DraftCreated {
  id: string;
  status: 'draft';
  owner: string | null;
  quote: Quote;
  contract: Contract;
}


export interface JobRecord {
  id: string;
  creator: string;
  contract: Contract;
  seed: string;
  created_height: number;
  deadline_height: number;
  status: JobStatus;
  refunded: boolean;
  tasks_done: number;
  tasks_committed: number;
  escrow: string;
  budget: number;
  commission: number;
  money?: JobMoney;
}

export interface DraftTx {
  hash: string;
  status: 'pending' | 'success' | 'failed' | 'unknown';
  height?: number | null;
  error?: string | null;
}

export interface Draft {
  id: string;
  status: DraftStatus;
  owner: string | null;
  created_at: number;
  job_id: string | null;
  request: Record<string, unknown> | null;
  contract: Contract | null;
  quote: Quote | null;
  tx?: DraftTx | null;
  job?: JobRecord | null;
  job_status?: JobStatus;
  escrow_balance?: number;
  tasks?: number;
  tasks_done?: number;
}

export interface QuoteAnswer {
  id: string;
  status: DraftStatus;
  quote: Quote;
}

export interface ConfirmAnswer {
  id: string;
  status: 'confirmed';
  job_id: string;
  tx_hash: string;
  owner: string;
  duplicate?: boolean;
}

export interface TaskReplica {
  worker: string;
  state: 'result' | 'committed' | 'revealed' | 'rejected' | 'unknown';
  commitment?: string;
  result_hash?: string;
}

export interface TaskRecord {
  id: string;
  job_id: string;
  index: number;
  status: TaskStatus;
  attempts: number;
  worker: string | null;
  commit_height: number;
  reveal_deadline: number;
  results: TaskReplica[];
  kind?: string;
  seed?: string;
}

export interface MarketJob extends JobRecord {
  tasks: TaskRecord[];
  task_counts: Record<'open' | 'committed' | 'done' | 'closed', number>;
  offset: number;
  limit: number;
}

export interface ResourceWorker {
  address: string;
  score: number;
  online: boolean;
  tasks: { task_id: string; index: number; expires: number; progress?: number | null }[];
}

export interface JobResources {
  id?: string;
  job_id?: string;
  height?: number;
  scheduled: boolean;
  leases?: number;
  workers: ResourceWorker[];
}

export interface LogEvent {
  hash?: string;
  tx_type?: string;
  from?: string;
  height: number;
  index: number;
  status: string;
  error?: string | null;
  gas_used?: number;
  fee?: number;
  event: 'created' | 'cancelled' | 'result' | 'reveal' | 'verdict' | string;
  payload?: Record<string, unknown>;
  [k: string]: unknown;
}

export interface JobLogs {
  id: string;
  job_id: string | null;
  job: 'none' | 'pending' | 'create_failed' | 'on_chain';
  count: number;
  truncated: boolean;
  events: LogEvent[];
}

export interface Wallet {
  address: string;
  custodial: boolean;
  balance: number | string;
  balance_cpc?: string;
  nonce: number;
}
