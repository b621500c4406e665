import * as path from 'node:path';
import { Duration, Validations } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { Construct } from 'constructs';

import { HANDLER_MODULE_METADATA, PROJECT_ROOT } from '../handler-module.js';

export { HANDLER_MODULE_METADATA, PROJECT_ROOT };

/**
 * Where the SDK looks for credentials when the environment has none: profiles, SSO, web identity, a
 * credential process, container and instance metadata. Lambda always puts the role's credentials in the
 * environment, so the SDK never imports these there (they are dynamic imports, reached only past the
 * environment); left out, they no longer make a quarter to a third of every bundle, parsed at each cold
 * start.
 */
export const CREDENTIAL_SOURCES_LAMBDA_NEVER_USES = [
  '@aws-sdk/credential-provider-ini', '@aws-sdk/credential-provider-sso', '@aws-sdk/credential-provider-login',
  '@aws-sdk/credential-provider-process', '@aws-sdk/credential-provider-web-identity', '@aws-sdk/credential-provider-http',
  '@aws-sdk/token-providers', '@aws-sdk/nested-clients', '@smithy/credential-provider-imds',
];

export interface ReferralFunctionProps {
  /** Handler module, relative to the project root, e.g. `functions/api/submit-referral.ts`. */
  readonly entry: string;
  readonly description: string;
  readonly timeout?: Duration;
  /** Pages: the Nunjucks templates and GOV.UK Frontend's files travel with the bundle. */
  readonly pageAssets?: boolean;
}

/**
 * One Lambda handler with the house defaults: Node 22 on arm64, ESM bundle, X-Ray, its own log group.
 * The handler module is recorded in the template so the local cloud runs the very same code. What it
 * reaches (the table, mail, the workflow) comes with its own environment from that concern's `bind`.
 */
export class ReferralFunction extends NodejsFunction {
  constructor(scope: Construct, id: string, props: ReferralFunctionProps) {
    const logGroup = new logs.LogGroup(scope, `${id}Logs`, {
      retention: logs.RetentionDays.SIX_MONTHS,
    });
    super(scope, id, {
      entry: path.join(PROJECT_ROOT, props.entry),
      handler: 'handler',
      description: props.description,
      runtime: lambda.Runtime.NODEJS_22_X,
      architecture: lambda.Architecture.ARM_64,
      memorySize: 512,
      // Above the SDK clients' own ceilings (functions/adapters/aws-clients.ts): a dependency gone quiet
      // fails the call with an error the caller can act on before the function itself times out.
      timeout: props.timeout ?? Duration.seconds(29),
      tracing: lambda.Tracing.ACTIVE,
      logGroup,
      projectRoot: PROJECT_ROOT,
      depsLockFilePath: path.join(PROJECT_ROOT, 'package-lock.json'),
      environment: {
        POWERTOOLS_SERVICE_NAME: 'referral-service',
        POWERTOOLS_METRICS_NAMESPACE: 'StalkingReferrals',
        POWERTOOLS_LOG_LEVEL: 'INFO',
      },
      bundling: {
        format: OutputFormat.ESM,
        target: 'node22',
        minify: true,
        // The map ships beside the bundle for reading a logged stack trace back to the source, but Node is
        // not asked to apply it (--enable-source-maps): that reads and parses the whole map at every cold
        // start, 7–10 ms of a 100 ms budget, for traces our logs rarely carry (errors are logged by name).
        sourceMap: true,
        sourcesContent: false,
        // ESM bundles of CommonJS dependencies still call require(): give them one.
        banner: "import { createRequire as __createRequire } from 'module'; const require = __createRequire(import.meta.url);",
        // The SDK is bundled, not taken from the runtime: one minified file of just the clients a function
        // uses starts in a fraction of the time the runtime's hundreds of CommonJS files take to load (issue
        // 17, bench/cold-start.ts), and the version that runs is the one the tests ran. ES module entry
        // points first, so esbuild can drop what a function never calls.
        mainFields: ['module', 'main'],
        // `import` of node:http(s), as the SDK's ES module build does, loads undici with it; taking the
        // module from process.getBuiltinModule does not (esm-builtins/http.cjs). 10–20 ms of each cold start.
        esbuildArgs: Object.fromEntries(['http', 'https'].flatMap((name) => {
          const shim = path.join(import.meta.dirname, 'esm-builtins', `${name}.cjs`);
          return [[`--alias:${name}`, shim], [`--alias:node:${name}`, shim]];
        })),
        // Nunjucks only asks for chokidar/fsevents when watching templates, which a Lambda never does.
        externalModules: [...CREDENTIAL_SOURCES_LAMBDA_NEVER_USES, ...(props.pageAssets ? ['chokidar', 'fsevents'] : [])],
        ...(props.pageAssets ? {
          commandHooks: {
            beforeBundling: () => [],
            beforeInstall: () => [],
            afterBundling: (inputDir: string, outputDir: string) => [
              `cp -R "${inputDir}/functions/templates" "${outputDir}/templates"`,
              `cp -R "${inputDir}/node_modules/govuk-frontend/dist" "${outputDir}/govuk-frontend"`,
            ],
          },
        } : {}),
      },
    });
    (this.node.defaultChild as lambda.CfnFunction).addMetadata(HANDLER_MODULE_METADATA, props.entry);

    // Acknowledged here, on each function, so a finding anywhere else in the stack still fails synth.
    Validations.of(this).acknowledge({
      id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
      reason: 'AWSLambdaBasicExecutionRole only lets a function write its own CloudWatch logs; it is the AWS-maintained minimum for that.',
    });
    Validations.of(this).acknowledge({
      id: 'AwsSolutions-L1',
      reason: 'Node.js 22 is pinned on purpose: the local cloud and CI run the same major version, so what is tested is what runs.',
    });
    Validations.of(this).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason: 'X-Ray trace writes (xray:PutTraceSegments, PutTelemetryRecords) and, for a table stream consumer, dynamodb:ListStreams have no resource-level permissions; AWS documents "*" as their only resource.',
    });
  }
}
