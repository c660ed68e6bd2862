// atlas.ts — the world's countries as SVG paths and a point per country, from
// world-atlas's 1:110m TopoJSON (bundled, loaded on demand: no tile server).
import { geoArea, geoNaturalEarth1, geoPath } from 'd3-geo';
import { feature } from 'topojson-client';
import type { Feature, FeatureCollection, Geometry, MultiPolygon, Polygon } from 'geojson';
import type { GeometryCollection, Topology } from 'topojson-specification';
import { atlasId, SMALL_PLACES } from './countryCodes';

export const MAP_WIDTH = 960;
export const MAP_HEIGHT = 500;

export interface Atlas {
  /** one SVG path per country, keyed by world-atlas id */
  countries: { id: string; name: string; d: string }[];
  /** the outline of the globe */
  sphere: string;
  /** SVG point of a country (alpha-2), or null when the atlas has none */
  point: (alpha2: string) => [number, number] | null;
}

type CountryProps = { name: string };

/** The biggest polygon of a country, so a marker sits on its mainland (France, not French Guiana). */
function mainland(g: Geometry): Polygon | MultiPolygon {
  if (g.type !== 'MultiPolygon') return g as Polygon;
  let best = g.coordinates[0];
  let bestArea = -1;
  for (const c of g.coordinates) {
    const a = geoArea({ type: 'Polygon', coordinates: c });
    if (a > bestArea) {
      best = c;
      bestArea = a;
    }
  }
  return { type: 'Polygon', coordinates: best };
}

export async function loadAtlas(): Promise<Atlas> {
  const mod = await import('world-atlas/countries-110m.json');
  const topo = mod.default as unknown as Topology<{ countries: GeometryCollection<CountryProps> }>;
  const fc = feature(topo, topo.objects.countries) as FeatureCollection<Geometry, CountryProps>;
  const projection = geoNaturalEarth1().fitSize([MAP_WIDTH, MAP_HEIGHT], { type: 'Sphere' });
  const path = geoPath(projection);
  const byId = new Map<string, Feature<Geometry, CountryProps>>();
  const countries: Atlas['countries'] = [];
  for (const f of fc.features) {
    const id = f.id === undefined ? '' : String(f.id);
    if (id) byId.set(id, f);
    const d = path(f);
    if (d) countries.push({ id: id || f.properties.name, name: f.properties.name, d });
  }
  const cache = new Map<string, [number, number] | null>();
  return {
    countries,
    sphere: path({ type: 'Sphere' }) ?? '',
    point: (alpha2) => {
      const key = alpha2.toUpperCase();
      if (cache.has(key)) return cache.get(key)!;
      let p: [number, number] | null = null;
      const id = atlasId(key);
      const f = id ? byId.get(id) : undefined;
      if (f) {
        const c = path.centroid(mainland(f.geometry));
        if (Number.isFinite(c[0]) && Number.isFinite(c[1])) p = [c[0], c[1]];
      } else if (SMALL_PLACES[key]) {
        p = projection(SMALL_PLACES[key]) ?? null;
      }
      cache.set(key, p);
      return p;
    },
  };
}
