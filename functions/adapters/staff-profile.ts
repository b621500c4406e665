import { GetUserCommand } from '@aws-sdk/client-cognito-identity-provider';
import { logger } from '../platform/observability.js';
import { cognito } from './cognito-sign-in.js';

/** What a staff account says about its holder: the name and work email a referral's referrer is given. */
export interface StaffProfile {
  readonly name?: string;
  readonly email?: string;
}

/**
 * The signed-in person's own attributes, read with their access token (no IAM permission involved: the
 * token is the authority). An answer that cannot be had leaves the form to ask for what is missing.
 */
export async function staffProfile(accessToken: string): Promise<StaffProfile> {
  try {
    const { UserAttributes = [] } = await cognito.send(new GetUserCommand({ AccessToken: accessToken }));
    const attribute = (name: string) => UserAttributes.find((a) => a.Name === name)?.Value?.trim() || undefined;
    const fullName = [attribute('given_name'), attribute('family_name')].filter(Boolean).join(' ');
    const name = attribute('name') ?? (fullName || undefined);
    const email = attribute('email');
    return { ...(name ? { name } : {}), ...(email ? { email } : {}) };
  } catch (error) {
    logger.warn('Could not read the staff account’s attributes', { errorName: (error as Error)?.name });
    return {};
  }
}
