import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CreateEmailTemplateCommand, GetEmailTemplateCommand, SendEmailCommand, SESv2Client, type SendEmailCommandInput } from '@aws-sdk/client-sesv2';
import sesEmulator from 'aws-ses-v2-local';
import { afterEach, describe, expect, it } from 'vitest';
import { LocalSesFront, readEmailEventDestinations, type EmailEventDestination, type SimulatedEmailEvent } from '../../../local/ses-front.js';
import type { CfnTemplate } from '../../../local/template.js';

type StartSes = (config: { host: string; port: number }) => Promise<Server>;
// A CommonJS module: Node's ESM loader hands over its exports object, vitest's the default export itself.
const startEmulator = typeof sesEmulator === 'function' ? sesEmulator as unknown as StartSes : (sesEmulator as unknown as { default: StartSes }).default;

const CONFIGURATION_SET = 'MailConfigurationSet8758ADB0';
const BOUNCES_AND_COMPLAINTS: EmailEventDestination = { configurationSetName: CONFIGURATION_SET, topicLogicalId: 'OperationsTopic', eventTypes: ['bounce', 'complaint'] };

interface StoredEmail { messageId: string; subject: string; destination: { to: string[] } }
interface Published { configurationSetName: string; eventType: SimulatedEmailEvent; event: Record<string, unknown>; topicLogicalId: string }

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function emulator(): Promise<{ url: string; stop: () => Promise<void> }> {
  const server = await startEmulator({ host: '127.0.0.1', port: 0 });
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    await new Promise<void>((resolve) => { server.close(() => resolve()); server.closeAllConnections(); });
  };
  cleanups.push(stop);
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, stop };
}

async function mailService(eventDestinations: EmailEventDestination[] = [BOUNCES_AND_COMPLAINTS]) {
  const ses = await emulator();
  const published: Published[] = [];
  const logged: string[] = [];
  const front = new LocalSesFront({
    emulatorUrl: ses.url,
    eventDestinations,
    publishEmailEvent: async (configurationSetName, eventType, eventJson, topicLogicalId) => {
      published.push({ configurationSetName, eventType, event: JSON.parse(eventJson) as Record<string, unknown>, topicLogicalId });
    },
    log: (message) => logged.push(message),
  });
  const url = await front.listen(0);
  cleanups.push(() => front.close());
  const client = new SESv2Client({ endpoint: url, region: 'eu-west-2', credentials: { accessKeyId: 'local', secretAccessKey: 'local' }, maxAttempts: 1 });
  const stored = async (): Promise<StoredEmail[]> => ((await (await fetch(`${ses.url}/store`)).json()) as { emails: StoredEmail[] }).emails;
  return { ses, front, client, published, logged, stored };
}

let sent = 0;
/** An agency notification as the mailer sends it, with a subject no other test uses. */
function agencyEmail(to: string, extra: Partial<SendEmailCommandInput> = {}): SendEmailCommandInput {
  return {
    FromEmailAddress: 'referrals@referrals.example',
    Destination: { ToAddresses: [to] },
    ConfigurationSetName: CONFIGURATION_SET,
    EmailTags: [{ Name: 'reference', Value: 'SR-2K7Q-9XMB' }, { Name: 'team', Value: 'victim-care' }],
    Content: { Simple: { Subject: { Data: `New referral ${++sent}` }, Body: { Text: { Data: 'Open the portal to acknowledge.' } } } },
    ...extra,
  };
}

