import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { localLambdaArn, localTopicArn, type CfnTemplate } from './template.js';

export type LocalSubscription =
  | { readonly protocol: 'email'; readonly endpoint: string }
  | { readonly protocol: 'lambda'; readonly functionArn: string };

export interface LocalTopic {
  readonly topicArn: string;
  readonly subscriptions: readonly LocalSubscription[];
  /** Set when read from a template, so other resources' `Ref`s to the topic can be followed. */
  readonly logicalId?: string;
}

export interface SnsDelivery {
  deliverEmail(to: string, subject: string, text: string): Promise<void>;
  invokeLambda(functionArn: string, event: SnsLambdaEvent): Promise<unknown>;
  log(message: string): void;
}

/** The event SNS gives a subscribed function. Subject is null, not absent, when the publisher set none. */
export interface SnsLambdaEvent {
  Records: {
    EventSource: 'aws:sns';
    EventVersion: '1.0';
    EventSubscriptionArn: string;
    Sns: {
      Type: 'Notification';
      MessageId: string;
      TopicArn: string;
      Subject: string | null;
      Message: string;
      Timestamp: string;
      SignatureVersion: '1';
      Signature: string;
      SigningCertUrl: string;
      UnsubscribeUrl: string;
      MessageAttributes: Record<string, { Type: string; Value: string }>;
    };
  }[];
}

export interface Publication {
  readonly topicArn: string;
  readonly message: string;
  readonly subject?: string;
  readonly messageStructure?: string;
  readonly messageAttributes?: Record<string, { Type: string; Value: string }>;
}

export { localTopicArn };

// What SNS puts in an email notification's subject line when the publisher gave none.
const DEFAULT_EMAIL_SUBJECT = 'AWS Notification Message';
const MAX_MESSAGE_BYTES = 262_144;
// A Publish request is the message plus a few short parameters; anything far beyond is not one.
const MAX_REQUEST_BYTES = 4 * MAX_MESSAGE_BYTES;
const XML_NAMESPACE = 'http://sns.amazonaws.com/doc/2010-03-31/';

class SnsError extends Error {
  constructor(readonly code: string, message: string, readonly statusCode = 400) {
    super(message);
  }
}

/**
 * The SNS Publish API as the handlers use it (the Query protocol), delivering each message to the
 * topic's subscriptions the way SNS does: after the publisher has its MessageId, and with retries.
 * Subscriptions count as confirmed: there is no one to click an email confirmation link locally.
 */
export class LocalSnsEndpoint {
  private readonly topics: Map<string, { topic: LocalTopic; subscriptionArns: string[] }>;
  private readonly deliveries = new Set<Promise<void>>();
  private readonly stopping = new AbortController();
  private server?: Server;

  constructor(
    topics: readonly LocalTopic[],
    private readonly delivery: SnsDelivery,
    /** Waits before each retry of a failed delivery; its length is how many retries there are. */
    private readonly retryDelaysMs: readonly number[] = [1_000, 2_000, 4_000],
  ) {
    this.topics = new Map(topics.map((topic) => [topic.topicArn, {
      topic, subscriptionArns: topic.subscriptions.map(() => `${topic.topicArn}:${randomUUID()}`),
    }]));
  }

  /** Publishes as the API does, returning the MessageId at once; delivery carries on in the background. */
  publish(publication: Publication): string {
    const found = this.topics.get(publication.topicArn);
    if (!found) throw new SnsError('NotFound', 'Topic does not exist', 404);
    validate(publication);
    const messageId = randomUUID();
    const timestamp = new Date().toISOString();
    found.topic.subscriptions.forEach((subscription, index) => {
      const message = messageFor(publication, subscription.protocol);
      const attempt = subscription.protocol === 'email'
        ? () => this.delivery.deliverEmail(subscription.endpoint, publication.subject ?? DEFAULT_EMAIL_SUBJECT, message)
        : () => this.delivery.invokeLambda(subscription.functionArn, {
          Records: [{
            EventSource: 'aws:sns',
            EventVersion: '1.0',
            EventSubscriptionArn: found.subscriptionArns[index]!,
            Sns: {
              Type: 'Notification', MessageId: messageId, TopicArn: publication.topicArn,
              Subject: publication.subject ?? null, Message: message, Timestamp: timestamp,
              SignatureVersion: '1', Signature: 'local', SigningCertUrl: '', UnsubscribeUrl: '',
              MessageAttributes: publication.messageAttributes ?? {},
            },
          }],
        });
      const target = subscription.protocol === 'email' ? 'an email subscription' : subscription.functionArn;
      const delivering = this.deliverWithRetries(attempt, `message ${messageId} on ${publication.topicArn} to ${target}`);
      this.deliveries.add(delivering);
      void delivering.finally(() => this.deliveries.delete(delivering));
    });
    return messageId;
  }

