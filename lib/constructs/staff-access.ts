import { Aws, Duration, Fn, Stack, type Stack as StackType } from 'aws-cdk-lib';
import * as cognito from 'aws-cdk-lib/aws-cognito';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import serviceConfig from '../../config/service-config.json' with { type: 'json' };
import partnerConfig from '../../config/partner-clients.json' with { type: 'json' };
import { commissionerGroup, coordinatorGroup } from '../../functions/domain/access.js';
import { checkPartners, RESOURCE_SERVER, SUBMIT_SCOPE, type PartnerOrganisation } from '../../functions/domain/partner-clients.js';
import { AgencySignIn, type SignInGroup } from './agency-sign-in.js';

/** One sign-in group per team, and per area one for its coordinators and one for its commissioners. */
function signInGroups(): SignInGroup[] {
  return serviceConfig.areas.flatMap((area) => [
    ...area.teams.map((team) => ({ name: team.id, description: `${team.name} (${area.name})` })),
    { name: coordinatorGroup(area.id), description: `Coordinators for ${area.name}` },
    { name: commissionerGroup(area.id), description: `Commissioner's office for ${area.name}` },
  ]);
}

/**
 * Agencies, coordinators and commissioners sign in; sign-in groups are their roles (SPEC §9). Partner
 * organisations' systems get machine credentials (SPEC §8). Each agency and report route verifies the
 * caller's token in its own function (functions/http/staff-token.ts says why there is no API Gateway
 * authorizer). Created in the stack's own scope (see ReferralStack).
 */
export class StaffAccess {
  readonly signIn: AgencySignIn;
  readonly resourceServer: cognito.UserPoolResourceServer;
  readonly partnerClients: { partner: PartnerOrganisation; client: cognito.UserPoolClient }[];
  /** Where partner systems get their machine tokens (the client-credentials grant), for the API contract. */
  readonly tokenUrl: string;

  constructor(stack: StackType, props: { partners?: readonly PartnerOrganisation[] } = {}) {
    this.signIn = new AgencySignIn(stack, 'SignIn', { groups: signInGroups() });
    const pool = this.signIn.userPool;

    // The token endpoint lives on a user pool domain. Its prefix is global across AWS: the account id
    // keeps it unique without anyone choosing one.
    const domain = pool.addDomain('TokenDomain', {
      cognitoDomain: { domainPrefix: Fn.join('-', ['stalking-referrals', Aws.ACCOUNT_ID]) },
    });
    this.tokenUrl = `${domain.baseUrl()}/oauth2/token`;
    const submit = new cognito.ResourceServerScope({ scopeName: SUBMIT_SCOPE.split('/')[1]!, scopeDescription: 'Submit referrals on behalf of the partner organisation' });
    this.resourceServer = pool.addResourceServer('ReferralsApi', { identifier: RESOURCE_SERVER, scopes: [submit] });

    this.partnerClients = checkPartners(props.partners ?? partnerConfig.partners).map((partner) => ({
      partner,
      client: pool.addClient(`Partner-${partner.id}`, {
        userPoolClientName: `partner-${partner.id}`,
        // A partner's server keeps the secret; the client-credentials grant is the only way it gets a token.
        generateSecret: true,
        authFlows: {},
        oAuth: { flows: { clientCredentials: true }, scopes: [cognito.OAuthScope.resourceServer(this.resourceServer, submit)] },
        accessTokenValidity: Duration.hours(1),
        enableTokenRevocation: true,
        preventUserExistenceErrors: true,
      }),
    }));
  }

  /** What a function needs to verify staff tokens. No grant: the pool's signing keys are public. */
  bind(fn: lambda.Function): void {
    for (const [name, value] of Object.entries(this.signIn.environment())) fn.addEnvironment(name, value);
  }

  /** What the submit function needs to verify partners' machine tokens: which client is which organisation. */
  bindPartners(fn: lambda.Function): void {
    this.bind(fn);
    fn.addEnvironment('PARTNER_CLIENTS', Stack.of(fn).toJsonString(
      this.partnerClients.map(({ partner, client }) => ({ clientId: client.userPoolClientId, organisation: partner.organisation })),
    ));
  }
}
