// GpuSearchPage.tsx — /gpus: search the GPU catalogue (GET /market/gpu) with
// every filter and sort it has; the search lives in the URL.
import { useState } from 'react';
import { Link as RouterLink, useSearchParams } from 'react-router-dom';
import { Alert, Button, Link, Stack, ToggleButton, ToggleButtonGroup, Typography, useMediaQuery, useTheme } from '@mui/material';
import { useSession } from '../../api/session';
import { Empty, ErrorAlert, Loading, Page } from '../../components/common';
import { useApi } from '../../lib/useApi';
import { GpuFilterForm } from './GpuFilterForm';
import { GpuCards, GpuTable } from './GpuResults';
import { DEFAULT_LIMIT, filtersFromParams, filtersToParams, filtersToQuery, withFilter, type GpuFilters } from './gpuFilters';
import { RentDialog } from './RentDialog';
import type { GpuPage, GpuServer, Locations, ModelPrices } from './types';

export default function GpuSearchPage() {
  const { api, me, loading: sessionLoading } = useSession();
  const [params, setParams] = useSearchParams();
  const filters = filtersFromParams(params);
  const key = filtersToParams(filters).toString();
  const theme = useTheme();
  const wide = useMediaQuery(theme.breakpoints.up('md'));
  const [view, setView] = useState<'cards' | 'table' | null>(null);
  const shown = view ?? (wide ? 'table' : 'cards');
  const [renting, setRenting] = useState<GpuServer | null>(null);

  const page = useApi(() => (me ? api.get<GpuPage>('/market/gpu', filtersToQuery(filters)) : null), [key, me?.id]);
  const prices = useApi(() => (me ? api.get<ModelPrices>('/market/prices') : null), [me?.id]);
  const locations = useApi(() => (me ? api.get<Locations>('/market/locations') : null), [me?.id]);

  const go = (f: GpuFilters) => setParams(filtersToParams(f));
  const limit = filters.limit ?? DEFAULT_LIMIT;
  const offset = filters.offset ?? 0;
  const servers = page.data?.servers ?? [];

  return (
    <Page title="Rent a GPU" actions={me && <Button onClick={page.reload}>Refresh</Button>}>
      {!me && !sessionLoading ? (
        <Alert severity="info">
          The GPU catalogue is open to every signed-in account.{' '}
          <Link component={RouterLink} to={`/signin?next=${encodeURIComponent(`/gpus${key ? `?${key}` : ''}`)}`}>Sign in</Link>
          {' '}or <Link component={RouterLink} to="/signup">create an account</Link> to search and rent.
        </Alert>
      ) : (
        <>
          <GpuFilterForm value={filters} onSearch={go} prices={prices.data} locations={locations.data} />
          <Stack direction="row" sx={{ justifyContent: 'space-between', alignItems: 'center', mb: 1, gap: 1, flexWrap: 'wrap' }}>
            <Typography variant="body2" role="status" aria-live="polite">
              {page.loading ? 'Searching…' : page.data ? `${servers.length ? `${offset + 1}–${offset + servers.length}` : 'No'} servers` : ''}
            </Typography>
            <ToggleButtonGroup size="small" exclusive value={shown} onChange={(_, v) => v && setView(v)} aria-label="Show results as">
              <ToggleButton value="cards">Cards</ToggleButton>
              <ToggleButton value="table">Table</ToggleButton>
            </ToggleButtonGroup>
          </Stack>
          <ErrorAlert error={page.error} onRetry={page.reload} />
          {page.loading && !page.data ? (
            <Loading label="Searching the catalogue…" />
          ) : page.data && !servers.length ? (
            <Empty>No server matches this search. Loosen a filter or clear them.</Empty>
          ) : shown === 'cards' ? (
            <GpuCards servers={servers} onRent={setRenting} />
          ) : (
            <GpuTable servers={servers} onRent={setRenting} />
          )}
          {(offset > 0 || servers.length === limit) && (
            <Stack direction="row" spacing={1} sx={{ mt: 2 }} component="nav" aria-label="Result pages">
              <Button disabled={offset === 0} onClick={() => go(withFilter(filters, { offset: Math.max(0, offset - limit) || undefined }))}>Previous page</Button>
              <Button disabled={servers.length < limit} onClick={() => go(withFilter(filters, { offset: offset + limit }))}>Next page</Button>
            </Stack>
          )}
        </>
      )}
      <RentDialog server={renting} onClose={() => setRenting(null)} />
    </Page>
  );
}
