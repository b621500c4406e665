import { randomUUID } from 'node:crypto';
import { createServer, request, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { LOCAL_ACCOUNT, LOCAL_REGION, type CfnTemplate } from './template.js';

/** Where a configuration set's events go: one SNS topic, for the event types it matches. */
export interface EmailEventDestination {
  readonly configurationSetName: string;
  readonly topicLogicalId: string;
  /** As the template names them, lower camel case: 'bounce', 'complaint', 'reject'. */
  readonly eventTypes: readonly string[];
}

export type SimulatedEmailEvent = 'Bounce' | 'Complaint';

export interface SesFrontOptions {
  /** The SES v2 emulator every request is forwarded to; its mail viewer stays on this URL. */
  readonly emulatorUrl: string;
  readonly eventDestinations: readonly EmailEventDestination[];
  /** Called once per enabled destination that matches; `eventJson` is the message SES would publish. */
  publishEmailEvent(configurationSetName: string, eventType: SimulatedEmailEvent, eventJson: string, topicLogicalId: string): Promise<void>;
  log(message: string): void;
}

const SEND_EMAIL_PATH = '/v2/email/outbound-emails';
// SES v2's limit for a whole message; a send request is read whole so its recipients can be checked.
const MAX_SEND_BYTES = 40 * 1024 * 1024;
const SIMULATOR_DOMAIN = 'simulator.amazonses.com';
const SIMULATED: Record<string, SimulatedEmailEvent> = { bounce: 'Bounce', complaint: 'Complaint' };

/** The parts of a SendEmail request the front reads; everything else passes through untouched. */
interface SendEmailRequest {
  FromEmailAddress?: string;
  Destination?: { ToAddresses?: string[]; CcAddresses?: string[]; BccAddresses?: string[] };
  ConfigurationSetName?: string;
  EmailTags?: { Name: string; Value: string }[];
  Content?: { Raw?: { Data?: string } };
}

/**
 * A small proxy in front of the SES v2 emulator, adding what a real SES account does that the
 * emulator does not: refusing recipients it may not send to (a sandboxed account's "not verified"),
 * and the mailbox simulator's bounces and complaints, published to the configuration set's event
 * destination. An emulator that is down looks like a service that is down: the connection drops.
 */
export class LocalSesFront {
  private readonly publications = new Set<Promise<void>>();
  private server?: Server;

  constructor(private readonly options: SesFrontOptions) {}

  listen(port: number): Promise<string> {
    const server = createServer((req, res) => {
      const sending = req.method === 'POST' && new URL(req.url ?? '/', 'http://front').pathname === SEND_EMAIL_PATH;
      if (!sending) {
        this.forward(req, res, req);
        return;
      }
      this.send(req, res).catch((error: unknown) => {
        this.options.log(`SES front dropped a send it could not handle: ${String(error)}`);
        drop(req, res);
      });
    });
    this.server = server;
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`));
    });
  }

  async close(): Promise<void> {
    const server = this.server;
    if (server) {
      await new Promise<void>((resolve) => { server.close(() => resolve()); server.closeAllConnections(); });
    }
    await this.settled();
  }

  /** Waits for the simulator events still to be published (for shutdown and tests). */
  async settled(): Promise<void> {
    while (this.publications.size) await Promise.all([...this.publications]);
  }

  private async send(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await readWhole(req, MAX_SEND_BYTES);
    if (!body) {
      refuse(res, 'Message length is more than 40 MB.');
      return;
    }
    const sent = parseSend(body);
    // An unreadable request goes on as it came: the emulator answers it as SES would.
    if (!sent) {
      this.forward(req, res, body);
      return;
    }
    const recipients = recipientsOf(sent);
    const rejected = recipients.filter(inReservedInvalidDomain);
    if (rejected.length) {
      // One line per refusal (no addresses): how a test counts the sends a refused address cost.
      this.options.log(`SES refused a send: ${rejected.length} recipient(s) not verified (MessageRejected)`);
      refuse(res, `Email address is not verified. The following identities failed the check in region ${LOCAL_REGION.toUpperCase()}: ${rejected.join(', ')}`);
      return;
    }
    this.forward(req, res, body, (status, answer) => {
      if (status !== 200) return;
      const messageId = (JSON.parse(answer.toString('utf8')) as { MessageId?: string }).MessageId;
      if (messageId) this.simulateFeedback(sent, recipients, messageId, new Date());
    });
  }

  /** SES accepts a send to the mailbox simulator, then reports its bounce or complaint a moment later. */
  private simulateFeedback(sent: SendEmailRequest, recipients: string[], messageId: string, sentAt: Date): void {
    const configurationSetName = sent.ConfigurationSetName;
    if (!configurationSetName) return;
    const byEvent = new Map<SimulatedEmailEvent, string[]>();
    for (const address of recipients) {
      const event = simulatedEvent(address);
      if (event) byEvent.set(event, [...(byEvent.get(event) ?? []), address]);
    }
    for (const [eventType, addresses] of byEvent) {
      const destinations = this.options.eventDestinations.filter((d) => d.configurationSetName === configurationSetName
        && d.eventTypes.includes(eventType.toLowerCase()));
      if (!destinations.length) continue;
      const eventJson = JSON.stringify(feedbackEvent(eventType, sent, recipients, addresses, messageId, sentAt));
      for (const destination of destinations) {
        const publishing = new Promise<void>((resolve) => setImmediate(resolve))
          .then(() => this.options.publishEmailEvent(configurationSetName, eventType, eventJson, destination.topicLogicalId))
          .catch((error: unknown) => this.options.log(
            `SES front could not publish the ${eventType} event for message ${messageId} to ${destination.topicLogicalId}: ${String(error)}`,
          ));
        this.publications.add(publishing);
        void publishing.finally(() => this.publications.delete(publishing));
      }
    }
  }

  /**
   * Passes a request to the emulator and its answer back. With `answered`, the answer is read whole
   * first (a SendEmail answer is a few bytes) so it can be looked at; otherwise both ways stream.
   */
  private forward(req: IncomingMessage, res: ServerResponse, body: IncomingMessage | Buffer,
    answered?: (status: number, answer: Buffer) => void): void {
    const upstream = request(new URL(req.url ?? '/', this.options.emulatorUrl), {
      method: req.method, headers: req.headers,
      // A fresh connection each time: a pooled one may have been closed by an emulator that restarted.
      agent: false,
    });
    upstream.on('error', () => drop(req, res));
    res.on('close', () => {
      if (!res.writableFinished) upstream.destroy();
    });
    upstream.on('response', (answer) => {
      answer.on('error', () => drop(req, res));
      answer.on('aborted', () => drop(req, res));
      if (!answered) {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
        return;
      }
      const chunks: Buffer[] = [];
      answer.on('data', (chunk: Buffer) => chunks.push(chunk));
      answer.on('end', () => {
        const whole = Buffer.concat(chunks);
        res.writeHead(answer.statusCode ?? 502, withLength(answer.headers, whole.length));
        res.end(whole);
        try {
          answered(answer.statusCode ?? 502, whole);
        } catch (error) {
          this.options.log(`SES front could not read the emulator's answer: ${String(error)}`);
        }
      });
    });
    if (Buffer.isBuffer(body)) upstream.end(body);
    else body.pipe(upstream);
  }
}

