import { ArnFormat, Aspects, CfnElement, CfnOutput, Duration, RemovalPolicy, Stack, Validations, type StackProps } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import * as apigw from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaAuthorizer, HttpLambdaResponseType } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as ses from 'aws-cdk-lib/aws-ses';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { ReferralWorkflow } from '../workflows/referral-workflow.js';
import serviceConfig from '../config/service-config.json' with { type: 'json' };
import { AgencySignIn } from './constructs/agency-sign-in.js';
import { EmailEvents } from './constructs/email-events.js';
import { OperationsAlerts } from './constructs/operations-alerts.js';
import { ReferralFunction } from './constructs/referral-function.js';
import { ReferralOutbox } from './constructs/referral-outbox.js';
import { TableStreamConsumer } from './constructs/table-stream-consumer.js';
import { VICTIM_UPDATE_FILTERS } from '../functions/domain/victim-updates.js';
import { commissionerGroup, coordinatorGroup } from '../functions/domain/access.js';
import { retentionDays } from '../functions/domain/retention.js';

/** One sign-in group per team, and per area one for its coordinators and one for its commissioners. */
function signInGroups(): { name: string; description: string }[] {
  return serviceConfig.areas.flatMap((area) => [
    ...area.teams.map((team) => ({ name: team.id, description: `${team.name} (${area.name})` })),
    { name: coordinatorGroup(area.id), description: `Coordinators for ${area.name}` },
    { name: commissionerGroup(area.id), description: `Commissioner's office for ${area.name}` },
  ]);
}

export interface ReferralStackProps extends StackProps {
  /** Domain the service sends email from; it must be verified in SES before emails leave the sandbox. */
  readonly senderDomain: string;
  /** Mailbox of the people told about failures (SPEC §9); it must confirm SNS's subscription email. */
  readonly operationsEmail: string;
  /** How long a referral's records are kept before DynamoDB's TTL removes them (default six years). */
  readonly retentionDays?: number;
}

