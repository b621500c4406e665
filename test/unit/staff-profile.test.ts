import { CognitoIdentityProviderClient, GetUserCommand, NotAuthorizedException } from '@aws-sdk/client-cognito-identity-provider';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeEach, describe, expect, it, vi } from 'vitest';

vi.hoisted(() => { process.env.USER_POOL_CLIENT_ID = '4portalclient0000000000000'; });
const { staffProfile } = await import('../../functions/adapters/staff-profile.js');

const cognito = mockClient(CognitoIdentityProviderClient);
beforeEach(() => cognito.reset());
afterAll(() => cognito.restore());

const attributes = (pairs: Record<string, string>) => ({ Username: 'u', UserAttributes: Object.entries(pairs).map(([Name, Value]) => ({ Name, Value })) });

describe('the signed-in person’s own details, for a referral they make', () => {
  it('reads the name and work email with their access token', async () => {
    cognito.on(GetUserCommand, { AccessToken: 'access-1' }).resolves(attributes({ name: 'Casey Adair', email: 'casey@agency.example', sub: 'x' }));
    await expect(staffProfile('access-1')).resolves.toEqual({ name: 'Casey Adair', email: 'casey@agency.example' });
  });

  it('makes the name from given and family names when there is no full name, and leaves out what is blank', async () => {
    cognito.on(GetUserCommand).resolves(attributes({ given_name: 'Casey', family_name: 'Adair', email: ' ' }));
    await expect(staffProfile('access-1')).resolves.toEqual({ name: 'Casey Adair' });
  });

  it('gives nothing, rather than an error page, when Cognito will not answer', async () => {
    cognito.on(GetUserCommand).rejects(new NotAuthorizedException({ message: 'Access Token has been revoked', $metadata: {} }));
    await expect(staffProfile('access-1')).resolves.toEqual({});
  });
});
