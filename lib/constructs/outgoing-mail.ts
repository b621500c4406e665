import { Duration, type Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as ses from 'aws-cdk-lib/aws-ses';
import { VICTIM_UPDATE_FILTERS } from '../../functions/domain/victim-updates.js';
import { EmailEvents } from './email-events.js';
import type { OperationsAlerts } from './operations-alerts.js';
import { ReferralFunction } from './referral-function.js';
import type { ReferralStore } from './referral-store.js';
import type { ServiceApi } from './service-api.js';
import { TableStreamConsumer } from './table-stream-consumer.js';

export interface OutgoingMailProps {
  /** Domain the service sends email from; it must be verified in SES before emails leave the sandbox. */
  readonly senderDomain: string;
  readonly store: ReferralStore;
  readonly api: ServiceApi;
  readonly alerts: OperationsAlerts;
}

/**
 * Every email the service sends goes out through one SES identity and configuration set; what did not
 * arrive comes back to be recorded, and victims who asked for updates get them from the table's stream.
 * Created in the stack's own scope (see ReferralStack).
 */
export class OutgoingMail {
  readonly configurationSet: ses.ConfigurationSet;
  private readonly environment: Record<string, string>;
  private readonly sendEmail: iam.PolicyStatement;
  private readonly props: OutgoingMailProps;

  constructor(stack: Stack, props: OutgoingMailProps) {
    this.props = props;
    const { senderDomain, store, alerts } = props;
    this.configurationSet = new ses.ConfigurationSet(stack, 'MailConfigurationSet', {
      tlsPolicy: ses.ConfigurationSetTlsPolicy.REQUIRE,
      reputationMetrics: true,
    });
    const identity = new ses.EmailIdentity(stack, 'SenderIdentity', {
      identity: ses.Identity.domain(senderDomain),
      configurationSet: this.configurationSet,
    });
    this.environment = {
      MAIL_FROM: `referrals@${senderDomain}`,
      MAIL_CONFIGURATION_SET: this.configurationSet.configurationSetName,
    };
    this.sendEmail = new iam.PolicyStatement({
      actions: ['ses:SendEmail'],
      resources: [
        stack.formatArn({ service: 'ses', resource: 'identity', resourceName: identity.emailIdentityName }),
        stack.formatArn({ service: 'ses', resource: 'configuration-set', resourceName: this.configurationSet.configurationSetName }),
      ],
    });

    // SES's word that an email did not arrive: recorded on its assignment, and the coordinator is told.
    const recordEmailEvent = new ReferralFunction(stack, 'RecordEmailEvent', {
      entry: 'functions/events/record-email-event.ts',
      description: "Marks an assignment's email undeliverable on a bounce, complaint or rejection and tells the coordinator and operations",
    });
    new EmailEvents(stack, 'EmailEvents', { configurationSet: this.configurationSet, key: alerts.key, recorder: recordEmailEvent });
    this.bindNotifier(recordEmailEvent);

    // A second consumer of the stream (SPEC §6): the victim who asked for updates by a safe email hears
    // that the request arrived and that a team picked it up. It reads referrals and writes its notices.
    const sendVictimUpdates = new ReferralFunction(stack, 'SendVictimUpdates', {
      entry: 'functions/events/send-victim-updates.ts',
      description: 'Emails a victim who asked for updates: request received, request picked up',
      timeout: Duration.minutes(1),
    });
    store.bind(sendVictimUpdates, 'read-write');
    this.bind(sendVictimUpdates);
    new TableStreamConsumer(stack, 'VictimUpdates', {
      table: store.table, consumer: sendVictimUpdates, alerts,
      filters: VICTIM_UPDATE_FILTERS,
      // An email outage of a day is waited out; the stream keeps records for 24 hours in any case.
      retryAttempts: 100,
      errorsMean: 'The victim-updates stream consumer failed: a victim who asked for email updates is waiting for one until it recovers.',
      parkedAlarmId: 'VictimUpdatesParked',
      parkedMeans: 'The victim-updates consumer gave up on a stretch of the table stream: victims who asked for updates then may not have had them. Each message names the shard and sequence numbers.',
    });
  }

  /** The sender and configuration set in the function's environment, and leave to send through them only. */
  bind(fn: lambda.Function): void {
    for (const [name, value] of Object.entries(this.environment)) fn.addEnvironment(name, value);
    fn.addToRolePolicy(this.sendEmail);
  }

  /**
   * A function that emails people about referrals: the table, sending, links to the portal, and
   * operations to tell when a person could not be told.
   */
  bindNotifier(fn: lambda.Function): void {
    this.props.store.bind(fn, 'read-write');
    this.bind(fn);
    this.props.api.bindPortalUrl(fn);
    this.props.alerts.bind(fn);
  }
}
