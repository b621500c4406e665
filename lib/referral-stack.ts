import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { ApiRoutes } from './constructs/api-routes.js';
import { encryptLogGroups } from './constructs/log-encryption.js';
import { OperationsAlerts } from './constructs/operations-alerts.js';
import { OutgoingMail } from './constructs/outgoing-mail.js';
import { ReferralStateMachine } from './constructs/referral-state-machine.js';
import { ReferralStore } from './constructs/referral-store.js';
import { ReportFolding } from './constructs/report-folding.js';
import { ServiceApi } from './constructs/service-api.js';
import { ServicePages } from './constructs/service-pages.js';
import { StaffAccess } from './constructs/staff-access.js';

export interface ReferralStackProps extends StackProps {
  /** Domain the service sends email from; it must be verified in SES before emails leave the sandbox. */
  readonly senderDomain: string;
  /** Mailbox of the people told about failures (SPEC §9); it must confirm SNS's subscription email. */
  readonly operationsEmail: string;
  /** How long a referral's records are kept before DynamoDB's TTL removes them (default six years). */
  readonly retentionDays?: number;
  /** Referrals in five minutes that operations are told about: far above the service's normal rate. */
  readonly unusualReferralRate?: number;
}

/** A busy day brings a few dozen referrals; this many in five minutes is a flood or a broken client. */
export const UNUSUAL_REFERRAL_RATE = 30;

/**
 * Everything the referral service runs on in AWS (SPEC §9), one concern at a time. Each concern creates
 * its resources in this stack's own scope rather than in a construct of its own: a logical ID is made
 * from the construct path, and the deployed stack and the local cloud know every resource by it. A
 * function gets what it reaches (environment and grant together) from the concern's `bind`.
 */
export class ReferralStack extends Stack {
  constructor(scope: Construct, id: string, props: ReferralStackProps) {
    super(scope, id, props);

    const store = new ReferralStore(this, { retentionDays: props.retentionDays });
    encryptLogGroups(this);
    const alerts = new OperationsAlerts(this, 'Operations', { operationsEmail: props.operationsEmail });
    const api = new ServiceApi(this);
    const mail = new OutgoingMail(this, { senderDomain: props.senderDomain, store, api, alerts });
    const workflow = new ReferralStateMachine(this, { store, mail, alerts });
    const access = new StaffAccess(this);
    new ApiRoutes(this, { api, store, workflow, access });
    new ServicePages(this, { api, store, workflow, access });
    new ReportFolding(this, { store, alerts });

    alerts.watchApi(api.stage);
    alerts.watchReferralRate(props.unusualReferralRate ?? UNUSUAL_REFERRAL_RATE);
    // Last, so that every function above has its errors watched.
    alerts.watchEveryFunction(this);

    new CfnOutput(this, 'ApiUrl', { value: api.url });
    // The edge stack's ApiDomain parameter (lib/edge-protection-stack.ts).
    new CfnOutput(this, 'ApiDomain', { value: `${api.httpApi.apiId}.execute-api.${this.region}.${this.urlSuffix}` });
    new CfnOutput(this, 'StateMachineArn', { value: workflow.stateMachine.stateMachineArn });
  }
}
