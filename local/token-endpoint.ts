import { createPrivateKey, randomUUID, sign, timingSafeEqual } from 'node:crypto';
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import {
  CognitoIdentityProviderClient, CreateUserPoolClientCommand, DescribeUserPoolClientCommand, ResourceNotFoundException,
} from '@aws-sdk/client-cognito-identity-provider';
import { SUBMIT_SCOPE, type PartnerOrganisation } from '../functions/domain/partner-clients.js';

/**
 * The user pool's OAuth 2.0 token endpoint for the client-credentials grant, locally. cognito-local
 * (5.3) serves /oauth2/token for the authorization-code and refresh-token grants only, so this mints
 * partners' access tokens the way the pool does: RS256 with the key whose public half the emulator
 * publishes at the pool's JWKS URI (the emulator's own, shipped in its package), so the one verifier
 * checks them as it checks every other token. Clients and their secrets are the emulator's app clients.
 */

interface PrivateJwk { kid?: string; [key: string]: unknown }

/** The emulator's signing key: a fixed demo key published with the npm package, never a secret. */
function emulatorSigningKey(): { key: ReturnType<typeof createPrivateKey>; kid: string } {
  const packageDir = path.dirname(createRequire(import.meta.url).resolve('cognito-local/package.json'));
  const { jwk } = JSON.parse(readFileSync(path.join(packageDir, 'lib', 'keys', 'cognitoLocal.private.json'), 'utf8')) as { jwk: PrivateJwk };
  const { kid } = (JSON.parse(readFileSync(path.join(packageDir, 'lib', 'keys', 'cognitoLocal.public.json'), 'utf8')) as { jwk: { kid: string } }).jwk;
  return { key: createPrivateKey({ key: jwk as never, format: 'jwk' }), kid };
}

export interface SeededPartnerClient extends PartnerOrganisation {
  readonly clientId: string;
  readonly clientSecret: string;
}

const STATE_FILE = 'partner-clients.json';

function cognitoClient(endpoint: string): CognitoIdentityProviderClient {
  return new CognitoIdentityProviderClient({ endpoint, region: 'eu-west-2', credentials: { accessKeyId: 'local', secretAccessKey: 'local' }, maxAttempts: 1 });
}

/**
 * One client-credentials app client per partner organisation, as the stack makes from the same list
 * (config/partner-clients.json). Their ids are kept in `<dataDir>/partner-clients.json` and reused on
 * every start; the secrets stay in the emulator, as they stay in the pool.
 */
export async function seedPartnerClients(options: {
  endpoint: string; dataDir: string; userPoolId: string; partners: readonly PartnerOrganisation[];
}): Promise<SeededPartnerClient[]> {
  const file = path.join(options.dataDir, STATE_FILE);
  const saved = existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) as { userPoolId?: string; clientIds?: Record<string, string> } : {};
  const clientIds = saved.userPoolId === options.userPoolId ? { ...saved.clientIds } : {};
  const client = cognitoClient(options.endpoint);
  try {
    const seeded: SeededPartnerClient[] = [];
    for (const partner of options.partners) {
      let described = clientIds[partner.id] ? await describe(client, options.userPoolId, clientIds[partner.id]!) : undefined;
      if (!described) {
        const { UserPoolClient } = await client.send(new CreateUserPoolClientCommand({
          UserPoolId: options.userPoolId, ClientName: `partner-${partner.id}`, GenerateSecret: true,
          AllowedOAuthFlows: ['client_credentials'], AllowedOAuthFlowsUserPoolClient: true, AllowedOAuthScopes: [SUBMIT_SCOPE],
          AccessTokenValidity: 1, TokenValidityUnits: { AccessToken: 'hours' },
        }));
        described = UserPoolClient && { clientId: UserPoolClient.ClientId!, clientSecret: UserPoolClient.ClientSecret! };
        if (!described?.clientId || !described.clientSecret) throw new Error(`cognito-local made no client with a secret for ${partner.id}`);
        clientIds[partner.id] = described.clientId;
        writeFileSync(`${file}.tmp`, JSON.stringify({ userPoolId: options.userPoolId, clientIds }, null, 2));
        renameSync(`${file}.tmp`, file);
      }
      seeded.push({ ...partner, ...described });
    }
    return seeded;
  } finally {
    client.destroy();
  }
}

async function describe(client: CognitoIdentityProviderClient, userPoolId: string, clientId: string): Promise<{ clientId: string; clientSecret: string } | undefined> {
  try {
    const { UserPoolClient } = await client.send(new DescribeUserPoolClientCommand({ UserPoolId: userPoolId, ClientId: clientId }));
    return UserPoolClient?.ClientSecret ? { clientId, clientSecret: UserPoolClient.ClientSecret } : undefined;
  } catch (error) {
    if (error instanceof ResourceNotFoundException) return undefined;
    throw error;
  }
}

