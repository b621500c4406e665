import { describe, expect, it } from 'vitest';

// The functions' time-out (lib/constructs/referral-function.ts): every call must give up inside it.
const FUNCTION_TIMEOUT_MS = 29_000;

type HandlerConfig = { connectionTimeout?: number; requestTimeout?: number; throwOnRequestTimeout?: boolean };
// The Node HTTP handler resolves its settings when first used; `configProvider` is that promise.
type Client = { config: { maxAttempts: () => Promise<number>; requestHandler: { configProvider: Promise<HandlerConfig> } } };

describe('the AWS SDK clients the functions share', () => {
  it('give up on a quiet dependency, every try included, before the function itself would time out', async () => {
    const clients = await import('../../functions/adapters/aws-clients.js') as unknown as Record<'dynamodb' | 'sfn' | 'sesv2' | 'sns', Client>;
    for (const [name, client] of Object.entries(clients).filter(([key]) => key !== 'documents')) {
      const attempts = await client.config.maxAttempts();
      const { connectionTimeout = Infinity, requestTimeout = Infinity, throwOnRequestTimeout } = await client.config.requestHandler.configProvider;
      expect(throwOnRequestTimeout, name).toBe(true);
      // A connection refused fails at once; a quiet one takes a try's whole connection and answer time.
      expect(attempts * Math.max(connectionTimeout, requestTimeout), name).toBeLessThan(FUNCTION_TIMEOUT_MS);
    }
  });

  it('never send an email again on their own: whether to resend is the sending step\u2019s decision', async () => {
    const { sesv2 } = await import('../../functions/adapters/aws-clients.js');
    expect(await sesv2.config.maxAttempts()).toBe(1);
  });
});
