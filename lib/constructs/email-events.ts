import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as ses from 'aws-cdk-lib/aws-ses';
import * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';

/** The sending events that mean an email did not reach, or may not reach, the person it was for. */
export const UNDELIVERED_EMAIL_EVENTS = [
  ses.EmailSendingEvent.BOUNCE,
  ses.EmailSendingEvent.COMPLAINT,
  ses.EmailSendingEvent.REJECT,
  ses.EmailSendingEvent.RENDERING_FAILURE,
  ses.EmailSendingEvent.DELIVERY_DELAY,
];

export interface EmailEventsProps {
  /** The configuration set every email the service sends goes through. */
  readonly configurationSet: ses.IConfigurationSet;
  /** The alert topics' key; SES is let use it here, where SES is the publisher. */
  readonly key: kms.Key;
  /** Records the event against the assignment whose email it was, and tells the coordinator and operations. */
  readonly recorder: lambda.Function;
}

/**
 * Email that did not arrive (SPEC §9, "someone is always told"): a team that never got its referral
 * email cannot acknowledge it, so SES's bounce, complaint and rejection events for our configuration set
 * go to a topic of their own and on to a function that acts on them.
 */
export class EmailEvents extends Construct {
  readonly topic: sns.Topic;

  constructor(scope: Construct, id: string, props: EmailEventsProps) {
    super(scope, id);
    props.key.addToResourcePolicy(new iam.PolicyStatement({
      sid: 'SesPublishesEmailEvents',
      principals: [new iam.ServicePrincipal('ses.amazonaws.com')],
      actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
      resources: ['*'],
    }));
    this.topic = new sns.Topic(this, 'Topic', {
      displayName: 'Referral service email delivery events',
      masterKey: props.key,
      enforceSSL: true,
    });
    // Adds the topic policy for ses.amazonaws.com, limited to this account and this configuration set.
    new ses.ConfigurationSetEventDestination(this, 'Destination', {
      configurationSet: props.configurationSet,
      configurationSetEventDestinationName: 'undelivered-email',
      destination: ses.EventDestination.snsTopic(this.topic),
      events: UNDELIVERED_EMAIL_EVENTS,
    });

    new sns.Subscription(this, 'Recorder', {
      topic: this.topic,
      protocol: sns.SubscriptionProtocol.LAMBDA,
      endpoint: props.recorder.functionArn,
    });
    props.recorder.addPermission('InvokedByEmailEvents', {
      principal: new iam.ServicePrincipal('sns.amazonaws.com'),
      sourceArn: this.topic.topicArn,
    });
  }
}
