import { createCipheriv, createDecipheriv, createHmac, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import type { CfnTemplate } from './template.js';

/** A KMS key of the template, as the local cloud keeps it: what it may be used for, and its aliases. */
export interface LocalKmsKey {
  readonly logicalId: string;
  /** `GENERATE_VERIFY_MAC` (an HMAC key) or `ENCRYPT_DECRYPT` (a symmetric key, the default). */
  readonly usage: 'GENERATE_VERIFY_MAC' | 'ENCRYPT_DECRYPT';
  readonly aliases: readonly string[];
}

/** The template's KMS keys and the aliases that name them. */
export function readKmsKeys(template: CfnTemplate): LocalKmsKey[] {
  const resources = Object.entries(template.Resources);
  return resources.filter(([, r]) => r.Type === 'AWS::KMS::Key').map(([logicalId, r]) => ({
    logicalId,
    usage: r.Properties?.KeyUsage === 'GENERATE_VERIFY_MAC' ? 'GENERATE_VERIFY_MAC' : 'ENCRYPT_DECRYPT',
    aliases: resources
      .filter(([, a]) => a.Type === 'AWS::KMS::Alias' && targetOf(a.Properties?.TargetKeyId) === logicalId)
      .map(([, a]) => String(a.Properties?.AliasName)),
  }));
}

/** An alias names its key by `Ref` or by `Fn::GetAtt` of its ARN. */
function targetOf(value: unknown): string | undefined {
  const target = value as { Ref?: string; 'Fn::GetAtt'?: [string, string] } | undefined;
  return target?.Ref ?? target?.['Fn::GetAtt']?.[0];
}

class KmsError extends Error {
  constructor(readonly type: string, message: string) {
    super(message);
  }
}

const MAX_REQUEST_BYTES = 64 * 1024;
const BLOB_MAGIC = Buffer.from('LKMS1');

/**
 * The three KMS calls the handlers make (GenerateMac, GenerateDataKey, Decrypt), over KMS's own JSON
 * protocol, so the functions reach it through AWS_ENDPOINT_URL_KMS with the same SDK calls as in AWS.
 * Each key's material is made once for this local cloud's data folder and kept there, outside the table
 * and the code, as KMS keeps it outside the account's data: a victim key computed today is the same after
 * a restart, and another local cloud's keys differ. A key is used only as its usage allows, as in KMS.
 */
export class LocalKmsEndpoint {
  private readonly material: Record<string, string>;
  private server?: Server;

  constructor(private readonly keys: readonly LocalKmsKey[], dataDir: string) {
    const file = path.join(dataDir, 'kms', 'key-material.json');
    mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
    this.material = existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) as Record<string, string> : {};
    let added = false;
    for (const key of keys) {
      if (this.material[key.logicalId]) continue;
      this.material[key.logicalId] = randomBytes(32).toString('base64');
      added = true;
    }
    if (added) writeFileSync(file, JSON.stringify(this.material), { mode: 0o600 });
  }

  async listen(port: number): Promise<string> {
    this.server = createServer((request, response) => void this.answer(request, response));
    await new Promise<void>((resolve, reject) => {
      this.server!.once('error', reject);
      this.server!.listen(port, '127.0.0.1', () => resolve());
    });
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      if (!this.server) return resolve();
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }

  /** One call, as the SDK makes it: its name in X-Amz-Target, its input as JSON, blobs in base64. */
  handle(target: string, input: Record<string, unknown>): Record<string, unknown> {
    const operation = target.replace(/^TrentService\./, '');
    if (operation === 'GenerateMac') {
      const key = this.key(input.KeyId, 'GENERATE_VERIFY_MAC');
      if (input.MacAlgorithm !== 'HMAC_SHA_256') throw new KmsError('InvalidKeyUsageException', 'This key supports HMAC_SHA_256 only');
      const mac = createHmac('sha256', this.secret(key)).update(blob(input.Message, 'Message')).digest();
      return { KeyId: this.arn(key), MacAlgorithm: 'HMAC_SHA_256', Mac: mac.toString('base64') };
    }
    if (operation === 'GenerateDataKey') {
      const key = this.key(input.KeyId, 'ENCRYPT_DECRYPT');
      if (input.KeySpec !== 'AES_256' && input.NumberOfBytes !== 32) throw new KmsError('ValidationException', 'Ask for KeySpec AES_256');
      const plaintext = randomBytes(32);
      return { KeyId: this.arn(key), Plaintext: plaintext.toString('base64'), CiphertextBlob: this.wrap(key, plaintext, input.EncryptionContext).toString('base64') };
    }
    if (operation === 'Decrypt') {
      const { key, plaintext } = this.unwrap(blob(input.CiphertextBlob, 'CiphertextBlob'), input.EncryptionContext);
      if (input.KeyId !== undefined && this.key(input.KeyId, 'ENCRYPT_DECRYPT') !== key) {
        throw new KmsError('IncorrectKeyException', 'The ciphertext was not made under the key named');
      }
      return { KeyId: this.arn(key), Plaintext: plaintext.toString('base64'), EncryptionAlgorithm: 'SYMMETRIC_DEFAULT' };
    }
    throw new KmsError('UnsupportedOperationException', `The local KMS does not offer ${operation}`);
  }

  private key(keyId: unknown, usage: LocalKmsKey['usage']): LocalKmsKey {
    const id = String(keyId ?? '');
    const key = this.keys.find((k) => k.logicalId === id || this.arn(k) === id || k.aliases.includes(id));
    if (!key) throw new KmsError('NotFoundException', `Key '${id}' does not exist`);
    if (key.usage !== usage) throw new KmsError('InvalidKeyUsageException', `Key '${id}' is for ${key.usage}`);
    return key;
  }

  private arn(key: LocalKmsKey): string {
    return `arn:aws:kms:local:000000000000:key/${key.logicalId}`;
  }

  private secret(key: LocalKmsKey): Buffer {
    return Buffer.from(this.material[key.logicalId]!, 'base64');
  }

  /**
   * A ciphertext blob that names its key, as KMS's do: magic, key id, IV, tag, wrapped key. The encryption
   * context is bound to it as KMS binds it: Decrypt must be given the same one.
   */
  private wrap(key: LocalKmsKey, plaintext: Buffer, context: unknown): Buffer {
    const id = Buffer.from(key.logicalId);
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.secret(key), iv);
    cipher.setAAD(Buffer.concat([id, contextBytes(context)]));
    const wrapped = Buffer.concat([cipher.update(plaintext), cipher.final()]);
    return Buffer.concat([BLOB_MAGIC, Buffer.from([id.length]), id, iv, cipher.getAuthTag(), wrapped]);
  }

  private unwrap(ciphertext: Buffer, context: unknown): { key: LocalKmsKey; plaintext: Buffer } {
    const invalid = new KmsError('InvalidCiphertextException', 'The ciphertext is not one this KMS made');
    if (ciphertext.length < BLOB_MAGIC.length + 1 || !ciphertext.subarray(0, BLOB_MAGIC.length).equals(BLOB_MAGIC)) throw invalid;
    const idLength = ciphertext[BLOB_MAGIC.length]!;
    let at = BLOB_MAGIC.length + 1;
    const id = ciphertext.subarray(at, at += idLength);
    const iv = ciphertext.subarray(at, at += 12);
    const tag = ciphertext.subarray(at, at += 16);
    const key = this.keys.find((k) => k.logicalId === id.toString() && k.usage === 'ENCRYPT_DECRYPT');
    if (!key || tag.length !== 16) throw invalid;
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.secret(key), iv);
      decipher.setAAD(Buffer.concat([id, contextBytes(context)]));
      decipher.setAuthTag(tag);
      return { key, plaintext: Buffer.concat([decipher.update(ciphertext.subarray(at)), decipher.final()]) };
    } catch {
      throw invalid;
    }
  }

  private async answer(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const send = (status: number, body: Record<string, unknown>) => {
      response.writeHead(status, { 'content-type': 'application/x-amz-json-1.1' });
      response.end(JSON.stringify(body));
    };
    try {
      const chunks: Buffer[] = [];
      let size = 0;
      for await (const chunk of request as AsyncIterable<Buffer>) {
        size += chunk.length;
        if (size > MAX_REQUEST_BYTES) throw new KmsError('ValidationException', 'Request too large');
        chunks.push(chunk);
      }
      const target = String(request.headers['x-amz-target'] ?? '');
      if (request.method !== 'POST' || !target.startsWith('TrentService.')) throw new KmsError('UnknownOperationException', 'Not a KMS call');
      const input = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as Record<string, unknown>;
      send(200, this.handle(target, input));
    } catch (error) {
      if (error instanceof KmsError) send(400, { __type: error.type, message: error.message });
      else send(500, { __type: 'KMSInternalException', message: (error as Error).message });
    }
  }
}

/** An encryption context in one canonical form: its pairs in key order. */
function contextBytes(context: unknown): Buffer {
  const pairs = Object.entries((context ?? {}) as Record<string, unknown>).map(([k, v]) => [k, String(v)]).sort(([a], [b]) => a!.localeCompare(b!));
  return Buffer.from(JSON.stringify(pairs));
}

function blob(value: unknown, name: string): Buffer {
  if (typeof value !== 'string' || value === '') throw new KmsError('ValidationException', `${name} is required`);
  return Buffer.from(value, 'base64');
}
