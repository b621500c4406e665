import { Validations, type Stack } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import * as apigw from 'aws-cdk-lib/aws-apigatewayv2';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';

/** A route without an authorizer, by why it may have none. */
export type OpenRoute = 'open-to-anyone' | 'portal-checks-its-session' | 'function-verifies-token';

const WHY_OPEN: Record<OpenRoute, string> = {
  'open-to-anyone': 'Victims refer themselves without an account (the JSON API and the online form with its assets), and the health check and the published API contract are public by design; agency and commissioner routes are authorised.',
  'function-verifies-token': 'The route function verifies the caller\'s Cognito access token before anything else (functions/http/staff-token.ts): SPEC §8 needs 401 for every bad token and 503 when the signing keys cannot be fetched, which an HTTP API authorizer cannot answer.',
  'portal-checks-its-session': 'The portal must answer people who are not signed in (the sign-in pages, and a redirect to them from any other page); its function verifies the Cognito access token held in its server-side session on every request.',
};

/**
 * The one HTTP API the service answers on (JSON API, the form and the portal), its default stage with
 * the throttles and access log. Created in the stack's own scope (see ReferralStack).
 */
export class ServiceApi {
  readonly httpApi: apigw.HttpApi;
  readonly stage: apigw.HttpStage;
  private readonly cfnStage: apigw.CfnStage;

  constructor(stack: Stack) {
    this.httpApi = new apigw.HttpApi(stack, 'ReferralApi', {
      description: 'Referral intake and agency API',
      createDefaultStage: false,
    });
    const accessLogs = new logs.LogGroup(stack, 'ApiAccessLogs', { retention: logs.RetentionDays.SIX_MONTHS });
    this.stage = new apigw.HttpStage(stack, 'DefaultStage', {
      httpApi: this.httpApi,
      stageName: '$default',
      autoDeploy: true,
      // Whole-API ceiling; the referral route gets its own tighter limit in front of anonymous submissions.
      throttle: { rateLimit: 50, burstLimit: 100 },
      accessLogSettings: {
        destination: new apigw.LogGroupLogDestination(accessLogs),
        // Request line without the query string: no PII may reach the access log.
        format: AccessLogFormat.custom(JSON.stringify({
          requestId: '$context.requestId',
          routeKey: '$context.routeKey',
          status: '$context.status',
          latencyMs: '$context.responseLatency',
          time: '$context.requestTime',
        })),
      },
    });
    this.cfnStage = this.stage.node.defaultChild as apigw.CfnStage;
  }

  get url(): string {
    return this.httpApi.apiEndpoint;
  }

  /** The service's address, for a function whose emails link to the portal. */
  bindPortalUrl(fn: lambda.Function): void {
    fn.addEnvironment('PORTAL_URL', this.url);
  }

  /** Routes `path` to `integration`, behind `guard`: the authorizer, or the reason there is none. */
  addRoute(path: string, methods: apigw.HttpMethod[], integration: apigw.HttpRouteIntegration, guard: apigw.IHttpRouteAuthorizer | OpenRoute): apigw.HttpRoute[] {
    if (typeof guard !== 'string') return this.httpApi.addRoutes({ path, methods, integration, authorizer: guard });
    const routes = this.httpApi.addRoutes({ path, methods, integration });
    for (const route of routes) {
      // Route settings may name only routes that exist: the stage waits for the open ones, where the throttled routes are.
      this.cfnStage.node.addDependency(route);
      Validations.of(route).acknowledge({ id: 'AwsSolutions-APIG4', reason: WHY_OPEN[guard] });
    }
    return routes;
  }

  /** A limit of its own for one route (`METHOD /path`), below the whole API's. */
  throttle(routeKey: string, limits: { rate: number; burst: number }): void {
    this.cfnStage.routeSettings = {
      ...this.cfnStage.routeSettings as Record<string, unknown> | undefined,
      [routeKey]: { ThrottlingRateLimit: limits.rate, ThrottlingBurstLimit: limits.burst },
    };
  }
}
