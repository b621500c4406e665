import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, QueryCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { cognitoDataDir, savedTotpSecrets, signIn } from '../../local/cognito-local.js';
import { totpCode } from '../../local/totp.js';
import type { LocalCloudHandle } from './local-cloud-process.js';

export interface SentEmail {
  messageId: string;
  from: string;
  destination: { to: string[]; cc: string[]; bcc: string[] };
  subject: string;
  body: { text?: string; html?: string };
}

/** Talks to the local cloud the way a client, a caseworker's inbox and an auditor would. */
export class LocalCloudClient {
  readonly documents: DynamoDBDocumentClient;

  constructor(readonly cloud: LocalCloudHandle) {
    this.documents = DynamoDBDocumentClient.from(new DynamoDBClient({
      endpoint: cloud.dynamodbUrl, region: 'eu-west-2', credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    }));
  }

  submit(body: unknown, headers: Record<string, string> = {}): Promise<Response> {
    return fetch(`${this.cloud.apiUrl}/api/referrals`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
  }

  private readonly tokens = new Map<string, string>();

  /**
   * A seeded demo user's authenticator secret, as the local cloud saved it (`<dataDir>/cognito/sign-in.json`)
   * when it set their TOTP up. Read from the file each time, so a restarted local cloud is followed.
   */
  totpSecretFor(username: string): string {
    const secret = savedTotpSecrets(cognitoDataDir(this.cloud.dataDir))[username];
    if (!secret) throw new Error(`The local cloud has no authenticator for ${username}`);
    return secret;
  }

  /** The code a seeded demo user's authenticator app shows now: what a browser test types at the MFA step. */
  totpCodeFor(username: string, at: Date = new Date()): string {
    return totpCode(this.totpSecretFor(username), at);
  }

  /** A signed-in user's bearer token (one of the seeded demo users, e.g. `mdvs.caseworker`), through the MFA challenge. */
  async tokenFor(username: string): Promise<string> {
    let token = this.tokens.get(username);
    if (!token) {
      token = (await signIn({
        endpoint: this.cloud.cognitoUrl, clientId: this.cloud.clientId, username, password: this.cloud.password,
        totpSecret: this.totpSecretFor(username),
      })).accessToken;
      this.tokens.set(username, token);
    }
    return token;
  }

  /** Calls the API as a signed-in user: answers with the status and the parsed body. */
  async as(username: string, method: string, path: string, body?: unknown): Promise<{ status: number; body: Record<string, unknown> }> {
    const response = await fetch(`${this.cloud.apiUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${await this.tokenFor(username)}`, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    return { status: response.status, body: text ? JSON.parse(text) as Record<string, unknown> : {} };
  }

  /**
   * A partner system's access token from the pool's token endpoint (client credentials, HTTP Basic), as
   * a police force's system would get one: `organisation` picks the partner, the first by default.
   */
  async partnerToken(organisation?: string): Promise<string> {
    const partner = this.cloud.partnerClients.find((p) => organisation === undefined || p.organisation === organisation);
    if (!partner) throw new Error(`No partner client for ${organisation ?? 'any organisation'} in the local cloud`);
    const response = await fetch(this.cloud.tokenUrl, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: `Basic ${Buffer.from(`${partner.clientId}:${partner.clientSecret}`).toString('base64')}`,
      },
      body: new URLSearchParams({ grant_type: 'client_credentials', scope: 'referrals/submit' }),
    });
    if (response.status !== 200) throw new Error(`The token endpoint refused the partner's credentials: ${response.status}`);
    return ((await response.json()) as { access_token: string }).access_token;
  }

  async emails(): Promise<SentEmail[]> {
    const response = await fetch(`${this.cloud.sesUrl}/store`);
    return ((await response.json()) as { emails: SentEmail[] }).emails;
  }

  async emailsAbout(reference: string): Promise<SentEmail[]> {
    return (await this.emails()).filter((e) => e.subject.includes(reference) || (e.body.text ?? '').includes(reference));
  }

  async referral(reference: string): Promise<Record<string, unknown> | undefined> {
    const result = await this.documents.send(new GetCommand({ TableName: this.cloud.tableName, Key: { pk: `REFERRAL#${reference}`, sk: 'REFERRAL' } }));
    return result.Item;
  }

  async itemsOf(reference: string, prefix: string): Promise<Record<string, unknown>[]> {
    const result = await this.documents.send(new QueryCommand({
      TableName: this.cloud.tableName,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
      ExpressionAttributeValues: { ':pk': `REFERRAL#${reference}`, ':prefix': prefix },
    }));
    return result.Items ?? [];
  }

  /**
   * The ids of the report facts the steps stored that the table stream's fold has not yet added to the
   * report totals (no COUNTED# marker yet), and how many were stored: reports are eventually consistent,
   * so a test reads them once this is empty.
   */
  async factsNotYetFolded(): Promise<{ stored: number; waiting: string[] }> {
    const factIds: string[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const page = await this.documents.send(new ScanCommand({
        TableName: this.cloud.tableName, ExclusiveStartKey: start, ConsistentRead: true,
        FilterExpression: 'begins_with(pk, :fact)', ExpressionAttributeValues: { ':fact': 'FACT#' }, ProjectionExpression: 'factId',
      }));
      factIds.push(...(page.Items ?? []).map((item) => String(item.factId)));
      start = page.LastEvaluatedKey;
    } while (start);
    const waiting: string[] = [];
    for (const factId of factIds) {
      const { Item } = await this.documents.send(new GetCommand({ TableName: this.cloud.tableName, Key: { pk: `COUNTED#${factId}`, sk: 'COUNTED' }, ConsistentRead: true }));
      if (!Item) waiting.push(factId);
    }
    return { stored: factIds.length, waiting };
  }

  /** Every stored item whose text contains `needle`: how a test proves nothing was stored. */
  async itemsContaining(needle: string): Promise<Record<string, unknown>[]> {
    const found: Record<string, unknown>[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const page = await this.documents.send(new ScanCommand({ TableName: this.cloud.tableName, ExclusiveStartKey: start }));
      found.push(...(page.Items ?? []).filter((item) => JSON.stringify(item).includes(needle)));
      start = page.LastEvaluatedKey;
    } while (start);
    return found;
  }
}

/**
 * Polls until `probe` gives a value. The time-out is a ceiling for something that will never happen,
 * not a measure of speed: a workflow step retrying a passing fault waits up to a minute between tries,
 * and CI shares two cores with whatever else runs.
 */
export async function eventually<T>(probe: () => Promise<T | undefined | false>, what: string, timeoutMs = 180_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
