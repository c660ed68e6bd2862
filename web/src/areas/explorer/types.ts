// types.ts — the answers of the chain and market read API the explorer shows
// (docs/api.md, docs/protocol.md). Amounts arrive as JSON integers of base
// units; ones above 2^53 lose precision in JSON.parse, so pages show them
// through money.ts, which says when a figure is approximate.
import type { JobMoney } from '../../api/types';

export type { JobMoney };

export interface ChainStatus {
  chain_id: string;
  height: number;
  latest_block_hash: string;
  latest_block_time: number;
  mempool_size: number;
  peers: number;
  version: string;
  min_gas_price: number;
  total_supply: number;
  total_txs: number;
  consensus: string;
  validator: string;
  block_time_ms: number;
  protocol?: number;
  max_block_gas?: number;
}

/** A block header (GET /blocks, GET /block/{h}.header, SSE "block"). */
export interface BlockHeader {
  chain_id: string;
  height: number;
  /** unix ms */
  time: number;
  hash: string;
  prev_hash: string;
  tx_root: string;
  compute_root: string;
  state_root: string;
  proposer: string;
  proposer_pubkey: string;
  signature: string;
  n_txs: number;
}

export type TxStatus = 'success' | 'failed' | 'pending';

/** A tx as the node answers it: the wire JSON plus where it landed. */
export interface Tx {
  tx_type: string;
  chain_id?: string;
  from: string;
  pubkey?: string;
  nonce: number;
  gas_price: number;
  payload: Record<string, unknown>;
  signature?: string;
  hash: string;
  gas?: number;
  height: number | null;
  index?: number;
  status: TxStatus;
  error?: string | null;
  gas_used?: number;
  fee?: number;
}

export interface Block {
  header: BlockHeader;
  txs: Tx[];
}

export interface BlocksPage {
  blocks: BlockHeader[];
  from: number;
  limit: number;
  height: number;
}

/** SSE "tx": one committed tx. */
export interface TxEvent {
  hash: string;
  height: number;
  index: number;
  status: 'success' | 'failed';
  tx_type: string;
}

export interface Account {
  address: string;
  balance: number;
  /** the exact balance in CPC as a decimal string ("12.5") */
  balance_cpc: string;
  nonce: number;
  stake: number;
  pending_nonce: number;
}

export interface AccountTxs {
  address: string;
  txs: Tx[];
}

export interface TaskResult {
  worker: string;
  /** result (plain, accepted with the task), committed, revealed, rejected */
  state: string;
  commitment?: string;
  result_hash?: string;
}

export interface Task {
  id: string;
  job_id: string;
  index: number;
  /** open, committed, done, closed, unpaid */
  status: string;
  attempts: number;
  worker: string | null;
  commit_root?: string;
  commit_height?: number;
  reveal_deadline?: number;
  results: TaskResult[];
  kind?: string;
  seed?: string;
  challenge?: { commit_height: number; block_hash: string; seed: string; rows: number[]; reveal_deadline: number };
}


export interface Job {
  id: string;
  creator: string;
  contract: Record<string, unknown> & { kind?: string; tasks?: number; reward?: number; replication?: number };
  seed?: string;
  created_height: number;
  deadline_height: number;
  status: string;
  refunded?: boolean | number;
  tasks_done: number;
  tasks_committed?: number;
  escrow: string;
  budget?: number;
  commission?: number;
  money?: JobMoney;
  tasks: Task[];
  task_counts: Record<string, number>;
  offset: number;
  limit: number;
}

export interface QueueTask {
  job_id: string;
  task_id: string;
  index: number;
  kind: string;
  priority: string;
  reward: number;
  job_created_height: number;
  leased: boolean;
}

export interface Queue {
  height: number;
  limit: number;
  count: number;
  truncated: boolean;
  tasks: QueueTask[];
}

export type WorkerSort = 'reputation' | 'tasks' | 'stake';

export interface WorkerRow {
  address: string;
  /** per mille */
  score: number;
  accepted: number;
  rejected: number;
  timed_out: number;
  pending: number;
  locked: number;
  status: 'online' | 'offline' | 'unbonding';
  online: boolean;
  last_seen_ms: number | null;
  leases: number;
  registered_height: number;
  cpu_cores: number;
  gpu_model: string;
  gpu_count: number;
  vram_gb: number;
}

export interface WorkersPage {
  height: number;
  total: number;
  offset: number;
  limit: number;
  sort: WorkerSort;
  workers: WorkerRow[];
}

export interface ClusterStatus {
  height: number;
  workers: { registered: number; online: number };
  leases: number;
  jobs_active: number;
  open_tasks: number;
}
