// WorldMap.tsx — where the GPUs are: country shapes drawn offline from
// world-atlas (loaded on demand) with a marker per country sized by its GPUs.
import { useEffect, useMemo, useState } from 'react';
import { Box, Chip, Stack, Typography, useTheme } from '@mui/material';
import { ErrorAlert, Loading } from '../../../components/common';
import type { ServerLocation } from '../types';
import { loadAtlas, MAP_HEIGHT, MAP_WIDTH, type Atlas } from './atlas';
import { markersOf } from './markers';

let atlasOnce: Promise<Atlas> | null = null;

export default function WorldMap({ locations }: { locations: ServerLocation[] }) {
  const theme = useTheme();
  const [atlas, setAtlas] = useState<Atlas>();
  const [error, setError] = useState<unknown>();
  useEffect(() => {
    let live = true;
    atlasOnce ??= loadAtlas();
    atlasOnce.then(
      (a) => live && setAtlas(a),
      (e: unknown) => {
        atlasOnce = null;
        if (live) setError(e);
      },
    );
    return () => {
      live = false;
    };
  }, []);
  const markers = useMemo(() => (atlas ? markersOf(locations, atlas.point) : null), [atlas, locations]);

  if (error) return <ErrorAlert error={error} />;
  if (!atlas || !markers) return <Loading label="Loading the map…" />;
  const p = theme.palette;
  return (
    <Box>
      <Box
        component="svg"
        viewBox={`0 0 ${MAP_WIDTH} ${MAP_HEIGHT}`}
        role="img"
        aria-labelledby="fleet-map-title"
        sx={{ width: '100%', height: 'auto', display: 'block' }}
      >
        <title id="fleet-map-title">
          {`World map of GPU locations: ${markers.placed.length} countries with servers`}
        </title>
        <path d={atlas.sphere} fill={p.action.hover} stroke={p.divider} />
        <g aria-hidden="true">
          {atlas.countries.map((c) => (
            <path key={c.id} d={c.d} fill={p.action.selected} stroke={p.background.paper} strokeWidth={0.5} />
          ))}
        </g>
        <g>
          {markers.placed.map((m) => (
            <g key={m.country} role="img" aria-label={m.title} data-country={m.country}>
              <title>{m.title}</title>
              <circle
                cx={m.x}
                cy={m.y}
                r={m.r}
                fill={m.online > 0 ? p.success.main : p.text.disabled}
                fillOpacity={0.6}
                stroke={p.background.paper}
                strokeWidth={1}
              />
            </g>
          ))}
        </g>
      </Box>
      <Stack direction="row" spacing={2} sx={{ mt: 1, flexWrap: 'wrap', color: 'text.secondary' }}>
        <Typography variant="caption">Circle area: GPUs in the country. Green: some servers online; grey: all offline.</Typography>
      </Stack>
      {markers.unplaced.length > 0 && (
        <Stack direction="row" spacing={1} sx={{ mt: 1, flexWrap: 'wrap', gap: 1 }} aria-label="Locations not on the map">
          {markers.unplaced.map((u) => (
            <Chip key={u.country} size="small" label={u.title} />
          ))}
        </Stack>
      )}
    </Box>
  );
}