/** What SES event publishing sends for a simulated bounce or complaint. */
function feedbackEvent(eventType: SimulatedEmailEvent, sent: SendEmailRequest, recipients: string[],
  affected: string[], messageId: string, sentAt: Date): Record<string, unknown> {
  const source = sent.FromEmailAddress ?? '';
  const tags: Record<string, string[]> = {
    'ses:operation': ['SendEmail'],
    'ses:configuration-set': [sent.ConfigurationSetName!],
    'ses:from-domain': [domainOf(source)],
  };
  for (const tag of sent.EmailTags ?? []) tags[tag.Name] = [tag.Value];
  const mail = {
    timestamp: sentAt.toISOString(),
    source,
    sourceArn: `arn:aws:ses:${LOCAL_REGION}:${LOCAL_ACCOUNT}:identity/${domainOf(source)}`,
    sendingAccountId: LOCAL_ACCOUNT,
    messageId,
    destination: recipients,
    tags,
  };
  const timestamp = new Date().toISOString();
  const feedbackId = `0102${Date.now().toString(16).padStart(12, '0')}-${randomUUID()}-000000`;
  if (eventType === 'Bounce') {
    return {
      eventType, mail,
      bounce: {
        bounceType: 'Permanent', bounceSubType: 'General', timestamp, feedbackId,
        bouncedRecipients: affected.map((emailAddress) => ({
          emailAddress, action: 'failed', status: '5.1.1', diagnosticCode: 'smtp; 550 5.1.1 user unknown',
        })),
      },
    };
  }
  return {
    eventType, mail,
    complaint: {
      complainedRecipients: affected.map((emailAddress) => ({ emailAddress })),
      timestamp, feedbackId, complaintFeedbackType: 'abuse',
    },
  };
}

function parseSend(body: Buffer): SendEmailRequest | undefined {
  try {
    const parsed: unknown = JSON.parse(body.toString('utf8'));
    return parsed !== null && typeof parsed === 'object' ? parsed as SendEmailRequest : undefined;
  } catch {
    return undefined;
  }
}

/** Every address the message goes to: the Destination, or for raw MIME without one, its To, Cc and Bcc. */
function recipientsOf(sent: SendEmailRequest): string[] {
  const listed = [sent.Destination?.ToAddresses, sent.Destination?.CcAddresses, sent.Destination?.BccAddresses]
    .flatMap((list) => (Array.isArray(list) ? list.map(String) : []));
  const addresses = listed.length || !sent.Content?.Raw?.Data ? listed : rawRecipients(sent.Content.Raw.Data);
  return addresses.map(bareAddress);
}

