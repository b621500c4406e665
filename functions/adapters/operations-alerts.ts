import { PublishCommand } from '@aws-sdk/client-sns';
import { sns } from './aws-clients.js';
import { requiredEnv } from './environment.js';

const topicArn = requiredEnv('OPERATIONS_TOPIC_ARN');

/**
 * Tells the operations topic (SPEC §9, "someone is always told"). It is not email through our own SES
 * account: when SES is what failed, the alert still arrives. References, team ids and error names only.
 */
export async function alertOperations(alert: { subject: string; lines: string[] }): Promise<void> {
  await sns.send(new PublishCommand({
    TopicArn: topicArn,
    // SNS takes email subjects under 100 characters, with no line breaks.
    Subject: alert.subject.replace(/[\r\n]+/g, ' ').slice(0, 99),
    Message: alert.lines.join('\n'),
  }));
}