describe('the local SES front', () => {
  it('passes an ordinary send through to the emulator, which stores it', async () => {
    const { client, stored, published } = await mailService();
    const { MessageId } = await client.send(new SendEmailCommand(agencyEmail('victim-care@merseyside.referrals.example')));
    expect((await stored()).find((e) => e.messageId === MessageId)?.destination.to).toEqual(['victim-care@merseyside.referrals.example']);
    expect(published).toEqual([]);
  });

  it('passes other requests through unchanged, their answers included', async () => {
    const { client } = await mailService();
    const TemplateContent = { Subject: 'Reminder: {{reference}}', Text: 'Still waiting for {{team}}.' };
    await client.send(new CreateEmailTemplateCommand({ TemplateName: 'reminder', TemplateContent }));
    await expect(client.send(new GetEmailTemplateCommand({ TemplateName: 'reminder' }))).resolves.toMatchObject({ TemplateName: 'reminder', TemplateContent });
    await expect(client.send(new GetEmailTemplateCommand({ TemplateName: 'no-such-template' }))).rejects.toMatchObject({ $metadata: { httpStatusCode: 404 } });
  });

  it('rejects a recipient in the reserved .invalid domain as an unverified address, and stores nothing', async () => {
    const { client, stored } = await mailService();
    const email = agencyEmail('team@rejected.invalid', { Destination: { ToAddresses: ['coordinator@merseyside.referrals.example'], CcAddresses: ['Team <team@rejected.invalid>'] } });
    const sending = client.send(new SendEmailCommand(email));
    await expect(sending).rejects.toMatchObject({
      name: 'MessageRejected',
      message: 'Email address is not verified. The following identities failed the check in region EU-WEST-2: team@rejected.invalid',
      $metadata: { httpStatusCode: 400 },
    });
    expect((await stored()).filter((e) => e.subject === email.Content!.Simple!.Subject!.Data)).toEqual([]);
  });

  it('rejects an .invalid recipient named only in the headers of a raw message', async () => {
    const { client } = await mailService();
    const mime = 'From: referrals@referrals.example\r\nTo: coordinator@merseyside.referrals.example,\r\n team@rejected.invalid\r\nSubject: raw\r\n\r\nbody';
    const sending = client.send(new SendEmailCommand({ Content: { Raw: { Data: Buffer.from(mime) } } }));
    await expect(sending).rejects.toMatchObject({ name: 'MessageRejected' });
  });

  it('accepts and stores a send to the bounce simulator, then publishes one Bounce event with its message id and tags', async () => {
    const { front, client, stored, published } = await mailService();
    const { MessageId } = await client.send(new SendEmailCommand(agencyEmail('bounce+mdvs@simulator.amazonses.com')));
    expect((await stored()).some((e) => e.messageId === MessageId)).toBe(true);
    await front.settled();

    expect(published).toHaveLength(1);
    expect(published[0]).toEqual({
      configurationSetName: CONFIGURATION_SET,
      eventType: 'Bounce',
      topicLogicalId: 'OperationsTopic',
      event: {
        eventType: 'Bounce',
        mail: expect.objectContaining({
          timestamp: expect.any(String),
          messageId: MessageId,
          source: 'referrals@referrals.example',
          sendingAccountId: '000000000000',
          destination: ['bounce+mdvs@simulator.amazonses.com'],
          tags: expect.objectContaining({
            'ses:configuration-set': [CONFIGURATION_SET], reference: ['SR-2K7Q-9XMB'], team: ['victim-care'],
          }),
        }),
        bounce: {
          bounceType: 'Permanent', bounceSubType: 'General', timestamp: expect.any(String), feedbackId: expect.any(String),
          bouncedRecipients: [{ emailAddress: 'bounce+mdvs@simulator.amazonses.com', action: 'failed', status: '5.1.1', diagnosticCode: 'smtp; 550 5.1.1 user unknown' }],
        },
      },
    });
  });

  it('publishes a Complaint event for the complaint simulator', async () => {
    const { front, client, published } = await mailService();
    await client.send(new SendEmailCommand(agencyEmail('complaint@simulator.amazonses.com')));
    await front.settled();
    expect(published.map((p) => p.event)).toEqual([expect.objectContaining({
      eventType: 'Complaint',
      complaint: expect.objectContaining({ complainedRecipients: [{ emailAddress: 'complaint@simulator.amazonses.com' }], complaintFeedbackType: 'abuse' }),
    })]);
  });

  it('publishes only the event types the destination matches, and only for a send under a configuration set', async () => {
    const { front, client, published } = await mailService([{ ...BOUNCES_AND_COMPLAINTS, eventTypes: ['bounce'] }]);
    await client.send(new SendEmailCommand(agencyEmail('complaint@simulator.amazonses.com')));
    await client.send(new SendEmailCommand(agencyEmail('bounce@simulator.amazonses.com', { ConfigurationSetName: undefined })));
    await client.send(new SendEmailCommand(agencyEmail('bounce@simulator.amazonses.com', { ConfigurationSetName: 'SomeOtherSet' })));
    await front.settled();
    expect(published).toEqual([]);
  });

  it('drops the connection when the emulator is down, so the SDK sees a network error rather than an answer', async () => {
    const { ses, client, stored } = await mailService();
    await ses.stop();
    const error = await client.send(new SendEmailCommand(agencyEmail('victim-care@merseyside.referrals.example'))).then(
      () => { throw new Error('the send succeeded'); },
      (e: unknown) => e as Error & { code?: string; $metadata?: { httpStatusCode?: number } },
    );
    expect(error.$metadata?.httpStatusCode).toBeUndefined();
    // The SDK names a dropped connection TimeoutError, code ECONNRESET: both are on the handlers' transient list.
    expect(error).toMatchObject({ name: 'TimeoutError', code: 'ECONNRESET' });
    await expect(stored()).rejects.toThrow();
  });
});

