// types.ts — answers of the API that more than one area reads (docs/api.md).
// Amounts are integers of base units (10^9 per CPC); JSON gives them as
// numbers (exact below 2^53) and a few routes as strings.

export type Amount = number | string;

/** The hardware and place of a GPU server, as every view of one lists them
 * (GET /market/gpu, /provider/servers, /admin/servers). */
export interface ServerSpec {
  id: string;
  gpu_model: string;
  gpu_count: number;
  vram_gb: number;
  cpu: string;
  ram_gb: number;
  disk_gb: number;
  country: string;
  city: string;
}

/** A market job's money on chain (protocol 3: the job record carries its totals). */
export interface JobMoney {
  escrowed: number;
  paid: number;
  bonus_paid: number;
  commission: number;
  refund: number;
  results_paid: number;
  bonus_results: number;
}
