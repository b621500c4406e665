import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as cognito from 'aws-cdk-lib/aws-cognito';
import { Construct } from 'constructs';

export interface SignInGroup {
  /** A team id, or a coordinator or commissioner role: what the handlers check the caller's groups for. */
  readonly name: string;
  readonly description: string;
}

export interface AgencySignInProps {
  readonly groups: SignInGroup[];
}

// The authorizer hands groups to the routes comma-joined, so a name may not contain a comma.
const GROUP_NAME = /^[^,\s]{1,128}$/;

/**
 * Sign-in for partner agency staff, coordinators and commissioners (SPEC §1, §9): a user pool whose
 * groups are the roles, and one app client for the portal and API callers. Accounts are made by an
 * administrator; nobody signs themselves up.
 */
export class AgencySignIn extends Construct {
  readonly userPool: cognito.UserPool;
  readonly client: cognito.UserPoolClient;

  constructor(scope: Construct, id: string, props: AgencySignInProps) {
    super(scope, id);
    const names = props.groups.map((g) => g.name);
    const invalid = names.filter((name) => !GROUP_NAME.test(name));
    if (invalid.length) throw new Error(`Sign-in group names must be 1-128 characters without commas or spaces: ${invalid.join(', ')}`);
    const repeated = names.filter((name, i) => names.indexOf(name) !== i);
    if (repeated.length) throw new Error(`Sign-in groups named more than once: ${[...new Set(repeated)].join(', ')}`);

    this.userPool = new cognito.UserPool(this, 'UserPool', {
      selfSignUpEnabled: false,
      signInAliases: { username: true, email: true },
      signInCaseSensitive: false,
      // Staff read victims' details: a stolen password alone must not be enough. TOTP only, because SMS
      // codes can be diverted by SIM swap and email codes land in the same inbox a password reset does.
      mfa: cognito.Mfa.REQUIRED,
      mfaSecondFactor: { otp: true, sms: false, email: false },
      passwordPolicy: {
        minLength: 12,
        requireLowercase: true,
        requireUppercase: true,
        requireDigits: true,
        requireSymbols: true,
        passwordHistorySize: 5,
        tempPasswordValidity: Duration.days(3),
      },
      accountRecovery: cognito.AccountRecovery.EMAIL_ONLY,
      // Plus, for threat protection: it blocks sign-ins with leaked credentials and risky sign-ins. A few
      // hundred staff accounts cost little next to what one taken-over account could see.
      featurePlan: cognito.FeaturePlan.PLUS,
      standardThreatProtectionMode: cognito.StandardThreatProtectionMode.FULL_FUNCTION,
      // Deleting the pool would lock every agency out and lose the record of who had access.
      deletionProtection: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });

    for (const group of props.groups) {
      new cognito.CfnUserPoolGroup(this, `Group-${group.name}`, {
        userPoolId: this.userPool.userPoolId,
        groupName: group.name,
        description: group.description,
      });
    }

    this.client = this.userPool.addClient('Portal', {
      // A browser and API callers cannot keep a secret.
      generateSecret: false,
      authFlows: { userPassword: true, userSrp: true },
      disableOAuth: true,
      preventUserExistenceErrors: true,
      accessTokenValidity: Duration.hours(1),
      idTokenValidity: Duration.hours(1),
      // About a working shift: staff sign in again each day, and a refresh token that leaks dies with it.
      refreshTokenValidity: Duration.hours(12),
      // Each refresh token works once (plus a few seconds for a retried request): a copied one is soon useless.
      refreshTokenRotationGracePeriod: Duration.seconds(10),
      enableTokenRevocation: true,
    });
  }

  /** What the request authorizer needs to verify this pool's access tokens. */
  environment(): Record<string, string> {
    const issuer = `https://cognito-idp.${Stack.of(this).region}.amazonaws.com/${this.userPool.userPoolId}`;
    return {
      JWT_ISSUER: issuer,
      JWKS_URI: `${issuer}/.well-known/jwks.json`,
      USER_POOL_CLIENT_ID: this.client.userPoolClientId,
    };
  }
}
