// GpuFilterForm.tsx — the GPU search's filter form: every filter and sort of
// GET /market/gpu. It edits a draft; "Search" puts the draft in the URL.
import { useEffect, useMemo, useState, type FormEvent } from 'react';
import { Box, Button, MenuItem, Stack, TextField } from '@mui/material';
import { formatCpc, parseCpc } from '../../lib/format';
import { clean, PAGE_SIZES, SORTS, STATUSES, type GpuFilters } from './gpuFilters';
import type { Locations, ModelPrices } from './types';

interface Draft {
  model: string;
  min_price: string;
  max_price: string;
  country: string;
  city: string;
  min_vram: string;
  min_count: string;
  status: string;
  sort: string;
  limit: string;
}

function draftOf(f: GpuFilters): Draft {
  return {
    model: f.model ?? '',
    min_price: f.min_price ? formatCpc(f.min_price, { unit: false }).replace(/,/g, '') : '',
    max_price: f.max_price ? formatCpc(f.max_price, { unit: false }).replace(/,/g, '') : '',
    country: f.country ?? '',
    city: f.city ?? '',
    min_vram: f.min_vram ? String(f.min_vram) : '',
    min_count: f.min_count ? String(f.min_count) : '',
    status: f.status ?? '',
    sort: f.sort ?? 'price',
    limit: String(f.limit ?? 20),
  };
}

type Errors = Partial<Record<keyof Draft, string>>;

function intIn(v: string, max: number, name: string, errs: Errors, key: keyof Draft): number | undefined {
  if (!v.trim()) return undefined;
  if (!/^[0-9]+$/.test(v.trim()) || Number(v) > max) {
    errs[key] = `${name}: a whole number 0..${max}`;
    return undefined;
  }
  return Number(v) || undefined;
}

function cpcIn(v: string, errs: Errors, key: keyof Draft): string | undefined {
  if (!v.trim()) return undefined;
  try {
    return parseCpc(v);
  } catch (e) {
    errs[key] = (e as Error).message;
    return undefined;
  }
}

/** The filters a draft gives, or the errors to show next to its fields. */
function filtersOf(d: Draft): { filters: GpuFilters; errors: Errors } {
  const errors: Errors = {};
  const filters = clean({
    model: d.model || undefined,
    min_price: cpcIn(d.min_price, errors, 'min_price'),
    max_price: cpcIn(d.max_price, errors, 'max_price'),
    country: d.country || undefined,
    city: d.city.trim() || undefined,
    min_vram: intIn(d.min_vram, 256, 'VRAM', errors, 'min_vram'),
    min_count: intIn(d.min_count, 16, 'GPUs', errors, 'min_count'),
    status: (d.status || undefined) as GpuFilters['status'],
    sort: d.sort === 'score' ? 'score' : undefined,
    limit: d.limit === '20' ? undefined : Number(d.limit),
  });
  if (filters.min_price && filters.max_price && BigInt(filters.min_price) > BigInt(filters.max_price))
    errors.max_price = 'at least the lowest price';
  return { filters, errors };
}

export function GpuFilterForm({ value, onSearch, prices, locations }: {
  value: GpuFilters;
  onSearch: (f: GpuFilters) => void;
  prices?: ModelPrices;
  locations?: Locations;
}) {
  const [d, setD] = useState<Draft>(() => draftOf(value));
  const [errors, setErrors] = useState<Errors>({});
  const key = JSON.stringify(value);
  useEffect(() => {
    setD(draftOf(value));
    setErrors({});
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [key]);

  const countries = useMemo(() => [...new Set((locations?.locations ?? []).map((l) => l.country))], [locations]);
  const cities = useMemo(
    () => [...new Set((locations?.locations ?? []).filter((l) => !d.country || l.country === d.country).map((l) => l.city).filter(Boolean))],
    [locations, d.country],
  );
  const models = prices?.models.map((m) => m.gpu_model) ?? (value.model ? [value.model] : []);

  const set = (k: keyof Draft) => (e: { target: { value: string } }) => setD((o) => ({ ...o, [k]: e.target.value }));
  const submit = (e: FormEvent) => {
    e.preventDefault();
    const r = filtersOf(d);
    setErrors(r.errors);
    if (Object.keys(r.errors).length === 0) onSearch({ ...r.filters, offset: undefined });
  };
  const props = (k: keyof Draft, label: string, help?: string) => ({
    id: `gpu-${k}`, name: k, label, value: d[k], onChange: set(k), size: 'small' as const,
    error: !!errors[k], helperText: errors[k] ?? help,
  });

  return (
    <Stack component="form" onSubmit={submit} aria-label="GPU search filters" spacing={1.5} sx={{ mb: 2 }}>
      <Box sx={{ display: 'grid', gap: 1.5, gridTemplateColumns: { xs: 'repeat(2, minmax(0, 1fr))', sm: 'repeat(auto-fill, minmax(150px, 1fr))' } }}>
        <TextField select {...props('model', 'GPU model')}>
          <MenuItem value="">Any model</MenuItem>
          {models.map((m) => <MenuItem key={m} value={m}>{m}</MenuItem>)}
        </TextField>
        <TextField {...props('min_price', 'Min price (CPC/h)')} inputProps={{ inputMode: 'decimal' }} />
        <TextField {...props('max_price', 'Max price (CPC/h)')} inputProps={{ inputMode: 'decimal' }} />
        <TextField {...props('min_vram', 'Min VRAM (GB)')} inputProps={{ inputMode: 'numeric' }} />
        <TextField {...props('min_count', 'Min GPUs')} inputProps={{ inputMode: 'numeric' }} />
        <TextField select {...props('country', 'Country')}>
          <MenuItem value="">Any country</MenuItem>
          {(d.country && !countries.includes(d.country) ? [d.country, ...countries] : countries).map((c) => (
            <MenuItem key={c} value={c}>{c}</MenuItem>
          ))}
        </TextField>
        <TextField {...props('city', 'City')} inputProps={{ list: 'gpu-city-list', maxLength: 64 }} />
        <datalist id="gpu-city-list">{cities.map((c) => <option key={c} value={c} />)}</datalist>
        <TextField select {...props('status', 'Status')}>
          <MenuItem value="">Any status</MenuItem>
          {STATUSES.map((s) => <MenuItem key={s} value={s}>{s}</MenuItem>)}
        </TextField>
        <TextField select {...props('sort', 'Sort by')}>
          {SORTS.map((s) => <MenuItem key={s} value={s}>{s === 'price' ? 'Cheapest first' : 'Fastest first'}</MenuItem>)}
        </TextField>
        <TextField select {...props('limit', 'Per page')}>
          {PAGE_SIZES.map((n) => <MenuItem key={n} value={String(n)}>{n}</MenuItem>)}
        </TextField>
      </Box>
      <Stack direction="row" spacing={1}>
        <Button type="submit" variant="contained">Search</Button>
        <Button type="button" onClick={() => onSearch({})}>Clear filters</Button>
      </Stack>
    </Stack>
  );
}