function rawRecipients(base64: string): string[] {
  const mime = Buffer.from(base64, 'base64').toString('utf8');
  const headerBlock = mime.split(/\r?\n\r?\n/, 1)[0] ?? '';
  // Folded header lines continue with whitespace.
  const headers = headerBlock.replace(/\r?\n[ \t]+/g, ' ').split(/\r?\n/);
  return headers
    .filter((line) => /^(to|cc|bcc):/i.test(line))
    .flatMap((line) => line.slice(line.indexOf(':') + 1).match(/[^\s<>,;"]+@[^\s<>,;"]+/g) ?? []);
}

/** `"Team" <team@example.org>` → `team@example.org`. */
function bareAddress(address: string): string {
  return (/<([^>]+)>/.exec(address)?.[1] ?? address).trim();
}

function domainOf(address: string): string {
  const bare = bareAddress(address);
  return bare.slice(bare.lastIndexOf('@') + 1).toLowerCase().replace(/\.$/, '');
}

/** RFC 2606 reserves `.invalid`: no such address can exist, so the local account is never allowed to send there. */
function inReservedInvalidDomain(address: string): boolean {
  const domain = domainOf(address);
  return domain === 'invalid' || domain.endsWith('.invalid');
}

/** `bounce@simulator.amazonses.com`, or with a label, `bounce+anything@…`, as the simulator accepts. */
function simulatedEvent(address: string): SimulatedEmailEvent | undefined {
  if (domainOf(address) !== SIMULATOR_DOMAIN) return undefined;
  const local = address.slice(0, address.lastIndexOf('@')).split('+')[0]!.toLowerCase();
  return SIMULATED[local];
}

/** The body whole, or undefined when it is larger than `limit` (the rest is left unread). */
async function readWhole(req: IncomingMessage, limit: number): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) return undefined;
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

function refuse(res: ServerResponse, message: string): void {
  const body = JSON.stringify({ message });
  res.writeHead(400, {
    'content-type': 'application/json', 'content-length': Buffer.byteLength(body),
    'x-amzn-errortype': 'MessageRejected', 'x-amzn-requestid': randomUUID(),
    // The request may not have been read to its end.
    connection: 'close',
  });
  res.end(body);
}

/** Drops the client's connection: what the SDK sees of a service it cannot reach, and retries. */
function drop(req: IncomingMessage, res: ServerResponse): void {
  res.destroy();
  req.socket.destroy();
}

function withLength(headers: IncomingHttpHeaders, length: number): IncomingHttpHeaders {
  const { 'transfer-encoding': _chunked, ...rest } = headers;
  return { ...rest, 'content-length': String(length) };
}

type Intrinsic = { Ref?: string };

/**
 * The SNS event destinations of the template's configuration sets. A set's name is what `Ref` gives:
 * its Name property, or (the local cloud's convention for unnamed resources) its logical id.
 */
export function readEmailEventDestinations(template: CfnTemplate): EmailEventDestination[] {
  const nameOfSet = (value: unknown, where: string): string => {
    if (typeof value === 'string') return value;
    const ref = (value as Intrinsic | undefined)?.Ref;
    const set = ref === undefined ? undefined : template.Resources[ref];
    if (!ref || set?.Type !== 'AWS::SES::ConfigurationSet') throw new Error(`${where}: ConfigurationSetName is neither a name nor a Ref to a configuration set`);
    const name = set.Properties?.Name;
    if (name !== undefined && typeof name !== 'string') throw new Error(`Configuration set ${ref}: the local cloud needs its Name as plain text`);
    return name ?? ref;
  };
  return Object.entries(template.Resources)
    .filter(([, r]) => r.Type === 'AWS::SES::ConfigurationSetEventDestination')
    .flatMap(([logicalId, r]): EmailEventDestination[] => {
      const destination = r.Properties?.EventDestination as {
        Enabled?: boolean; MatchingEventTypes?: string[]; SnsDestination?: { TopicARN?: unknown };
      } | undefined;
      // Other kinds (CloudWatch, Firehose, EventBridge) have nothing local to go to; a disabled one sends nothing.
      if (!destination?.SnsDestination || destination.Enabled !== true) return [];
      const topicLogicalId = (destination.SnsDestination.TopicARN as Intrinsic | undefined)?.Ref;
      if (!topicLogicalId || template.Resources[topicLogicalId]?.Type !== 'AWS::SNS::Topic') {
        throw new Error(`Event destination ${logicalId} does not Ref a topic in this template`);
      }
      return [{
        configurationSetName: nameOfSet(r.Properties?.ConfigurationSetName, `Event destination ${logicalId}`),
        topicLogicalId,
        eventTypes: destination.MatchingEventTypes ?? [],
      }];
    });
}
