import { RemovalPolicy, type Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';

/** The functions name the key by its alias, as the local cloud's KMS does. */
export const SESSION_TOKEN_KEY_ALIAS = 'alias/referral-session-tokens';

/**
 * Seals the staff's Cognito tokens kept in portal sessions (functions/adapters/sealed-tokens.ts): each
 * session's tokens are encrypted with a data key of their own, which this key wraps. The table's key
 * does not open them: reading the table, a backup or an export gives no live session, and only the
 * portal may unwrap.
 */
export class SessionTokens {
  readonly key: kms.Key;

  constructor(stack: Stack) {
    this.key = new kms.Key(stack, 'SessionTokenKey', {
      description: 'Wraps the data keys that encrypt staff sign-in tokens in portal sessions',
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.key.addAlias(SESSION_TOKEN_KEY_ALIAS);
  }

  /** The key's alias in the function's environment, and leave to make and open data keys under it. */
  bind(fn: lambda.Function): void {
    fn.addEnvironment('SESSION_TOKEN_KEY_ID', SESSION_TOKEN_KEY_ALIAS);
    fn.addToRolePolicy(new iam.PolicyStatement({ actions: ['kms:GenerateDataKey', 'kms:Decrypt'], resources: [this.key.keyArn] }));
  }
}