class OAuthError extends Error {
  constructor(readonly error: string, readonly status = 400) {
    super(error);
  }
}

/** `/oauth2/token` with `grant_type=client_credentials`, answering as the pool's domain does. */
export class LocalTokenEndpoint {
  private server?: Server;
  private readonly signing = emulatorSigningKey();

  constructor(private readonly options: { cognitoEndpoint: string; userPoolId: string; issuer: string; log: (message: string) => void }) {}

  listen(port: number): Promise<string> {
    this.server = createServer((req, res) => void this.handle(req, res));
    return new Promise((resolve, reject) => {
      this.server!.once('error', reject);
      this.server!.listen(port, '127.0.0.1', () => resolve(`http://127.0.0.1:${(this.server!.address() as { port: number }).port}`));
    });
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      if (!this.server) return resolve();
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    try {
      if (req.method !== 'POST' || new URL(req.url ?? '/', 'http://localhost').pathname !== '/oauth2/token') throw new OAuthError('not_found', 404);
      if (!/^application\/x-www-form-urlencoded/i.test(req.headers['content-type'] ?? '')) throw new OAuthError('invalid_request');
      const form = new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
      const answer = await this.token(form, req.headers.authorization);
      res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' });
      res.end(JSON.stringify(answer));
      this.log('issued a partner access token');
    } catch (error) {
      const refusal = error instanceof OAuthError ? error : new OAuthError('server_error', 500);
      if (!(error instanceof OAuthError)) this.log(`failed: ${(error as Error).name}`);
      res.writeHead(refusal.status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
      res.end(JSON.stringify({ error: refusal.error }));
    }
  }

  private log(message: string): void {
    this.options.log(`token endpoint: ${message}`);
  }

  private async token(form: URLSearchParams, authorization: string | undefined) {
    if (form.get('grant_type') !== 'client_credentials') throw new OAuthError('unsupported_grant_type');
    // HTTP Basic, as the pool expects from a confidential client; the form's fields are also accepted, as the pool does.
    const basic = /^Basic +(\S+)$/i.exec(authorization ?? '')?.[1];
    const [clientId, clientSecret] = basic
      ? decodeBasic(basic)
      : [form.get('client_id') ?? '', form.get('client_secret') ?? ''];
    const client = clientId ? await this.appClient(clientId) : undefined;
    if (!client?.ClientSecret || !sameSecret(client.ClientSecret, clientSecret)) throw new OAuthError('invalid_client');
    if (!client.AllowedOAuthFlows?.includes('client_credentials')) throw new OAuthError('unauthorized_client');
    const allowed = client.AllowedOAuthScopes ?? [];
    const asked = form.get('scope')?.split(' ').filter(Boolean);
    if (asked?.some((scope) => !allowed.includes(scope))) throw new OAuthError('invalid_scope');
    const scope = (asked?.length ? asked : allowed).join(' ');
    const now = Math.floor(Date.now() / 1000);
    const lifetime = 3600;
    // The claims a pool puts in a client-credentials access token: the client is its own subject.
    const claims = {
      sub: clientId, token_use: 'access', scope, auth_time: now, iss: this.options.issuer, exp: now + lifetime, iat: now,
      version: 2, jti: randomUUID(), client_id: clientId,
    };
    const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
    const signingInput = `${b64({ kid: this.signing.kid, alg: 'RS256' })}.${b64(claims)}`;
    const signature = sign('sha256', Buffer.from(signingInput), this.signing.key).toString('base64url');
    return { access_token: `${signingInput}.${signature}`, expires_in: lifetime, token_type: 'Bearer' };
  }

  private async appClient(clientId: string) {
    const client = cognitoClient(this.options.cognitoEndpoint);
    try {
      return (await client.send(new DescribeUserPoolClientCommand({ UserPoolId: this.options.userPoolId, ClientId: clientId }))).UserPoolClient;
    } catch (error) {
      // An unknown client id: the emulator's name for it varies with what it was asked.
      if (/NotFound/.test((error as Error).name)) return undefined;
      throw error;
    } finally {
      client.destroy();
    }
  }
}

function decodeBasic(encoded: string): [string, string] {
  const decoded = Buffer.from(encoded, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon < 0 ? ['', ''] : [decodeURIComponent(decoded.slice(0, colon)), decodeURIComponent(decoded.slice(colon + 1))];
}

function sameSecret(expected: string, given: string): boolean {
  const a = Buffer.from(expected);
  const b = Buffer.from(given);
  return a.length === b.length && timingSafeEqual(a, b);
}
