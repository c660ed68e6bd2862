// jobSpec.ts — what POST /marketplace/jobs accepts, checked in the browser
// before it is sent: a kind-level contract (src/core/contract.c:
// cpc_contract_from_json) or the high-level form (src/market/market_quote.c,
// docs/api.md "The high-level form"). Error keys are the paths the node's
// messages use ("contract.params.bits", "request.type"), so the page can put
// each error next to its field; the node checks everything again.
import { parseCpc } from '../../lib/format';
import { prefixError } from './vanityPrefix';

export const CONTRACT_KINDS = ['hashpow', 'matmul', 'vanity', 'exec'] as const;
export type ContractKind = (typeof CONTRACT_KINDS)[number];

export const WORKLOAD_TYPES = ['ml_training', 'fine_tuning', 'inference', 'rendering', 'data_processing', 'hashpow'] as const;
export const PRIORITIES = ['low', 'normal', 'high'] as const;
export type Priority = (typeof PRIORITIES)[number];

/** limits of src/core (market.h, kinds.h, contract.c) */
export const LIMITS = {
  maxTasks: 100000,
  maxDeadline: 10000000,
  hashpowMaxBits: 64,
  matmulMaxDim: 16384,
  matmulMaxChallenges: 64,
  maxReplication: 9,
  maxExecInputs: 8,
  execMaxTimeout: 86400,
  execMaxMemoryMb: 1048576,
  gpuModelMax: 31,
} as const;

export type Errors = Record<string, string>;
type Json = unknown;
type Obj = Record<string, Json>;

function isObj(v: Json): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

const HEX64 = /^[0-9a-fA-F]{64}$/;

/** Checks an integer field: present when required, a safe integer in [min, max]. */
function uint(o: Obj, path: string, key: string, required: boolean, min: number, max: number, errors: Errors): void {
  const v = o[key];
  const p = `${path}.${key}`;
  if (v === undefined) {
    if (required) errors[p] = 'missing';
    return;
  }
  if (typeof v !== 'number' || !Number.isInteger(v)) {
    errors[p] = 'expected an integer';
    return;
  }
  if (!Number.isSafeInteger(v)) {
    errors[p] = `at most ${Number.MAX_SAFE_INTEGER} (the largest integer a browser keeps exact)`;
    return;
  }
  if (v < min || v > max) errors[p] = `must be ${min}..${max}`;
}

function onlyKeys(o: Obj, path: string, keys: readonly string[], errors: Errors): void {
  for (const k of Object.keys(o)) if (!keys.includes(k)) errors[`${path}.${k}`] = `unknown field (allowed: ${keys.join(', ')})`;
}

function checkParams(kind: ContractKind, p: Json, errors: Errors): void {
  const P = 'contract.params';
  if (!isObj(p)) {
    errors[P] = 'expected an object';
    return;
  }
  switch (kind) {
    case 'hashpow':
      onlyKeys(p, P, ['bits'], errors);
      uint(p, P, 'bits', true, 1, LIMITS.hashpowMaxBits, errors);
      return;
    case 'matmul':
      onlyKeys(p, P, ['m', 'k', 'n', 'challenges'], errors);
      for (const d of ['m', 'k', 'n']) uint(p, P, d, true, 1, LIMITS.matmulMaxDim, errors);
      uint(p, P, 'challenges', false, 1, LIMITS.matmulMaxChallenges, errors);
      if (typeof p.challenges === 'number' && typeof p.m === 'number' && p.challenges > p.m && !errors[`${P}.challenges`])
        errors[`${P}.challenges`] = 'at most m';
      return;
    case 'vanity': {
      onlyKeys(p, P, ['pubkey', 'prefix'], errors);
      if (typeof p.pubkey !== 'string' || !/^0[23][0-9a-fA-F]{64}$/.test(p.pubkey))
        errors[`${P}.pubkey`] = 'a compressed secp256k1 public key: 66 hex characters starting 02 or 03';
      if (typeof p.prefix !== 'string') errors[`${P}.prefix`] = p.prefix === undefined ? 'missing' : 'expected a string';
      else {
        const e = prefixError(p.prefix);
        if (e) errors[`${P}.prefix`] = e;
      }
      return;
    }
    case 'exec': {
      onlyKeys(p, P, ['app', 'inputs', 'timeout_s', 'memory_mb'], errors);
      if (typeof p.app !== 'string' || !HEX64.test(p.app)) errors[`${P}.app`] = 'the app blob’s SHA-256: 64 hex characters';
      if (!Array.isArray(p.inputs)) errors[`${P}.inputs`] = p.inputs === undefined ? 'missing' : 'expected an array';
      else if (p.inputs.length > LIMITS.maxExecInputs) errors[`${P}.inputs`] = `at most ${LIMITS.maxExecInputs} inputs`;
      else
        p.inputs.forEach((h, i) => {
          if (typeof h !== 'string' || !HEX64.test(h)) errors[`${P}.inputs[${i}]`] = 'a blob’s SHA-256: 64 hex characters';
        });
      uint(p, P, 'timeout_s', true, 1, LIMITS.execMaxTimeout, errors);
      uint(p, P, 'memory_mb', true, 1, LIMITS.execMaxMemoryMb, errors);
      return;
    }
  }
}