describe('reading email event destinations from the synthesized template', () => {
  it('names the configuration set, the topic and the event types of each enabled SNS destination', () => {
    const template: CfnTemplate = {
      Resources: {
        OperationsTopicC9C1CC12: { Type: 'AWS::SNS::Topic' },
        MailConfigurationSet8758ADB0: { Type: 'AWS::SES::ConfigurationSet', Properties: { DeliveryOptions: { TlsPolicy: 'REQUIRE' } } },
        NamedSet: { Type: 'AWS::SES::ConfigurationSet', Properties: { Name: 'referral-mail' } },
        MailConfigurationSetBounces40BA2287: {
          Type: 'AWS::SES::ConfigurationSetEventDestination',
          Properties: {
            ConfigurationSetName: { Ref: 'MailConfigurationSet8758ADB0' },
            EventDestination: { Enabled: true, MatchingEventTypes: ['bounce', 'complaint'], SnsDestination: { TopicARN: { Ref: 'OperationsTopicC9C1CC12' } } },
          },
        },
        NamedSetRejects: {
          Type: 'AWS::SES::ConfigurationSetEventDestination',
          Properties: {
            ConfigurationSetName: { Ref: 'NamedSet' },
            EventDestination: { Enabled: true, MatchingEventTypes: ['reject'], SnsDestination: { TopicARN: { Ref: 'OperationsTopicC9C1CC12' } } },
          },
        },
        PlainNameDisabled: {
          Type: 'AWS::SES::ConfigurationSetEventDestination',
          Properties: {
            ConfigurationSetName: 'typed-by-hand',
            EventDestination: { Enabled: false, MatchingEventTypes: ['bounce'], SnsDestination: { TopicARN: { Ref: 'OperationsTopicC9C1CC12' } } },
          },
        },
        ToCloudWatch: {
          Type: 'AWS::SES::ConfigurationSetEventDestination',
          Properties: { ConfigurationSetName: 'typed-by-hand', EventDestination: { Enabled: true, MatchingEventTypes: ['send'], CloudWatchDestination: {} } },
        },
      },
    };
    expect(readEmailEventDestinations(template)).toEqual([
      { configurationSetName: 'MailConfigurationSet8758ADB0', topicLogicalId: 'OperationsTopicC9C1CC12', eventTypes: ['bounce', 'complaint'] },
      { configurationSetName: 'referral-mail', topicLogicalId: 'OperationsTopicC9C1CC12', eventTypes: ['reject'] },
    ]);
  });
});
