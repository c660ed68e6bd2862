// gpuFilters.ts — the GPU search's filters and their place in the URL.
// The URL's query is GET /market/gpu's own query (prices in base units), so a
// reloaded or shared /gpus?… address runs the same search. Values the API
// would refuse are dropped when read, so a hand-edited URL still loads.
import type { Query } from '../../api/client';

export const STATUSES = ['online', 'busy', 'offline'] as const;
export const SORTS = ['price', 'score'] as const;
export const PAGE_SIZES = [20, 50, 100] as const;

export interface GpuFilters {
  model?: string;
  /** base units, on price_per_hour */
  min_price?: string;
  max_price?: string;
  country?: string;
  city?: string;
  min_vram?: number;
  min_count?: number;
  status?: (typeof STATUSES)[number];
  sort?: (typeof SORTS)[number];
  limit?: number;
  offset?: number;
}

export const DEFAULT_LIMIT = 20;

function uint(v: string | null, max: number): number | undefined {
  if (v === null || !/^[0-9]{1,9}$/.test(v)) return undefined;
  const n = Number(v);
  return n <= max ? n : undefined;
}

function amount(v: string | null): string | undefined {
  if (v === null || !/^[0-9]{1,19}$/.test(v)) return undefined;
  return BigInt(v) <= 2n ** 63n - 1n ? String(BigInt(v)) : undefined;
}

function text(v: string | null, max: number): string | undefined {
  // eslint-disable-next-line no-control-regex
  if (v === null || v === '' || v.length > max || /[\x00-\x1f\x7f]/.test(v)) return undefined;
  return v;
}

function oneOf<T extends string>(v: string | null, list: readonly T[]): T | undefined {
  return (list as readonly string[]).includes(v ?? '') ? (v as T) : undefined;
}

/** The filters a URL's query names (unknown or invalid values left out). */
export function filtersFromParams(p: URLSearchParams): GpuFilters {
  const f: GpuFilters = {
    model: text(p.get('model'), 32),
    min_price: amount(p.get('min_price')),
    max_price: amount(p.get('max_price')),
    country: /^[A-Z]{2}$/.test(p.get('country') ?? '') ? (p.get('country') as string) : undefined,
    city: text(p.get('city'), 64),
    min_vram: uint(p.get('min_vram'), 256),
    min_count: uint(p.get('min_count'), 16),
    status: oneOf(p.get('status'), STATUSES),
    sort: oneOf(p.get('sort'), SORTS),
    limit: uint(p.get('limit'), 100),
    offset: uint(p.get('offset'), 1_000_000),
  };
  if (f.limit === 0) f.limit = undefined;
  if (f.min_vram === 0) f.min_vram = undefined;
  if (f.min_count === 0) f.min_count = undefined;
  if (f.offset === 0) f.offset = undefined;
  if (f.limit === DEFAULT_LIMIT) f.limit = undefined;
  if (f.sort === 'price') f.sort = undefined;
  return clean(f);
}

/** Drop the unset keys (so two equal searches compare equal). */
export function clean(f: GpuFilters): GpuFilters {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(f)) if (v !== undefined && v !== '') out[k] = v;
  return out as GpuFilters;
}

const ORDER: (keyof GpuFilters)[] = ['model', 'min_price', 'max_price', 'country', 'city', 'min_vram', 'min_count', 'status', 'sort', 'limit', 'offset'];

/** The URL query for `f`, in a fixed order, defaults left out. */
export function filtersToParams(f: GpuFilters): URLSearchParams {
  const p = new URLSearchParams();
  for (const k of ORDER) {
    const v = f[k];
    if (v === undefined || v === '') continue;
    if (k === 'sort' && v === 'price') continue;
    if (k === 'limit' && v === DEFAULT_LIMIT) continue;
    if (k === 'offset' && v === 0) continue;
    p.set(k, String(v));
  }
  return p;
}

/** GET /market/gpu's query for `f`. */
export function filtersToQuery(f: GpuFilters): Query {
  return { ...f, limit: f.limit ?? DEFAULT_LIMIT };
}

/** `f` with one change; any change but paging goes back to the first page. */
export function withFilter(f: GpuFilters, change: Partial<GpuFilters>): GpuFilters {
  const paging = Object.keys(change).every((k) => k === 'offset');
  return clean({ ...f, ...(paging ? {} : { offset: undefined }), ...change });
}
