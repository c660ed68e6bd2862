// fleetStats.ts — the fleet page's headline numbers from the map list and a page of servers.
import type { AdminServer, ServerLocation } from '../types';

export interface FleetCounts {
  servers: number;
  online: number;
  offline: number;
  gpus: number;
}

/** Totals over every server (the locations list covers them all). */
export function fleetCounts(locations: readonly ServerLocation[]): FleetCounts {
  let servers = 0;
  let online = 0;
  let gpus = 0;
  for (const l of locations) {
    servers += l.count;
    online += l.online;
    gpus += l.gpus ?? 0;
  }
  return { servers, online, offline: servers - online, gpus };
}

export interface MeanLoad {
  /** servers with a load sample */
  sampled: number;
  cpu: number;
  gpu: number;
}

/** Mean CPU and GPU load (0..100) of the servers that reported one; null when none did. */
export function meanLoad(servers: readonly AdminServer[]): MeanLoad | null {
  const withLoad = servers.filter((s) => s.load);
  if (!withLoad.length) return null;
  const sum = withLoad.reduce((a, s) => ({ cpu: a.cpu + s.load!.cpu, gpu: a.gpu + s.load!.gpu }), { cpu: 0, gpu: 0 });
  return { sampled: withLoad.length, cpu: sum.cpu / withLoad.length, gpu: sum.gpu / withLoad.length };
}
