// The types of bench/kubelet.mjs, for bench/run.ts.
import type { Verdict } from "./_stats.js";

export function benchKubelet(options?: { rounds?: number; pods?: number; dist?: string }): Promise<{ report: string; verdicts: Verdict[] }>;