/** Everything the referral service runs on in AWS (SPEC §9). */
export class ReferralStack extends Stack {
  constructor(scope: Construct, id: string, props: ReferralStackProps) {
    super(scope, id, props);

    const key = new kms.Key(this, 'DataKey', {
      description: 'Encrypts referral data at rest',
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });

    // Log groups are encrypted too: a log line should never hold a person's details, but if one ever
    // did, it would be as protected as the table.
    const logsKey = new kms.Key(this, 'LogsKey', {
      description: 'Encrypts the service log groups',
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    logsKey.addToResourcePolicy(new iam.PolicyStatement({
      principals: [new iam.ServicePrincipal(`logs.${this.region}.amazonaws.com`)],
      actions: ['kms:Encrypt*', 'kms:Decrypt*', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:Describe*'],
      resources: ['*'],
      conditions: { ArnLike: { 'kms:EncryptionContext:aws:logs:arn': this.formatArn({ service: 'logs', resource: 'log-group', resourceName: '*', arnFormat: ArnFormat.COLON_RESOURCE_NAME }) } },
    }));
    Aspects.of(this).add({
      visit: (node) => {
        if (node instanceof logs.CfnLogGroup) {
          node.kmsKeyId = logsKey.keyArn;
          node.node.addDependency(logsKey);
        }
      },
    });

    const alerts = new OperationsAlerts(this, 'Operations', { operationsEmail: props.operationsEmail });

    // One table: referrals, assignments, events and idempotency records, keyed by pk/sk. Its stream is
    // read by more than one consumer (workflow starts, report facts): old and new images serve them all.
    const table = new dynamodb.Table(this, 'ReferralTable', {
      partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING },
      sortKey: { name: 'sk', type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      encryption: dynamodb.TableEncryption.CUSTOMER_MANAGED,
      encryptionKey: key,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      timeToLiveAttribute: 'expiresAt',
      removalPolicy: RemovalPolicy.RETAIN,
      deletionProtection: true,
      stream: dynamodb.StreamViewType.NEW_AND_OLD_IMAGES,
    });
    // A team's inbox: its assignments, soonest deadline first.
    table.addGlobalSecondaryIndex({
      indexName: 'byTeam',
      partitionKey: { name: 'teamKey', type: dynamodb.AttributeType.STRING },
      sortKey: { name: 'teamSort', type: dynamodb.AttributeType.STRING },
    });

    // Open work only (sparse: the key is removed once an assignment is acknowledged, declined or
    // re-assigned): the reports' open-now and overdue-now figures cost what is open, not all history.
    table.addGlobalSecondaryIndex({
      indexName: 'openByArea',
      partitionKey: { name: 'openKey', type: dynamodb.AttributeType.STRING },
      sortKey: { name: 'openSort', type: dynamodb.AttributeType.STRING },
    });

    const configurationSet = new ses.ConfigurationSet(this, 'MailConfigurationSet', {
      tlsPolicy: ses.ConfigurationSetTlsPolicy.REQUIRE,
      reputationMetrics: true,
    });
    const identity = new ses.EmailIdentity(this, 'SenderIdentity', {
      identity: ses.Identity.domain(props.senderDomain),
      configurationSet,
    });
    const mailEnvironment = {
      MAIL_FROM: `referrals@${props.senderDomain}`,
      MAIL_CONFIGURATION_SET: configurationSet.configurationSetName,
    };
    const tableEnvironment = { TABLE_NAME: table.tableName, RETENTION_DAYS: String(retentionDays(props.retentionDays, 'retentionDays')) };
    const tableAccess = (fn: ReferralFunction) => {
      table.grantReadWriteData(fn);
      for (const action of ['kms:GenerateDataKey*', 'kms:ReEncrypt*']) {
        Validations.of(fn).acknowledge({
          id: `AwsSolutions-IAM5[Action::${action}]`,
          reason: 'Granted by the table grant on the single customer-managed data key; the wildcard covers variants of one operation on that key only.',
        });
      }
      Validations.of(fn).acknowledge({
        id: `AwsSolutions-IAM5[Resource::<${this.getLogicalId(table.node.defaultChild as CfnElement)}.Arn>/index/*]`,
        reason: 'Read/write grants cover the indexes of this one table (the team inbox index), not any other table.',
      });
    };

    const screenReferral = new ReferralFunction(this, 'ScreenReferral', {
      entry: 'functions/screen-referral.ts',
      description: 'Screens a stored referral for risk',
      environment: tableEnvironment,
    });
    const routeReferral = new ReferralFunction(this, 'RouteReferral', {
      entry: 'functions/route-referral.ts',
      description: 'Decides which teams a screened referral goes to and records their assignments',
      environment: tableEnvironment,
    });
    const recordReferralStatus = new ReferralFunction(this, 'RecordReferralStatus', {
      entry: 'functions/record-referral-status.ts',
      description: 'Records a workflow milestone on a referral',
      environment: tableEnvironment,
    });

    // The API is created before the mail senders so their emails can link to the portal.
    const api = new apigw.HttpApi(this, 'ReferralApi', {
      description: 'Referral intake and agency API',
      createDefaultStage: false,
    });
    const accessLogs = new logs.LogGroup(this, 'ApiAccessLogs', { retention: logs.RetentionDays.SIX_MONTHS });
    const stage = new apigw.HttpStage(this, 'DefaultStage', {
      httpApi: api,
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
    const portalEnvironment = { PORTAL_URL: api.apiEndpoint };

    const notifyTeam = new ReferralFunction(this, 'NotifyTeam', {
      entry: 'functions/notify-team.ts',
      description: 'Emails a team that a referral has been assigned to it',
      environment: { ...tableEnvironment, ...mailEnvironment, ...portalEnvironment },
    });
    const notifyCoordinator = new ReferralFunction(this, 'NotifyCoordinator', {
      entry: 'functions/notify-coordinator.ts',
      description: 'Emails the coordinator about a referral that needs a person to look at it',
      environment: { ...tableEnvironment, ...mailEnvironment, ...portalEnvironment },
    });
    // SES's word that an email did not arrive: recorded on its assignment, and the coordinator is told.
    const recordEmailEvent = new ReferralFunction(this, 'RecordEmailEvent', {
      entry: 'functions/record-email-event.ts',
      description: "Marks an assignment's email undeliverable on a bounce, complaint or rejection and tells the coordinator and operations",
      environment: { ...tableEnvironment, ...mailEnvironment, ...portalEnvironment },
    });
    new EmailEvents(this, 'EmailEvents', { configurationSet, key: alerts.key, recorder: recordEmailEvent });
    for (const fn of [screenReferral, routeReferral, recordReferralStatus, notifyTeam, notifyCoordinator, recordEmailEvent]) {
      tableAccess(fn);
    }
    // The ladder's steps (SPEC §5): each waits, reminds, breaches or re-routes one assignment.
    const stepEnvironment = { ...tableEnvironment, ...mailEnvironment, ...portalEnvironment };
    const awaitAcknowledgement = new ReferralFunction(this, 'AwaitAcknowledgement', {
      entry: 'functions/await-acknowledgement.ts',
      description: 'Keeps the workflow callback token on an assignment while its team is waited on',
      environment: tableEnvironment,
    });
    const escalateAssignment = new ReferralFunction(this, 'EscalateAssignment', {
      entry: 'functions/escalate-assignment.ts',
      description: 'Reminds a team and its duty manager after a missed deadline, or records the breach',
      environment: stepEnvironment,
    });
    const rerouteAssignment = new ReferralFunction(this, 'RerouteAssignment', {
      entry: 'functions/reroute-assignment.ts',
      description: 'Hands a declined assignment to the next team along its fallback chain',
      environment: stepEnvironment,
    });
    for (const fn of [awaitAcknowledgement, escalateAssignment, rerouteAssignment]) tableAccess(fn);

    const sendEmailPolicy = new iam.PolicyStatement({
      actions: ['ses:SendEmail'],
      resources: [
        this.formatArn({ service: 'ses', resource: 'identity', resourceName: identity.emailIdentityName }),
        this.formatArn({ service: 'ses', resource: 'configuration-set', resourceName: configurationSet.configurationSetName }),
      ],
    });
    for (const fn of [notifyTeam, notifyCoordinator, escalateAssignment, rerouteAssignment, recordEmailEvent]) fn.addToRolePolicy(sendEmailPolicy);
    // The functions that email people tell operations when a person could not be told.
    for (const fn of [notifyTeam, notifyCoordinator, escalateAssignment, rerouteAssignment, recordEmailEvent]) alerts.bind(fn);

    const workflow = new ReferralWorkflow(this, 'Workflow', {
      screenReferral, routeReferral, notifyTeam, awaitAcknowledgement, escalateAssignment, rerouteAssignment,
      notifyCoordinator, recordReferralStatus,
    });
    const workflowLogs = new logs.LogGroup(this, 'WorkflowLogs', { retention: logs.RetentionDays.SIX_MONTHS });
    // Named, so the functions that answer its callbacks can be granted it by ARN: a reference to the
    // state machine itself would make a cycle (it invokes one of them).
    const stateMachineName = `${this.stackName}-referral-workflow`;
    const stateMachineArn = this.formatArn({ service: 'states', resource: 'stateMachine', resourceName: stateMachineName, arnFormat: ArnFormat.COLON_RESOURCE_NAME });
    const answerCallbacks = new iam.PolicyStatement({ actions: ['states:SendTaskSuccess', 'states:SendTaskFailure'], resources: [stateMachineArn] });
    awaitAcknowledgement.addToRolePolicy(answerCallbacks);
    const stateMachine = new sfn.StateMachine(this, 'ReferralStateMachine', {
      stateMachineName,
      stateMachineType: sfn.StateMachineType.STANDARD,
      definitionBody: sfn.DefinitionBody.fromChainable(workflow.definition),
      tracingEnabled: true,
      // Execution data holds references and team ids only, but it is kept out of the logs all the same.
      logs: { destination: workflowLogs, level: sfn.LogLevel.ALL, includeExecutionData: false },
    });

    const workflowEnvironment = { ...tableEnvironment, STATE_MACHINE_ARN: stateMachine.stateMachineArn };
    const submitReferral = new ReferralFunction(this, 'SubmitReferral', {
      entry: 'functions/submit-referral.ts',
      description: 'Accepts a referral, stores it and starts its workflow',
      environment: workflowEnvironment,
    });
    tableAccess(submitReferral);
    stateMachine.grantStartExecution(submitReferral);

    // The outbox: whatever became of the request that stored a referral, the table's stream starts it.
    const startReferralWorkflows = new ReferralFunction(this, 'StartReferralWorkflows', {
      entry: 'functions/start-referral-workflows.ts',
      description: 'Starts the workflow of every referral the table stores (the outbox)',
      environment: { STATE_MACHINE_ARN: stateMachine.stateMachineArn },
      // A full batch is up to 100 starts one after another, each retried by the SDK when throttled.
      timeout: Duration.minutes(1),
    });
    new ReferralOutbox(this, 'Outbox', { table, stateMachine, starter: startReferralWorkflows, alerts });

    // A second consumer of the stream (SPEC §6): the victim who asked for updates by a safe email hears
    // that the request arrived and that a team picked it up. It reads referrals and writes its notices.
    const sendVictimUpdates = new ReferralFunction(this, 'SendVictimUpdates', {
      entry: 'functions/send-victim-updates.ts',
      description: 'Emails a victim who asked for updates: request received, request picked up',
      environment: { ...tableEnvironment, ...mailEnvironment },
      timeout: Duration.minutes(1),
    });
    tableAccess(sendVictimUpdates);
    sendVictimUpdates.addToRolePolicy(sendEmailPolicy);
    new TableStreamConsumer(this, 'VictimUpdates', {
      table, consumer: sendVictimUpdates, alerts,
      filters: VICTIM_UPDATE_FILTERS,
      // An email outage of a day is waited out; the stream keeps records for 24 hours in any case.
      retryAttempts: 100,
      errorsMean: 'The victim-updates stream consumer failed: a victim who asked for email updates is waiting for one until it recovers.',
      parkedAlarmId: 'VictimUpdatesParked',
      parkedMeans: 'The victim-updates consumer gave up on a stretch of the table stream: victims who asked for updates then may not have had them. Each message names the shard and sequence numbers.',
    });
    alerts.watchWorkflow(stateMachine);

    const healthCheck = new ReferralFunction(this, 'HealthCheck', {
      entry: 'functions/health-check.ts',
      description: 'Answers whether the stack dependencies are reachable',
      environment: workflowEnvironment,
      timeout: Duration.seconds(5),
    });
    healthCheck.addToRolePolicy(new iam.PolicyStatement({ actions: ['dynamodb:DescribeTable'], resources: [table.tableArn] }));
    healthCheck.addToRolePolicy(new iam.PolicyStatement({ actions: ['states:DescribeStateMachine'], resources: [stateMachine.stateMachineArn] }));

    const publicRoutes = [
      ...api.addRoutes({
        path: '/api/referrals',
        methods: [apigw.HttpMethod.POST],
        integration: new HttpLambdaIntegration('SubmitReferralIntegration', submitReferral),
      }),
      ...api.addRoutes({
        path: '/healthz',
        methods: [apigw.HttpMethod.GET],
        integration: new HttpLambdaIntegration('HealthCheckIntegration', healthCheck),
      }),
    ];

    // The victim's online form (issue 4): server-rendered pages and GOV.UK Frontend's assets, same origin.
    const victimForm = this.formFunction('VictimForm', 'functions/victim-form.ts',
      'Serves the victim referral form pages and submits the finished referral', workflowEnvironment);
    tableAccess(victimForm);
    stateMachine.grantStartExecution(victimForm);
    const formAssets = this.formFunction('FormAssets', 'functions/form-assets.ts',
      'Serves GOV.UK Frontend CSS, JavaScript, fonts and images for the referral form', {});
    const formIntegration = new HttpLambdaIntegration('VictimFormIntegration', victimForm);
    publicRoutes.push(
      // The bare address is the service's front door: it leads to the form, and staff to the portal.
      ...api.addRoutes({ path: '/', methods: [apigw.HttpMethod.GET], integration: formIntegration }),
      ...api.addRoutes({ path: '/refer', methods: [apigw.HttpMethod.GET], integration: formIntegration }),
      ...api.addRoutes({ path: '/refer/{page}', methods: [apigw.HttpMethod.GET, apigw.HttpMethod.POST], integration: formIntegration }),
      ...api.addRoutes({ path: '/assets/{proxy+}', methods: [apigw.HttpMethod.GET], integration: new HttpLambdaIntegration('FormAssetsIntegration', formAssets) }),
    );

    // Anonymous submissions get a tighter limit of their own than the whole API (SPEC §8: rate-limited).
    // Every answer of the form is a POST to /refer/{page}: about twenty a referral, hence its higher limit.
    const cfnStage = stage.node.defaultChild as apigw.CfnStage;
    cfnStage.routeSettings = {
      'POST /api/referrals': { ThrottlingRateLimit: 5, ThrottlingBurstLimit: 20 },
      'POST /refer/{page}': { ThrottlingRateLimit: 20, ThrottlingBurstLimit: 60 },
    };
    for (const route of publicRoutes) cfnStage.node.addDependency(route);

    // Agencies, coordinators and commissioners sign in; sign-in groups are their roles (SPEC §9).
    const signIn = new AgencySignIn(this, 'SignIn', { groups: signInGroups() });
    const authorizeRequest = new ReferralFunction(this, 'AuthorizeRequest', {
      entry: 'functions/authorize-request.ts',
      description: 'Verifies the caller token for agency, coordinator and commissioner routes',
      environment: signIn.environment(),
      timeout: Duration.seconds(5),
    });
    const authorizer = new HttpLambdaAuthorizer('SignedIn', authorizeRequest, {
      responseTypes: [HttpLambdaResponseType.SIMPLE],
      // No bearer token: API Gateway answers 401 itself. A token that fails verification: 403.
      identitySource: ['$request.header.Authorization'],
      // No caching: the verdict and the caller's groups are worked out for every request. A token stays
      // valid until it expires (1 hour), even after sign-out.
      resultsCacheTtl: Duration.seconds(0),
    });
    const agencyRoute = (id: string, path: string, method: apigw.HttpMethod, entry: string, description: string, environment: Record<string, string>) => {
      const fn = new ReferralFunction(this, id, { entry, description, environment });
      tableAccess(fn);
      api.addRoutes({ path, methods: [method], integration: new HttpLambdaIntegration(`${id}Integration`, fn), authorizer });
      return fn;
    };
    const callbackEnvironment = { ...tableEnvironment, STATE_MACHINE_ARN: stateMachineArn };
    agencyRoute('ReadReferral', '/api/referrals/{reference}', apigw.HttpMethod.GET, 'functions/read-referral.ts',
      'Shows a referral to a team it was assigned to, or its coordinator, and records the view', tableEnvironment);
    agencyRoute('ListTeamAssignments', '/api/teams/{teamId}/assignments', apigw.HttpMethod.GET, 'functions/list-team-assignments.ts',
      'A team inbox: its assignments, soonest deadline first', tableEnvironment);
    const acknowledge = agencyRoute('AcknowledgeAssignment', '/api/referrals/{reference}/assignments/{teamId}/acknowledge', apigw.HttpMethod.POST,
      'functions/acknowledge-assignment.ts', 'Records that a team has taken a referral on', callbackEnvironment);
    const decline = agencyRoute('DeclineAssignment', '/api/referrals/{reference}/assignments/{teamId}/decline', apigw.HttpMethod.POST,
      'functions/decline-assignment.ts', 'Records a team declining a referral, which re-routes it', callbackEnvironment);
    acknowledge.addToRolePolicy(answerCallbacks);
    decline.addToRolePolicy(answerCallbacks);
    agencyRoute('ErasePersonalData', '/api/referrals/{reference}/erase', apigw.HttpMethod.POST, 'functions/erase-personal-data.ts',
      'Lets a coordinator erase one person’s details from a referral on their request', tableEnvironment);
    const reassign = agencyRoute('ReassignReferral', '/api/referrals/{reference}/reassign', apigw.HttpMethod.POST,
      'functions/reassign-referral.ts', 'Lets a coordinator give a referral to another team of their area', callbackEnvironment);
    reassign.addToRolePolicy(answerCallbacks);
    stateMachine.grantStartExecution(reassign);

    // Commissioner throughput reports (issue 6): read-only, the span totals and the open-work index.
    const reportThroughput = new ReferralFunction(this, 'ReportThroughput', {
      entry: 'functions/report-throughput.ts',
      description: 'Throughput reports, JSON or CSV, for the commissioners and coordinators of an area',
      environment: tableEnvironment,
    });
    table.grantReadData(reportThroughput);
    Validations.of(reportThroughput).acknowledge({
      id: `AwsSolutions-IAM5[Resource::<${this.getLogicalId(table.node.defaultChild as CfnElement)}.Arn>/index/*]`,
      reason: 'Read-only grants cover the indexes of this one table (the open-work index), not any other table.',
    });
    api.addRoutes({
      path: '/api/reports/throughput', methods: [apigw.HttpMethod.GET], authorizer,
      integration: new HttpLambdaIntegration('ReportThroughputIntegration', reportThroughput),
    });

    // The partner agency portal (issue 5): pages that check their own sessions, so a person who is not
    // signed in is sent to sign in and brought back rather than shown the authorizer's bare 401.
    const portal = this.formFunction('AgencyPortal', 'functions/agency-portal.ts',
      'Serves the partner agency portal: sign-in, team inbox, referral pages, acknowledge, decline and re-assign',
      { ...callbackEnvironment, ...signIn.environment() });
    tableAccess(portal);
    portal.addToRolePolicy(answerCallbacks);
    stateMachine.grantStartExecution(portal);
    const portalIntegration = new HttpLambdaIntegration('AgencyPortalIntegration', portal);
    const portalRoutes = [
      ...api.addRoutes({ path: '/portal', methods: [apigw.HttpMethod.GET], integration: portalIntegration }),
      ...api.addRoutes({ path: '/portal/{proxy+}', methods: [apigw.HttpMethod.GET, apigw.HttpMethod.POST], integration: portalIntegration }),
      // The commissioners' dashboard by the address they are given; it lives in the portal.
      ...api.addRoutes({ path: '/reports', methods: [apigw.HttpMethod.GET], integration: portalIntegration }),
    ];
    // Sign-in attempts are throttled here as well as by Cognito: password guessing gets nowhere fast.
    cfnStage.routeSettings = {
      ...cfnStage.routeSettings as Record<string, unknown>,
      'POST /portal/{proxy+}': { ThrottlingRateLimit: 10, ThrottlingBurstLimit: 30 },
    };
    for (const route of portalRoutes) cfnStage.node.addDependency(route);

    alerts.watchApi(stage);
    // Last, so that every function above has its errors watched.
    alerts.watchEveryFunction(this);

    new CfnOutput(this, 'ApiUrl', { value: api.apiEndpoint });
    new CfnOutput(this, 'StateMachineArn', { value: stateMachine.stateMachineArn });

    this.acknowledgeNagFindings({
      stateMachine, publicRoutes, portalRoutes,
      workflowFunctions: [screenReferral, routeReferral, recordReferralStatus, notifyTeam, notifyCoordinator,
        awaitAcknowledgement, escalateAssignment, rerouteAssignment],
    });
  }

  /**
   * A ReferralFunction's settings, plus the form's Nunjucks templates and GOV.UK Frontend's dist folder
   * copied beside the bundle: the handler reads them from there in Lambda, from the project locally.
   */
  private formFunction(id: string, entry: string, description: string, environment: Record<string, string>): ReferralFunction {
    return new ReferralFunction(this, id, { entry, description, environment, pageAssets: true });
  }

  private acknowledgeNagFindings(scope: {
    stateMachine: sfn.StateMachine; publicRoutes: apigw.HttpRoute[]; portalRoutes: apigw.HttpRoute[]; workflowFunctions: ReferralFunction[];
  }): void {
    const logicalId = (c: Construct) => this.getLogicalId(c.node.defaultChild as CfnElement);
    for (const route of scope.publicRoutes) {
      Validations.of(route).acknowledge({
        id: 'AwsSolutions-APIG4',
        reason: 'Victims refer themselves without an account (the JSON API and the online form with its assets), and the health check is public by design; agency and commissioner routes are authorised.',
      });
    }
    for (const route of scope.portalRoutes) {
      Validations.of(route).acknowledge({
        id: 'AwsSolutions-APIG4',
        reason: 'The portal must answer people who are not signed in (the sign-in pages, and a redirect to them from any other page); its function verifies the Cognito access token held in its server-side session on every request.',
      });
    }
    Validations.of(scope.stateMachine).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason: 'X-Ray trace writes and the Step Functions log delivery actions have no resource-level permissions; AWS documents "*" as their only resource.',
    });
    for (const fn of scope.workflowFunctions) {
      Validations.of(scope.stateMachine).acknowledge({
        id: `AwsSolutions-IAM5[Resource::<${logicalId(fn)}.Arn>:*]`,
        reason: 'The workflow may invoke any version or alias of its own task function, and nothing else.',
      });
    }
  }
}