const CONTRACT_KEYS = ['kind', 'params', 'tasks', 'reward', 'replication', 'deadline', 'priority', 'max_budget', 'requirements', 'early_bonus', 'early_blocks'];

/** A kind-level contract's errors (empty when it looks acceptable). */
export function checkContract(c: Obj): Errors {
  const errors: Errors = {};
  const P = 'contract';
  onlyKeys(c, P, CONTRACT_KEYS, errors);
  const kind = c.kind;
  if (typeof kind !== 'string' || !(CONTRACT_KINDS as readonly string[]).includes(kind)) {
    errors['contract.kind'] = `unknown kind: one of ${CONTRACT_KINDS.join(', ')}`;
  } else if (c.params === undefined) {
    errors['contract.params'] = 'missing';
  } else {
    checkParams(kind as ContractKind, c.params, errors);
  }
  uint(c, P, 'tasks', true, 1, LIMITS.maxTasks, errors);
  uint(c, P, 'reward', true, 1, Number.MAX_SAFE_INTEGER, errors);
  if (kind === 'exec') uint(c, P, 'replication', false, 1, LIMITS.maxReplication, errors);
  else if (c.replication !== undefined && c.replication !== 1) errors['contract.replication'] = `must be 1 for ${String(kind)}`;
  uint(c, P, 'deadline', true, 1, LIMITS.maxDeadline, errors);
  if (c.priority !== undefined && !(PRIORITIES as readonly Json[]).includes(c.priority))
    errors['contract.priority'] = 'must be low, normal or high';
  uint(c, P, 'max_budget', true, 0, Number.MAX_SAFE_INTEGER, errors);
  uint(c, P, 'early_bonus', false, 0, Number.MAX_SAFE_INTEGER, errors);
  uint(c, P, 'early_blocks', false, 0, LIMITS.maxDeadline, errors);
  if (c.requirements !== undefined) {
    const R = 'contract.requirements';
    if (!isObj(c.requirements)) errors[R] = 'expected an object';
    else {
      onlyKeys(c.requirements, R, ['gpu_model', 'min_vram_gb', 'min_cpu_cores'], errors);
      const g = c.requirements.gpu_model;
      if (g !== undefined && (typeof g !== 'string' || g.length > LIMITS.gpuModelMax || !/^[\x20-\x7e]*$/.test(g)))
        errors[`${R}.gpu_model`] = `printable ASCII, at most ${LIMITS.gpuModelMax} characters`;
      uint(c.requirements, R, 'min_vram_gb', false, 0, 4294967295, errors);
      uint(c.requirements, R, 'min_cpu_cores', false, 0, 4294967295, errors);
    }
  }
  if (Object.keys(errors).length === 0) {
    const tasks = BigInt(c.tasks as number);
    const repl = BigInt((c.replication as number | undefined) ?? 1);
    const per = BigInt(c.reward as number) + BigInt((c.early_bonus as number | undefined) ?? 0);
    const budget = tasks * repl * per;
    const total = budget + budget / 10n;
    if (total > BigInt(c.max_budget as number))
      errors['contract.max_budget'] = `below the budget plus 10% commission (${total} base units)`;
  }
  return errors;
}

