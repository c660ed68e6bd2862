// types.ts — the answers of the admin API (docs/api.md, "Administration,
// finance and support" and "Money in and out"). Amounts are integers of base
// units; they arrive as JSON numbers and are shown through formatCpc.

import type { Amount, ServerSpec } from '../../api/types';

export type { Amount };

export interface Paged {
  limit: number;
  offset: number;
}

export type ServerStatus = 'online' | 'offline' | 'busy';

export interface ServerLoad {
  t_ms: number;
  cpu: number;
  gpu: number;
  ram_mb: number;
  temp_c: number;
}

export interface AdminServer extends ServerSpec {
  price_per_hour: Amount;
  status: ServerStatus;
  host?: string;
  worker?: string | null;
  provider: { id: number; email?: string };
  location: { country: string; city: string };
  load: ServerLoad | null;
  uptime_s: number | null;
}

export interface ServersAnswer extends Paged {
  servers: AdminServer[];
  scan_truncated: boolean;
}

export interface ServerLocation {
  country: string;
  city: string;
  /** servers there */
  count: number;
  /** online servers there, busy ones included */
  online: number;
  /** GPUs of every server there */
  gpus: number;
}

export interface LocationsAnswer {
  locations: ServerLocation[];
  truncated: boolean;
}

export type Role = 'provider' | 'customer' | 'admin';

export interface AdminUser {
  id: number;
  email: string;
  roles: Role[];
  email_verified: boolean;
  kyc_status: string;
  blocked: boolean;
  totp_enabled: boolean;
  created_at: string;
  display_name: string | null;
}

export interface UsersAnswer extends Paged {
  users: AdminUser[];
}

export interface Commission {
  user_id: number;
  provider: string;
  bps: number;
  default_bps: number;
  override: boolean;
}

export interface CommissionSet {
  user_id: number;
  provider: string;
  bps: number;
  tx_hash: string;
  status: 'pending';
}

export interface Deposit {
  reference: string;
  user_id: number;
  to: string;
  tx_hash: string;
  created_ms: number;
  repeated: boolean;
  amount: Amount;
  amount_cpc: string;
}

export type WithdrawalStatus = 'pending' | 'approved' | 'rejected';

export interface Withdrawal {
  id: string;
  user_id: number;
  amount: Amount;
  amount_cpc: string;
  method: string;
  destination: string;
  status: WithdrawalStatus;
  tx_hash: string | null;
  reason: string | null;
  created_ms: number;
  decided_ms: number | null;
  decided_by: number | null;
  payout?: { provider: string; status: 'submitted' | 'failed' };
}

export interface WithdrawalsAnswer extends Paged {
  status: WithdrawalStatus;
  withdrawals: Withdrawal[];
}

export type FinanceGroup = 'day' | 'week' | 'month';

export interface FinanceBucket {
  day?: string;
  week?: string;
  month?: string;
  from_ms: number;
  to_ms: number;
  minutes: number;
  gross: Amount;
  provider_income: Amount;
  commission: Amount;
  payouts: Amount;
}

export interface FinanceAnswer {
  from_ms: number;
  to_ms: number;
  group: FinanceGroup;
  treasury: { address: string; balance: Amount; balance_cpc: string };
  totals: {
    minutes: number;
    gross: Amount;
    provider_income: Amount;
    commission: Amount;
    payouts: Amount;
    payouts_pending: Amount;
    payouts_pending_count: number;
  };
  buckets: FinanceBucket[];
  rentals_counted: number;
  rentals_truncated: boolean;
}

export interface AuditEvent {
  id: number;
  ms: number;
  time: string;
  user: number | null;
  event: string;
  detail: string | null;
}

export interface AuditAnswer extends Paged {
  events: AuditEvent[];
}

export type TicketStatus = 'open' | 'pending' | 'closed';

export interface Ticket {
  id: number;
  user_id: number;
  subject: string;
  status: TicketStatus;
  messages: number;
  created_at: string;
  updated_at: string;
}

export interface TicketMessage {
  id: number;
  author_id: number;
  from: 'user' | 'support';
  body: string;
  created_at: string;
}

export interface TicketThread extends Ticket {
  thread: TicketMessage[];
}

export interface TicketsAnswer extends Paged {
  tickets: Ticket[];
}
