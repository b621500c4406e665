import { Duration, type Stack } from 'aws-cdk-lib';
import { HttpLambdaAuthorizer, HttpLambdaResponseType } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import serviceConfig from '../../config/service-config.json' with { type: 'json' };
import { commissionerGroup, coordinatorGroup } from '../../functions/domain/access.js';
import { AgencySignIn, type SignInGroup } from './agency-sign-in.js';
import { ReferralFunction } from './referral-function.js';

/** One sign-in group per team, and per area one for its coordinators and one for its commissioners. */
function signInGroups(): SignInGroup[] {
  return serviceConfig.areas.flatMap((area) => [
    ...area.teams.map((team) => ({ name: team.id, description: `${team.name} (${area.name})` })),
    { name: coordinatorGroup(area.id), description: `Coordinators for ${area.name}` },
    { name: commissionerGroup(area.id), description: `Commissioner's office for ${area.name}` },
  ]);
}

/**
 * Agencies, coordinators and commissioners sign in; sign-in groups are their roles (SPEC §9). The
 * authorizer verifies their tokens in front of the agency and report routes. Created in the stack's own
 * scope (see ReferralStack).
 */
export class StaffAccess {
  readonly signIn: AgencySignIn;
  readonly authorizer: HttpLambdaAuthorizer;

  constructor(stack: Stack) {
    this.signIn = new AgencySignIn(stack, 'SignIn', { groups: signInGroups() });
    const authorizeRequest = new ReferralFunction(stack, 'AuthorizeRequest', {
      entry: 'functions/api/authorize-request.ts',
      description: 'Verifies the caller token for agency, coordinator and commissioner routes',
      timeout: Duration.seconds(5),
    });
    this.bind(authorizeRequest);
    this.authorizer = new HttpLambdaAuthorizer('SignedIn', authorizeRequest, {
      responseTypes: [HttpLambdaResponseType.SIMPLE],
      // No bearer token: API Gateway answers 401 itself. A token that fails verification: 403.
      identitySource: ['$request.header.Authorization'],
      // No caching: the verdict and the caller's groups are worked out for every request. A token stays
      // valid until it expires (1 hour), even after sign-out.
      resultsCacheTtl: Duration.seconds(0),
    });
  }

  /** What a function needs to verify staff tokens. No grant: the pool's signing keys are public. */
  bind(fn: lambda.Function): void {
    for (const [name, value] of Object.entries(this.signIn.environment())) fn.addEnvironment(name, value);
  }
}