// loose on purpose: the node's parser has the exact units and limits
const SIZE = /^[0-9]+(\.[0-9]{1,6})?\s*[KMGTP]?i?B$/i;
const PARAMS = /^[0-9]+(\.[0-9]{1,6})?\s*[KMBT]$/i;

/** The high-level form's errors (docs/api.md). */
export function checkRequest(r: Obj): Errors {
  const errors: Errors = {};
  const P = 'request';
  onlyKeys(r, P, ['type', 'framework', 'dataset_size', 'model_params', 'priority', 'max_budget', 'replication', 'gpu_model'], errors);
  if (typeof r.type !== 'string' || !(WORKLOAD_TYPES as readonly string[]).includes(r.type))
    errors['request.type'] = `one of ${WORKLOAD_TYPES.join(', ')}`;
  if (r.framework !== undefined && (typeof r.framework !== 'string' || !/^[A-Za-z0-9._+-]{1,32}$/.test(r.framework)))
    errors['request.framework'] = '1 to 32 of A-Z a-z 0-9 . _ + -';
  for (const [k, re, eg] of [
    ['dataset_size', SIZE, '"500GB", "1.5TB", "10GiB" or bytes'],
    ['model_params', PARAMS, '"70B", "1.5B", "350M" or an integer'],
  ] as const) {
    const v = r[k];
    if (v === undefined) continue;
    if (typeof v === 'number' ? !Number.isSafeInteger(v) || v < 0 : typeof v !== 'string' || !(re.test(v.trim()) || /^[0-9]+$/.test(v.trim())))
      errors[`request.${k}`] = eg;
  }
  if (r.priority !== undefined && !(PRIORITIES as readonly Json[]).includes(r.priority)) errors['request.priority'] = 'must be low, normal or high';
  if (r.max_budget === undefined) errors['request.max_budget'] = 'missing: the most CPC you accept to pay';
  else {
    const mb = r.max_budget;
    const text = typeof mb === 'number' ? String(mb) : typeof mb === 'string' ? mb : '';
    try {
      if (!text || typeof mb === 'number' && (!Number.isFinite(mb) || mb < 0)) throw new RangeError('a number of CPC such as 12.5');
      parseCpc(text);
    } catch (e) {
      errors['request.max_budget'] = e instanceof Error ? e.message : 'a number of CPC';
    }
  }
  uint(r, P, 'replication', false, 1, LIMITS.maxReplication, errors);
  if (r.gpu_model !== undefined && (typeof r.gpu_model !== 'string' || r.gpu_model.length > LIMITS.gpuModelMax))
    errors['request.gpu_model'] = `at most ${LIMITS.gpuModelMax} characters`;
  return errors;
}

export interface ParsedSpec {
  body?: Obj;
  errors: Errors;
}

/** Pasted JSON → the body to POST, or errors keyed by field path ("json" for syntax). */
export function parseJobSpec(text: string): ParsedSpec {
  let v: Json;
  try {
    v = JSON.parse(text);
  } catch (e) {
    return { errors: { json: `not valid JSON: ${e instanceof Error ? e.message : String(e)}` } };
  }
  if (!isObj(v)) return { errors: { json: 'expected a JSON object: a contract with "kind" or the high-level form with "type"' } };
  if (v.kind !== undefined) {
    const errors = checkContract(v);
    return Object.keys(errors).length ? { errors } : { body: v, errors };
  }
  if (v.type !== undefined) {
    const errors = checkRequest(v);
    return Object.keys(errors).length ? { errors } : { body: v, errors };
  }
  return { errors: { json: 'needs "kind" (hashpow, matmul, vanity, exec) or "type" (the high-level form, e.g. ml_training)' } };
}

/** CPC typed by a user → base units as a JSON-safe integer. */
export function cpcToUnits(text: string): number {
  const units = parseCpc(text);
  const n = Number(units);
  if (!Number.isSafeInteger(n)) throw new RangeError('too large for this page');
  return n;
}
