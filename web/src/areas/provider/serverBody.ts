// serverBody.ts — the server form's text fields turned into the body of
// POST/PUT /provider/servers. The node validates every field and names it in
// its error; this only converts what is plainly typed (integers, CPC), and
// passes anything else through so the node's message lands on that field.
import { cpcToUnitsNumber, unitsToCpcText } from './units';
import type { ProviderServer } from './types';

export const SERVER_FIELDS = [
  'gpu_model', 'gpu_count', 'vram_gb', 'cuda_cores', 'cpu', 'ram_gb', 'disk_gb',
  'host', 'ssh_port_min', 'ssh_port_max', 'country', 'city', 'price_per_gpu_hour',
] as const;
export type ServerField = (typeof SERVER_FIELDS)[number];
export type ServerForm = Record<ServerField, string>;

const INT_FIELDS: readonly ServerField[] = ['gpu_count', 'vram_gb', 'cuda_cores', 'ram_gb', 'disk_gb', 'ssh_port_min', 'ssh_port_max'];

export function emptyServerForm(): ServerForm {
  return {
    gpu_model: 'RTX 4090', gpu_count: '1', vram_gb: '24', cuda_cores: '', cpu: '', ram_gb: '', disk_gb: '',
    host: '', ssh_port_min: '22000', ssh_port_max: '22009', country: '', city: '', price_per_gpu_hour: '',
  };
}

export function serverToForm(s: ProviderServer): ServerForm {
  return {
    gpu_model: s.gpu_model, gpu_count: String(s.gpu_count), vram_gb: String(s.vram_gb),
    cuda_cores: s.cuda_cores ? String(s.cuda_cores) : '', cpu: s.cpu ?? '', ram_gb: String(s.ram_gb),
    disk_gb: String(s.disk_gb), host: s.host, ssh_port_min: String(s.ssh_port_min),
    ssh_port_max: String(s.ssh_port_max), country: s.country, city: s.city ?? '',
    price_per_gpu_hour: unitsToCpcText(s.price_per_gpu_hour),
  };
}

export class FieldError extends Error {
  constructor(readonly field: ServerField, message: string) {
    super(message);
  }
}

/** The body for POST (every field typed) or PUT (only the fields that differ from `before`).
 * An empty optional field is left out of a POST; throws FieldError for a price that is not CPC. */
export function serverBody(form: ServerForm, before?: ServerForm): Record<string, string | number> {
  const body: Record<string, string | number> = {};
  for (const f of SERVER_FIELDS) {
    const raw = f === 'country' ? form[f].trim().toUpperCase() : form[f].trim();
    if (before && raw === before[f].trim()) continue;
    if (raw === '' && (!before || INT_FIELDS.includes(f) || f === 'price_per_gpu_hour')) continue;
    if (f === 'price_per_gpu_hour') {
      try {
        body[f] = cpcToUnitsNumber(raw);
      } catch (e) {
        throw new FieldError(f, `price_per_gpu_hour: ${(e as Error).message} (CPC per GPU-hour)`);
      }
    } else if (INT_FIELDS.includes(f) && /^[0-9]{1,15}$/.test(raw)) {
      body[f] = Number(raw);
    } else {
      body[f] = raw;
    }
  }
  return body;
}
