import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { EdgeProtectionStack } from './edge-protection-stack.js';
import { ReferralStack } from './referral-stack.js';

export const STACK_NAME = 'StalkingReferralService';
export const EDGE_STACK_NAME = 'StalkingReferralServiceEdge';

export interface ReferralAppOptions {
  readonly outdir?: string;
  readonly context?: Record<string, unknown>;
}

/** The CDK app as deployed: used by `bin/app.ts`, the tests and the local cloud alike. */
export function createReferralApp(options: ReferralAppOptions = {}): { app: App; stack: ReferralStack; edge: EdgeProtectionStack } {
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
  // WAF's web ACLs for CloudFront exist only in us-east-1: the per-client limits are a stack of their own
  // there, deployed after this one with its API's domain (see EdgeProtectionStack).
  const edge = new EdgeProtectionStack(app, EDGE_STACK_NAME, {
    env: { region: 'us-east-1', account: process.env.CDK_DEFAULT_ACCOUNT },
    description: 'Stalking and harassment referral service: per-client limits (CloudFront and WAF) in front of its API',
  });
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true }));
  return { app, stack, edge };
}
