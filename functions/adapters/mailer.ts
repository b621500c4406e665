import { SendEmailCommand } from '@aws-sdk/client-sesv2';
import type { AgencyEmail } from '../domain/agency-email.js';
import { sesv2 } from './aws-clients.js';
import { requiredEnv } from './environment.js';

const from = requiredEnv('MAIL_FROM');
const configurationSet = requiredEnv('MAIL_CONFIGURATION_SET');

/** Sends one email through SES v2, under the configuration set that requires TLS. Returns the message id. */
export async function sendEmail(email: AgencyEmail, tags: Record<string, string> = {}, options: { abortSignal?: AbortSignal } = {}): Promise<string> {
  const result = await sesv2.send(new SendEmailCommand({
    FromEmailAddress: from,
    Destination: { ToAddresses: [email.to] },
    ConfigurationSetName: configurationSet,
    EmailTags: Object.entries(tags).map(([Name, Value]) => ({ Name, Value })),
    Content: {
      Simple: {
        Subject: { Data: email.subject, Charset: 'UTF-8' },
        Body: { Text: { Data: email.text, Charset: 'UTF-8' }, Html: { Data: email.html, Charset: 'UTF-8' } },
      },
    },
  }), options);
  return result.MessageId ?? 'unknown';
}