  /** Waits for every delivery under way, retries included (for shutdown and tests). */
  async settled(): Promise<void> {
    while (this.deliveries.size) await Promise.all([...this.deliveries]);
  }

  private async deliverWithRetries(attempt: () => Promise<unknown>, what: string): Promise<void> {
    // Deferred, so the publisher has its answer before any subscriber runs, as with SNS.
    await new Promise((resolve) => setImmediate(resolve));
    for (let attempts = 1; ; attempts++) {
      try {
        await attempt();
        return;
      } catch (error) {
        const wait = this.retryDelaysMs[attempts - 1];
        if (wait !== undefined && !this.stopping.signal.aborted) {
          await abortableDelay(wait, this.stopping.signal);
          if (!this.stopping.signal.aborted) continue;
        }
        const err = error instanceof Error ? error : new Error(String(error));
        // Names only: a message body may carry a reference, and logs outlive the local cloud.
        this.delivery.log(`SNS gave up delivering ${what} after ${attempts} attempt(s): ${err.name}: ${err.message}`);
        return;
      }
    }
  }

  listen(port: number): Promise<string> {
    const server = createServer((req, res) => void this.handle(req, res));
    this.server = server;
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`));
    });
  }

  /** Stops serving; deliveries waiting to retry give up (and say so) rather than outlive the local cloud. */
  async close(): Promise<void> {
    this.stopping.abort();
    const server = this.server;
    if (server) {
      await new Promise<void>((resolve) => { server.close(() => resolve()); server.closeAllConnections(); });
    }
    await this.settled();
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const requestId = randomUUID();
    try {
      if (req.method !== 'POST') throw new SnsError('InvalidAction', 'Only POST requests are served');
      const params = new URLSearchParams(await readBody(req));
      const action = params.get('Action');
      if (action !== 'Publish') throw new SnsError('InvalidAction', `The local SNS endpoint does not support ${action ?? 'requests without an Action'}`);
      const topicArn = params.get('TopicArn');
      if (!topicArn) throw new SnsError('InvalidParameter', 'Invalid parameter: TopicArn (the local endpoint publishes to topics only)');
      const message = params.get('Message');
      if (message === null) throw new SnsError('InvalidParameter', 'Invalid parameter: Message');
      const messageId = this.publish({
        topicArn, message,
        subject: params.get('Subject') ?? undefined,
        messageStructure: params.get('MessageStructure') ?? undefined,
        messageAttributes: readMessageAttributes(params),
      });
      reply(res, 200, `<PublishResponse xmlns="${XML_NAMESPACE}"><PublishResult><MessageId>${messageId}</MessageId></PublishResult>`
        + `<ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata></PublishResponse>`);
    } catch (error) {
      const snsError = error instanceof SnsError ? error : new SnsError('InternalError', 'Internal error', 500);
      if (!(error instanceof SnsError)) this.delivery.log(`SNS endpoint failed a request: ${String(error)}`);
      const type = snsError.statusCode >= 500 ? 'Receiver' : 'Sender';
      reply(res, snsError.statusCode, `<ErrorResponse xmlns="${XML_NAMESPACE}"><Error><Type>${type}</Type><Code>${snsError.code}</Code>`
        + `<Message>${escapeXml(snsError.message)}</Message></Error><RequestId>${requestId}</RequestId></ErrorResponse>`);
    }
  }
}

/** SNS's documented limits, so a publisher that breaks them fails here rather than first in AWS. */
function validate(publication: Publication): void {
  if (Buffer.byteLength(publication.message) > MAX_MESSAGE_BYTES) throw new SnsError('InvalidParameter', 'Invalid parameter: Message too long');
  const subject = publication.subject;
  // "UTF-8 text with no line breaks or control characters, and less than 100 characters long."
  if (subject !== undefined && (subject.length === 0 || subject.length >= 100 || /\p{Cc}/u.test(subject))) {
    throw new SnsError('InvalidParameter', 'Invalid parameter: Subject');
  }
  if (publication.messageStructure !== undefined) {
    if (publication.messageStructure !== 'json') throw new SnsError('InvalidParameter', 'Invalid parameter: MessageStructure');
    let parsed: unknown;
    try {
      parsed = JSON.parse(publication.message);
    } catch {
      throw new SnsError('InvalidParameter', 'Invalid parameter: Message Structure - JSON message body failed to parse');
    }
    if (typeof (parsed as { default?: unknown } | null)?.default !== 'string') {
      throw new SnsError('InvalidParameter', 'Invalid parameter: Message Structure - No default entry in JSON message body');
    }
  }
}

/** With MessageStructure=json each protocol gets its own entry, or the default one. */
function messageFor(publication: Publication, protocol: LocalSubscription['protocol']): string {
  if (publication.messageStructure !== 'json') return publication.message;
  const perProtocol = JSON.parse(publication.message) as Record<string, unknown>;
  const own = perProtocol[protocol];
  return typeof own === 'string' ? own : String(perProtocol.default);
}

/** `MessageAttributes.entry.N.Name` / `.Value.DataType` / `.Value.StringValue`, as the Query protocol flattens them. */
function readMessageAttributes(params: URLSearchParams): Record<string, { Type: string; Value: string }> {
  const attributes: Record<string, { Type: string; Value: string }> = {};
  for (let n = 1; params.has(`MessageAttributes.entry.${n}.Name`); n++) {
    const prefix = `MessageAttributes.entry.${n}`;
    attributes[params.get(`${prefix}.Name`)!] = {
      Type: params.get(`${prefix}.Value.DataType`) ?? 'String',
      Value: params.get(`${prefix}.Value.StringValue`) ?? params.get(`${prefix}.Value.BinaryValue`) ?? '',
    };
  }
  return attributes;
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_REQUEST_BYTES) throw new SnsError('InvalidParameter', 'Invalid parameter: Message too long');
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function reply(res: ServerResponse, status: number, xml: string): void {
  // A request refused part-way (too long) has an unread remainder: close rather than reuse the connection.
  res.writeHead(status, { 'content-type': 'text/xml', ...(status >= 400 ? { connection: 'close' } : {}) });
  res.end(xml);
}

function escapeXml(text: string): string {
  return text.replace(/[<>&'"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&apos;', '"': '&quot;' })[c]!);
}

function abortableDelay(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}

type Intrinsic = { Ref?: string; 'Fn::GetAtt'?: [string, string] };

/**
 * The topics and their subscriptions, as the template declares them: `AWS::SNS::Subscription`
 * resources, or subscriptions inline on the topic. Anything the local endpoint would deliver
 * differently from SNS (a filter policy, another protocol) is refused here, at start-up.
 */
export function readTopics(template: CfnTemplate): LocalTopic[] {
  const resources = Object.entries(template.Resources);
  const subscription = (where: string, protocol: unknown, endpoint: unknown): LocalSubscription => {
    if (protocol === 'email' && typeof endpoint === 'string') return { protocol: 'email', endpoint };
    const getAtt = (endpoint as Intrinsic | undefined)?.['Fn::GetAtt'];
    if (protocol === 'lambda' && getAtt?.[1] === 'Arn' && template.Resources[getAtt[0]]?.Type === 'AWS::Lambda::Function') {
      return { protocol: 'lambda', functionArn: localLambdaArn(getAtt[0]) };
    }
    throw new Error(`${where}: the local SNS endpoint delivers to an email address or a function's Arn only (${String(protocol)})`);
  };
  const topics = new Map(resources
    .filter(([, r]) => r.Type === 'AWS::SNS::Topic')
    .map(([logicalId, r]) => {
      const inline = (r.Properties?.Subscription as { Protocol?: unknown; Endpoint?: unknown }[] | undefined) ?? [];
      return [logicalId, {
        logicalId,
        topicArn: localTopicArn(nameOf(logicalId, r.Properties?.TopicName)),
        subscriptions: inline.map((s) => subscription(`Topic ${logicalId}`, s.Protocol, s.Endpoint)),
      }];
    }));
  for (const [logicalId, r] of resources.filter(([, r]) => r.Type === 'AWS::SNS::Subscription')) {
    const properties = r.Properties ?? {};
    const topicId = (properties.TopicArn as Intrinsic | undefined)?.Ref;
    const topic = topicId === undefined ? undefined : topics.get(topicId);
    if (!topic) throw new Error(`Subscription ${logicalId} does not Ref a topic in this template`);
    if (properties.FilterPolicy !== undefined) throw new Error(`Subscription ${logicalId}: the local SNS endpoint does not apply filter policies`);
    topic.subscriptions.push(subscription(`Subscription ${logicalId}`, properties.Protocol, properties.Endpoint));
  }
  return [...topics.values()];
}

function nameOf(logicalId: string, name: unknown): string {
  if (name === undefined) return logicalId;
  if (typeof name !== 'string') throw new Error(`Topic ${logicalId}: the local cloud needs its TopicName as plain text`);
  return name;
}
