// markers.ts — the fleet map's markers from GET /admin/servers/locations:
// one marker per country (the API knows cities but not where they are), its
// area proportional to the GPUs there, with a title a screen reader can read.
import type { ServerLocation } from '../types';

export interface CountryGroup {
  country: string;
  cities: string[];
  servers: number;
  online: number;
  gpus: number;
  /** "DE (Berlin, Frankfurt): 12 GPUs on 3 servers, 2 online" */
  title: string;
}

export interface MapMarker extends CountryGroup {
  x: number;
  y: number;
  r: number;
}

export interface Markers {
  placed: MapMarker[];
  /** countries the map has no point for (unknown code) */
  unplaced: CountryGroup[];
}

function plural(n: number, one: string, many: string): string {
  return `${n} ${n === 1 ? one : many}`;
}

/** The locations summed per country, in the API's order (by country). */
export function groupByCountry(locations: readonly ServerLocation[]): CountryGroup[] {
  const by = new Map<string, CountryGroup>();
  for (const l of locations) {
    const key = l.country.toUpperCase();
    let g = by.get(key);
    if (!g) {
      g = { country: key, cities: [], servers: 0, online: 0, gpus: 0, title: '' };
      by.set(key, g);
    }
    if (l.city && !g.cities.includes(l.city)) g.cities.push(l.city);
    g.servers += l.count;
    g.online += l.online;
    g.gpus += l.gpus ?? 0;
  }
  for (const g of by.values()) {
    const where = g.cities.length ? `${g.country} (${g.cities.join(', ')})` : g.country;
    g.title = `${where}: ${plural(g.gpus, 'GPU', 'GPUs')} on ${plural(g.servers, 'server', 'servers')}, ${g.online} online`;
  }
  return [...by.values()];
}

/** Marker radius: area grows with the GPU count, from minR (none) to maxR (the most anywhere). */
export function radiusOf(gpus: number, maxGpus: number, minR = 4, maxR = 22): number {
  if (maxGpus <= 0 || gpus <= 0) return minR;
  return minR + (maxR - minR) * Math.sqrt(Math.min(gpus, maxGpus) / maxGpus);
}

/** Place each country at point(country) (SVG x, y) or list it as unplaced; big markers first so small ones stay on top. */
export function markersOf(
  locations: readonly ServerLocation[],
  point: (country: string) => [number, number] | null,
  minR = 4,
  maxR = 22,
): Markers {
  const groups = groupByCountry(locations);
  const maxGpus = groups.reduce((m, g) => Math.max(m, g.gpus), 0);
  const placed: MapMarker[] = [];
  const unplaced: CountryGroup[] = [];
  for (const g of groups) {
    const p = point(g.country);
    if (!p || !Number.isFinite(p[0]) || !Number.isFinite(p[1])) unplaced.push(g);
    else placed.push({ ...g, x: p[0], y: p[1], r: radiusOf(g.gpus, maxGpus, minR, maxR) });
  }
  placed.sort((a, b) => b.r - a.r);
  return { placed, unplaced };
}
