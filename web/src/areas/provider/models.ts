// models.ts — the GPU models a server may list (docs/api.md, "Models and scores";
// the node's list is src/market/server_body.c: a model not here is refused there).
export const GPU_MODELS = [
  'A100 40GB', 'A100 80GB', 'A6000', 'H100 80GB', 'H200 141GB', 'L4',
  'L40S', 'RTX 3090', 'RTX 4090', 'RTX 5090', 'T4', 'V100',
] as const;
