import { describe, expect, it } from 'vitest';
import { groupByCountry, markersOf, radiusOf } from './markers';
import { atlasId } from './countryCodes';
import type { ServerLocation } from '../types';

const locs: ServerLocation[] = [
  { country: 'DE', city: 'Berlin', count: 2, online: 1, gpus: 8 },
  { country: 'DE', city: 'Frankfurt', count: 1, online: 1, gpus: 4 },
  { country: 'US', city: 'Austin', count: 1, online: 0, gpus: 3 },
  { country: 'ZZ', city: 'Nowhere', count: 1, online: 1, gpus: 1 },
];

describe('fleet map markers', () => {
  it('sums cities per country and writes a readable title', () => {
    const g = groupByCountry(locs);
    expect(g.map((x) => x.country)).toEqual(['DE', 'US', 'ZZ']);
    expect(g[0]).toMatchObject({ servers: 3, online: 2, gpus: 12, cities: ['Berlin', 'Frankfurt'] });
    expect(g[0].title).toBe('DE (Berlin, Frankfurt): 12 GPUs on 3 servers, 2 online');
    expect(g[2].title).toBe('ZZ (Nowhere): 1 GPU on 1 server, 1 online');
  });

  it('sizes by GPU count (area) and keeps unknown countries off the map', () => {
    const pts: Record<string, [number, number]> = { DE: [500, 100], US: [200, 150] };
    const m = markersOf(locs, (c) => pts[c] ?? null, 4, 20);
    expect(m.placed.map((x) => x.country)).toEqual(['DE', 'US']);
    expect(m.placed[0]).toMatchObject({ x: 500, y: 100, r: 20 });
    expect(m.placed[1].r).toBeCloseTo(4 + 16 * Math.sqrt(3 / 12));
    expect(m.unplaced.map((x) => x.country)).toEqual(['ZZ']);
  });

  it('draws smaller markers after bigger ones and survives empty input', () => {
    const m = markersOf(
      [
        { country: 'FR', city: '', count: 1, online: 0, gpus: 1 },
        { country: 'JP', city: 'Tokyo', count: 4, online: 4, gpus: 32 },
      ],
      () => [1, 1],
    );
    expect(m.placed.map((x) => x.country)).toEqual(['JP', 'FR']);
    expect(m.placed[1].title).toBe('FR: 1 GPU on 1 server, 0 online');
    expect(markersOf([], () => [0, 0])).toEqual({ placed: [], unplaced: [] });
    expect(radiusOf(0, 0)).toBe(4);
    expect(radiusOf(5, 5, 2, 10)).toBe(10);
  });

  it('maps alpha-2 codes to the atlas ids', () => {
    expect(atlasId('us')).toBe('840');
    expect(atlasId('AF')).toBe('004');
    expect(atlasId('XX')).toBeUndefined();
  });
});
