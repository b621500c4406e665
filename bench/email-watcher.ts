import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';

interface StoredEmail {
  readonly messageId: string;
  readonly subject: string;
  readonly body?: { text?: string };
  readonly destination: { to: string[] };
}

const REFERENCE = /SR-[A-Z0-9]{4}-[A-Z0-9]{4}/;

interface Waiter {
  readonly recipients: readonly string[];
  resolve(at: number): void;
  reject(error: Error): void;
  readonly timer: NodeJS.Timeout;
}

/**
 * One poller over the SES emulator's store for the whole benchmark. Each poll asks only for the
 * emails saved since the previous poll started (`?since=` is in whole seconds, so it looks one second
 * further back and skips what it has already seen), indexes them by the reference in the subject or
 * text, and notes the performance.now() at which each recipient of each reference was first seen.
 *
 * The poller runs only while someone waits, so it adds no load to the local cloud (the emulator lives
 * in the same process as the API) during the latency phases.
 */
export class EmailWatcher {
  /** reference → recipient → performance.now() of the poll answer that first showed it. */
  private readonly seen = new Map<string, Map<string, number>>();
  private readonly messageIds = new Set<string>();
  private readonly waiters = new Map<string, Waiter[]>();
  private sinceSeconds: number;
  private polling = false;
  private holds = 0;
  private fastHolds = 0;
  private wake?: () => void;
  pollCount = 0;
  lastError?: Error;

  /**
   * @param fastMs the pause between polls while a waiter waits for a reference's emails
   * @param slowMs the pause between polls otherwise (while `until` waits for a backlog to drain)
   */
  constructor(private readonly sesUrl: string, startedAtMs = Date.now(), readonly fastMs = 20, readonly slowMs = 250) {
    this.sinceSeconds = Math.floor(startedAtMs / 1000) - 1;
  }

  get emailCount(): number {
    return this.messageIds.size;
  }

  /** performance.now() when every one of `recipients` had an email about `reference`, if they all have. */
  completedAt(reference: string, recipients: readonly string[]): number | undefined {
    const byRecipient = this.seen.get(reference);
    if (!byRecipient) return undefined;
    let latest = 0;
    for (const recipient of recipients) {
      const at = byRecipient.get(recipient);
      if (at === undefined) return undefined;
      latest = Math.max(latest, at);
    }
    return latest;
  }

  /** Resolves with the performance.now() at which the store held an email about `reference` to each recipient. */
  waitFor(reference: string, recipients: readonly string[], timeoutMs: number): Promise<number> {
    const done = this.completedAt(reference, recipients);
    if (done !== undefined) return Promise.resolve(done);
    return this.holding(new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.removeWaiter(reference, waiter);
        reject(new Error(`no email to ${recipients.join(' and ')} about ${reference} within ${timeoutMs} ms`));
      }, timeoutMs);
      const waiter: Waiter = { recipients, resolve, reject, timer };
      this.waiters.set(reference, [...(this.waiters.get(reference) ?? []), waiter]);
      this.wake?.();
    }));
  }

  /** Polls every `fastMs` for as long as `work` runs. */
  async fast<T>(work: () => Promise<T>): Promise<T> {
    this.fastHolds++;
    try {
      return await this.holding(work());
    } finally {
      this.fastHolds--;
    }
  }

  /** Keeps polling until `condition` holds (checked after each slow interval) or `timeoutMs` passes. */
  async until(condition: () => boolean, timeoutMs: number): Promise<boolean> {
    const deadline = performance.now() + timeoutMs;
    return this.holding((async () => {
      while (!condition()) {
        if (performance.now() > deadline) return false;
        await sleep(this.slowMs);
      }
      return true;
    })());
  }

  private holding<T>(work: Promise<T>): Promise<T> {
    this.holds++;
    if (!this.polling) void this.loop();
    return work.finally(() => { this.holds--; });
  }

  private removeWaiter(reference: string, waiter: Waiter): void {
    const rest = (this.waiters.get(reference) ?? []).filter((w) => w !== waiter);
    if (rest.length) this.waiters.set(reference, rest);
    else this.waiters.delete(reference);
  }

  private async loop(): Promise<void> {
    this.polling = true;
    try {
      while (this.holds > 0) {
        await this.pollOnce();
        if (this.holds > 0) await this.pause();
      }
    } finally {
      this.polling = false;
    }
  }

  /** The pause between polls: short while anyone waits for particular emails; a new waiter cuts a long one short. */
  private pause(): Promise<void> {
    const fast = this.fastHolds > 0 || this.waiters.size > 0;
    return new Promise<void>((resolve) => {
      const timer = setTimeout(done, fast ? this.fastMs : this.slowMs);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wake = fast ? undefined : done;
    }).finally(() => { this.wake = undefined; });
  }

  async pollOnce(): Promise<void> {
    const startedAt = Date.now();
    let emails: StoredEmail[];
    try {
      const response = await fetch(`${this.sesUrl}/store?since=${this.sinceSeconds}`);
      if (!response.ok) throw new Error(`GET /store answered ${response.status}`);
      emails = ((await response.json()) as { emails: StoredEmail[] }).emails;
    } catch (error) {
      this.lastError = error as Error;
      return;
    }
    const at = performance.now();
    this.pollCount++;
    this.sinceSeconds = Math.floor(startedAt / 1000) - 1;
    const touched = new Set<string>();
    for (const email of emails) {
      if (this.messageIds.has(email.messageId)) continue;
      this.messageIds.add(email.messageId);
      const reference = REFERENCE.exec(email.subject)?.[0] ?? REFERENCE.exec(email.body?.text ?? '')?.[0];
      if (!reference) continue;
      let byRecipient = this.seen.get(reference);
      if (!byRecipient) this.seen.set(reference, (byRecipient = new Map()));
      for (const recipient of email.destination.to) if (!byRecipient.has(recipient)) byRecipient.set(recipient, at);
      touched.add(reference);
    }
    for (const reference of touched) {
      for (const waiter of this.waiters.get(reference) ?? []) {
        const done = this.completedAt(reference, waiter.recipients);
        if (done === undefined) continue;
        clearTimeout(waiter.timer);
        this.removeWaiter(reference, waiter);
        waiter.resolve(done);
      }
    }
  }
}
