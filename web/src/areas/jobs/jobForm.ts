// jobForm.ts — the new-job form's state and how it becomes the body of
// POST /marketplace/jobs (a kind-level contract or the high-level form).
// Field names are the body's paths, as the node names them in its errors.
import { checkContract, checkRequest, cpcToUnits, type Errors } from './jobSpec';

export type FormKind = 'hashpow' | 'matmul' | 'exec' | 'workload';

export interface JobForm {
  kind: FormKind;
  // kind-level
  bits: string;
  m: string;
  k: string;
  n: string;
  challenges: string;
  app: string;
  inputs: string;
  timeout_s: string;
  memory_mb: string;
  replication: string;
  tasks: string;
  reward: string;
  deadline: string;
  priority: 'low' | 'normal' | 'high';
  max_budget: string;
  // high-level
  type: string;
  framework: string;
  dataset_size: string;
  model_params: string;
}

export const initialForm: JobForm = {
  kind: 'hashpow',
  bits: '12',
  m: '64',
  k: '64',
  n: '64',
  challenges: '',
  app: '',
  inputs: '',
  timeout_s: '60',
  memory_mb: '256',
  replication: '1',
  tasks: '2',
  reward: '0.1',
  deadline: '100',
  priority: 'normal',
  max_budget: '',
  type: 'inference',
  framework: 'pytorch',
  dataset_size: '10GB',
  model_params: '',
};

function int(text: string, path: string, errors: Errors): number | undefined {
  const t = text.trim();
  if (t === '') return undefined;
  if (!/^[0-9]+$/.test(t)) {
    errors[path] = 'a whole number';
    return undefined;
  }
  return Number(t);
}

function cpc(text: string, path: string, errors: Errors): number | undefined {
  if (text.trim() === '') return undefined;
  try {
    return cpcToUnits(text);
  } catch (e) {
    errors[path] = e instanceof Error ? e.message : 'an amount of CPC';
    return undefined;
  }
}

export interface BuiltBody {
  body?: Record<string, unknown>;
  errors: Errors;
}

/** The form → the request body, with the same checks as pasted JSON. */
export function buildJobBody(f: JobForm): BuiltBody {
  const errors: Errors = {};
  if (f.kind === 'workload') {
    const r: Record<string, unknown> = { type: f.type, priority: f.priority };
    if (f.framework.trim()) r.framework = f.framework.trim();
    if (f.dataset_size.trim()) r.dataset_size = f.dataset_size.trim();
    if (f.model_params.trim()) r.model_params = f.model_params.trim();
    if (f.max_budget.trim()) r.max_budget = f.max_budget.trim().replace(/,/g, '');
    const rep = int(f.replication, 'request.replication', errors);
    if (rep !== undefined && rep !== 1) r.replication = rep;
    Object.assign(errors, checkRequest(r), errors);
    return Object.keys(errors).length ? { errors } : { body: r, errors };
  }
  const P = 'contract.params';
  const params: Record<string, unknown> = {};
  if (f.kind === 'hashpow') params.bits = int(f.bits, `${P}.bits`, errors);
  if (f.kind === 'matmul') {
    params.m = int(f.m, `${P}.m`, errors);
    params.k = int(f.k, `${P}.k`, errors);
    params.n = int(f.n, `${P}.n`, errors);
    const ch = int(f.challenges, `${P}.challenges`, errors);
    if (ch !== undefined) params.challenges = ch;
  }
  if (f.kind === 'exec') {
    params.app = f.app.trim();
    params.inputs = f.inputs.split(/[\s,]+/).filter(Boolean);
    params.timeout_s = int(f.timeout_s, `${P}.timeout_s`, errors);
    params.memory_mb = int(f.memory_mb, `${P}.memory_mb`, errors);
  }
  const c: Record<string, unknown> = {
    kind: f.kind,
    params,
    tasks: int(f.tasks, 'contract.tasks', errors),
    reward: cpc(f.reward, 'contract.reward', errors),
    deadline: int(f.deadline, 'contract.deadline', errors),
    priority: f.priority,
  };
  if (f.kind === 'exec') c.replication = int(f.replication, 'contract.replication', errors) ?? 1;
  const mb = cpc(f.max_budget, 'contract.max_budget', errors);
  if (mb !== undefined) c.max_budget = mb;
  else if (typeof c.tasks === 'number' && typeof c.reward === 'number') {
    // no maximum typed: exactly the budget plus its 10% commission
    const budget = BigInt(c.tasks) * BigInt((c.replication as number | undefined) ?? 1) * BigInt(c.reward);
    const total = budget + budget / 10n;
    if (total <= BigInt(Number.MAX_SAFE_INTEGER)) c.max_budget = Number(total);
  }
  for (const [k, v] of Object.entries(params)) if (v === undefined) delete params[k];
  for (const k of Object.keys(c)) if (c[k] === undefined) delete c[k];
  const found = checkContract(c);
  for (const [k, v] of Object.entries(found)) if (!errors[k]) errors[k] = v;
  return Object.keys(errors).length ? { errors } : { body: c, errors };
}
