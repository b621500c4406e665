import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { DecryptCommand, GenerateDataKeyCommand, GenerateMacCommand, KMSClient } from '@aws-sdk/client-kms';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalKmsEndpoint, readKmsKeys } from '../../../local/kms-endpoint.js';
import type { CfnTemplate } from '../../../local/template.js';

const template = {
  Resources: {
    VictimKey1: { Type: 'AWS::KMS::Key', Properties: { KeySpec: 'HMAC_256', KeyUsage: 'GENERATE_VERIFY_MAC' } },
    VictimKeyAlias1: { Type: 'AWS::KMS::Alias', Properties: { AliasName: 'alias/victims', TargetKeyId: { 'Fn::GetAtt': ['VictimKey1', 'Arn'] } } },
    SessionKey1: { Type: 'AWS::KMS::Key', Properties: {} },
  },
} as unknown as CfnTemplate;

const dirs: string[] = [];
const dataDir = () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'local-kms-'));
  dirs.push(dir);
  return dir;
};
afterAll(() => dirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

async function serve(dir: string) {
  const endpoint = new LocalKmsEndpoint(readKmsKeys(template), dir);
  const url = await endpoint.listen(0);
  const client = new KMSClient({ endpoint: url, region: 'eu-west-2', credentials: { accessKeyId: 'local', secretAccessKey: 'local' }, maxAttempts: 1 });
  return { client, close: async () => { client.destroy(); await endpoint.close(); } };
}
const mac = async (client: KMSClient, keyId: string, message: string) =>
  Buffer.from((await client.send(new GenerateMacCommand({ KeyId: keyId, MacAlgorithm: 'HMAC_SHA_256', Message: Buffer.from(message) }))).Mac!).toString('hex');

describe('the local KMS endpoint', () => {
  let dir: string;
  let kms: Awaited<ReturnType<typeof serve>>;
  beforeAll(async () => {
    dir = dataDir();
    kms = await serve(dir);
    return () => kms.close();
  });

  it('computes a MAC under an HMAC key named by its alias, the same after a restart, and another cloud’s key gives another', async () => {
    const first = await mac(kms.client, 'alias/victims', 'a|b|c');
    expect(first).toMatch(/^[0-9a-f]{64}$/);
    expect(await mac(kms.client, 'VictimKey1', 'a|b|c')).toBe(first);
    expect(await mac(kms.client, 'alias/victims', 'a|b|d')).not.toBe(first);
    expect(statSync(path.join(dir, 'kms', 'key-material.json')).mode & 0o077).toBe(0);

    const restarted = await serve(dir);
    expect(await mac(restarted.client, 'alias/victims', 'a|b|c')).toBe(first);
    await restarted.close();
    const elsewhere = await serve(dataDir());
    expect(await mac(elsewhere.client, 'alias/victims', 'a|b|c')).not.toBe(first);
    await elsewhere.close();
  });

  it('gives a data key and its wrapped form, which only Decrypt opens; a tampered blob is refused', async () => {
    const dataKey = await kms.client.send(new GenerateDataKeyCommand({ KeyId: 'SessionKey1', KeySpec: 'AES_256' }));
    expect(dataKey.Plaintext).toHaveLength(32);
    const opened = await kms.client.send(new DecryptCommand({ CiphertextBlob: dataKey.CiphertextBlob }));
    expect(Buffer.from(opened.Plaintext!).equals(Buffer.from(dataKey.Plaintext!))).toBe(true);
    const bound = await kms.client.send(new GenerateDataKeyCommand({ KeyId: 'SessionKey1', KeySpec: 'AES_256', EncryptionContext: { session: 'a' } }));
    expect((await kms.client.send(new DecryptCommand({ CiphertextBlob: bound.CiphertextBlob, EncryptionContext: { session: 'a' } }))).Plaintext).toHaveLength(32);
    await expect(kms.client.send(new DecryptCommand({ CiphertextBlob: bound.CiphertextBlob, EncryptionContext: { session: 'b' } })))
      .rejects.toMatchObject({ name: 'InvalidCiphertextException' });
    const tampered = Buffer.from(dataKey.CiphertextBlob!);
    tampered[tampered.length - 1]! ^= 1;
    await expect(kms.client.send(new DecryptCommand({ CiphertextBlob: tampered }))).rejects.toMatchObject({ name: 'InvalidCiphertextException' });
  });

  it('uses a key only as its usage allows, and knows no other key', async () => {
    await expect(kms.client.send(new GenerateDataKeyCommand({ KeyId: 'alias/victims', KeySpec: 'AES_256' }))).rejects.toMatchObject({ name: 'InvalidKeyUsageException' });
    await expect(mac(kms.client, 'SessionKey1', 'x')).rejects.toMatchObject({ name: 'InvalidKeyUsageException' });
    await expect(mac(kms.client, 'alias/nobody', 'x')).rejects.toMatchObject({ name: 'NotFoundException' });
  });
});
