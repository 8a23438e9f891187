/**
 * The one wait loop of the package, and the rules of its options: the
 * waiters (`waitForPodNetworkStatus`, `waitForDeviceMetadata`) look for
 * something on a file that another process fills later, re-look every
 * `intervalMs`, and fail after `timeoutMs`. Each waiter says what it looks
 * for and how it words running out of time; the loop, its deadline, its
 * abort and its option rules are the same for all.
 *
 * @internal
 * @module
 */

import { abortSignal, checkOptionsWith, invalidArgType, milliseconds, type OptionRules, positiveNumber } from "./args.js";

/** Options every waiter takes. */
export interface WaitOptions {
  /** How long to wait, in milliseconds, before failing. Required: a wait always has a deadline. */
  timeoutMs: number;
  /** How often to look again, in milliseconds. Default {@link DEFAULT_WAIT_INTERVAL_MS}. */
  intervalMs?: number | undefined;
  /** Stops waiting early; the promise rejects with the signal's reason. */
  signal?: AbortSignal | undefined;
}

/** The default of `intervalMs`. */
export const DEFAULT_WAIT_INTERVAL_MS = 250;

/**
 * One rule per option of every waiter. Durations accept fractions of a
 * millisecond, as every other duration option of the package does
 * (`lockTimeoutMs`, `lockStaleMs`, the kubelet's `timeoutMs`) and as Node's
 * timers do: a caller computing a timeout (`seconds * 1000`, a remaining
 * budget) must not fail on a fraction. Until this table, the DRA waiter
 * refused fractions and the network-status waiter accepted them; refusing
 * would have broken working callers of the latter, accepting breaks none.
 */
export const WAIT_OPTION_RULES: OptionRules<WaitOptions> = {
  timeoutMs: milliseconds,
  intervalMs: positiveNumber,
  signal: abortSignal,
};

/**
 * A waiter's options checked by its table (which extends
 * {@link WAIT_OPTION_RULES}): an object (not optional), every option by its
 * rule, `timeoutMs` required.
 */
export function checkWaitOptions<T extends WaitOptions>(value: T, rules: OptionRules<T>): T {
  const options = checkOptionsWith(value, rules);
  if (options === undefined) throw invalidArgType("options", "of type object", value);
  if (options.timeoutMs === undefined) milliseconds(options.timeoutMs, "options.timeoutMs");
  return options;
}

/**
 * Looks until `look` finds something (`{ value }`), every `intervalMs`, from
 * now until `timeoutMs` has passed; then throws what `timedOut` returns. An
 * error thrown by `look` ends the wait at once (a waiter catches what it
 * waits out). The signal is checked before each look and cuts a sleep short.
 * A sleep never passes the deadline: an `intervalMs` longer than what is left
 * (up to 2^53-1 ms, past Node's timer limit) means one sleep to the deadline,
 * then a last look.
 */
export async function waitFor<T>(
  options: Readonly<WaitOptions>,
  look: () => Promise<{ readonly value: T } | undefined>,
  timedOut: () => Error,
): Promise<T> {
  const { timeoutMs, intervalMs = DEFAULT_WAIT_INTERVAL_MS, signal } = options;
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    signal?.throwIfAborted();
    const found = await look();
    if (found !== undefined) return found.value;
    const left = deadline - performance.now();
    if (left <= 0) throw timedOut();
    await sleep(Math.min(intervalMs, left), signal);
  }
}

/**
 * The longest delay one Node timer takes (2^31-1 ms, about 24.8 days): a
 * longer one warns (TimeoutOverflowWarning) and fires after 1 ms instead.
 */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * A timer that an abort cuts short (rejecting with the signal's reason).
 * Any duration >= 0 (the options allow up to 2^53-1 ms): a sleep past
 * {@link MAX_TIMER_MS} is a chain of timers each within it, and a timer that
 * fires before `ms` has passed on `performance.now()` is re-armed for the
 * rest, so the caller never looks early.
 * Not node:timers/promises: loading it would cost every CNI plugin start.
 */
export function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  const end = performance.now() + ms;
  return new Promise((resolve, reject) => {
    let timer: NodeJS.Timeout | undefined;
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const arm = (left: number) => {
      timer = setTimeout(
        () => {
          const rest = end - performance.now();
          if (rest > 0) {
            arm(rest);
            return;
          }
          signal?.removeEventListener("abort", onAbort);
          resolve();
        },
        Math.min(left, MAX_TIMER_MS),
      );
    };
    arm(ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}
