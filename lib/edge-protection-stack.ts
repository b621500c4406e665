import { CfnOutput, CfnParameter, Duration, Stack, Validations, type StackProps } from 'aws-cdk-lib';
import * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import * as origins from 'aws-cdk-lib/aws-cloudfront-origins';
import * as wafv2 from 'aws-cdk-lib/aws-wafv2';
import type { Construct } from 'constructs';

/**
 * Requests one client IP may make in five minutes (WAF's window) before WAF blocks it for a while: above
 * a busy member of staff working the portal, and far above any honest victim or partner system.
 */
export const REQUESTS_PER_CLIENT = 600;
/** Referral submissions (the JSON API and the form's pages) one client IP may make in five minutes. */
export const SUBMISSIONS_PER_CLIENT = 100;

/**
 * Per-client limits in front of the API (SPEC §8, rate-limited). WAF cannot be attached to an HTTP API, so
 * CloudFront stands in front of it with a web ACL whose rate-based rules count each client IP on its own:
 * one client flooding the service is blocked without using up the stage's shared throttles, which would
 * refuse every real victim. A web ACL for CloudFront must be created in us-east-1, so this is a stack of its
 * own there. It is deployed after the service's stack, given the API's domain (the service stack's
 * `ApiDomain` output) as its `ApiDomain` parameter: no cross-region reference, which CDK would make with
 * custom-resource functions of its own.
 */
export class EdgeProtectionStack extends Stack {
  readonly webAcl: wafv2.CfnWebACL;
  readonly distribution: cloudfront.Distribution;

  constructor(scope: Construct, id: string, props: StackProps) {
    super(scope, id, props);
    const apiDomain = new CfnParameter(this, 'ApiDomain', {
      type: 'String',
      description: 'The HTTP API’s domain, e.g. abc123.execute-api.eu-west-2.amazonaws.com (the service stack’s ApiDomain output)',
      allowedPattern: '^[a-z0-9.-]+$',
    });

    const visibility = (metricName: string) => ({ cloudWatchMetricsEnabled: true, metricName, sampledRequestsEnabled: false });
    this.webAcl = new wafv2.CfnWebACL(this, 'ClientLimits', {
      scope: 'CLOUDFRONT',
      defaultAction: { allow: {} },
      description: 'Per-client-IP limits in front of the referral service',
      // Sampled requests would keep request details (URLs, headers) in WAF's console: none are kept.
      visibilityConfig: visibility('ReferralServiceEdge'),
      rules: [
        {
          name: 'SubmissionsPerClient',
          priority: 0,
          action: { block: {} },
          statement: {
            rateBasedStatement: {
              limit: SUBMISSIONS_PER_CLIENT,
              aggregateKeyType: 'IP',
              evaluationWindowSec: 300,
              scopeDownStatement: {
                andStatement: {
                  statements: [
                    { byteMatchStatement: { fieldToMatch: { method: {} }, positionalConstraint: 'EXACTLY', searchString: 'POST', textTransformations: [{ priority: 0, type: 'NONE' }] } },
                    {
                      orStatement: {
                        statements: ['/api/referrals', '/refer/'].map((path) => ({
                          byteMatchStatement: { fieldToMatch: { uriPath: {} }, positionalConstraint: 'STARTS_WITH', searchString: path, textTransformations: [{ priority: 0, type: 'NONE' }] },
                        })),
                      },
                    },
                  ],
                },
              },
            },
          },
          visibilityConfig: visibility('SubmissionsPerClient'),
        },
        {
          name: 'RequestsPerClient',
          priority: 1,
          action: { block: {} },
          statement: { rateBasedStatement: { limit: REQUESTS_PER_CLIENT, aggregateKeyType: 'IP', evaluationWindowSec: 300 } },
          visibilityConfig: visibility('RequestsPerClient'),
        },
      ],
    });

    this.distribution = new cloudfront.Distribution(this, 'Front', {
      comment: 'Referral service: per-client limits (WAF) in front of the HTTP API',
      webAclId: this.webAcl.attrArn,
      defaultBehavior: {
        origin: new origins.HttpOrigin(apiDomain.valueAsString, {
          protocolPolicy: cloudfront.OriginProtocolPolicy.HTTPS_ONLY,
          originSslProtocols: [cloudfront.OriginSslPolicy.TLS_V1_2],
          readTimeout: Duration.seconds(30),
        }),
        viewerProtocolPolicy: cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
        allowedMethods: cloudfront.AllowedMethods.ALLOW_ALL,
        // Every answer is personal or a form's: nothing is cached, and the API sees the caller's request
        // (cookies, query, headers) but for Host, which must be its own.
        cachePolicy: cloudfront.CachePolicy.CACHING_DISABLED,
        originRequestPolicy: cloudfront.OriginRequestPolicy.ALL_VIEWER_EXCEPT_HOST_HEADER,
      },
      minimumProtocolVersion: cloudfront.SecurityPolicyProtocol.TLS_V1_2_2021,
    });
    Validations.of(this.distribution).acknowledge({
      id: 'AwsSolutions-CFR1',
      reason: 'Victims of stalking may be abroad, or hide where they are behind a VPN: the service must never turn a person away by the country their request appears to come from.',
    });
    Validations.of(this.distribution).acknowledge({
      id: 'AwsSolutions-CFR3',
      reason: 'CloudFront access logs would keep every caller IP address and full URL; the service keeps none (its API access log records route, status and latency only), so a log of who asked for help is never made.',
    });
    Validations.of(this.distribution).acknowledge({
      id: 'AwsSolutions-CFR4',
      reason: 'Until the operator gives the service a domain of its own the distribution answers on the default cloudfront.net certificate, whose viewer TLS floor CloudFront fixes and no distribution setting can raise.',
    });

    new CfnOutput(this, 'ServiceUrl', { value: `https://${this.distribution.distributionDomainName}` });
    new CfnOutput(this, 'WebAclArn', { value: this.webAcl.attrArn });
  }
}
