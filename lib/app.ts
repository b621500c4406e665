import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { ReferralStack } from './referral-stack.js';

export const STACK_NAME = 'StalkingReferralService';

export interface ReferralAppOptions {
  readonly outdir?: string;
  readonly context?: Record<string, unknown>;
}

/** The CDK app as deployed: used by `bin/app.ts`, the tests and the local cloud alike. */
export function createReferralApp(options: ReferralAppOptions = {}): { app: App; stack: ReferralStack } {
  const app = new App({ outdir: options.outdir, context: options.context });
  const senderDomain = String(app.node.tryGetContext('senderDomain') ?? 'referrals.example');
  const operationsEmail = String(app.node.tryGetContext('operationsEmail') ?? 'operations@referrals.example');
  const stack = new ReferralStack(app, STACK_NAME, {
    senderDomain,
    operationsEmail,
    ...(app.node.tryGetContext('retentionDays') !== undefined ? { retentionDays: Number(app.node.tryGetContext('retentionDays')) } : {}),
    env: { region: 'eu-west-2', account: process.env.CDK_DEFAULT_ACCOUNT },
    description: 'Stalking and harassment referral service: intake, screening, routing and acknowledgement tracking',
  });
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true }));
  return { app, stack };
}
