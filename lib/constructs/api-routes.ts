import { Duration, type Stack } from 'aws-cdk-lib';
import { HttpMethod } from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import { ReferralFunction } from './referral-function.js';
import type { ReferralStateMachine, WorkflowUse } from './referral-state-machine.js';
import { INTAKE, type ReferralStore } from './referral-store.js';
import type { ServiceApi } from './service-api.js';
import type { StaffAccess } from './staff-access.js';

export interface ApiRoutesProps {
  readonly api: ServiceApi;
  readonly store: ReferralStore;
  readonly workflow: ReferralStateMachine;
  readonly access: StaffAccess;
}

interface AgencyRoute {
  readonly id: string;
  readonly path: string;
  readonly method: HttpMethod;
  readonly entry: string;
  readonly description: string;
  readonly workflow: WorkflowUse[];
}

// Each reads and writes the table; those that settle an assignment answer the run waiting on its team, and
// a re-assignment starts a run for the new team.
const AGENCY_ROUTES: AgencyRoute[] = [
  { id: 'ReadReferral', path: '/api/referrals/{reference}', method: HttpMethod.GET, entry: 'functions/api/read-referral.ts',
    description: 'Shows a referral to a team it was assigned to, or its coordinator, and records the view', workflow: [] },
  { id: 'ListTeamAssignments', path: '/api/teams/{teamId}/assignments', method: HttpMethod.GET, entry: 'functions/api/list-team-assignments.ts',
    description: 'A team inbox: its assignments, soonest deadline first', workflow: [] },
  { id: 'AcknowledgeAssignment', path: '/api/referrals/{reference}/assignments/{teamId}/acknowledge', method: HttpMethod.POST,
    entry: 'functions/api/acknowledge-assignment.ts', description: 'Records that a team has taken a referral on', workflow: ['answer'] },
  { id: 'DeclineAssignment', path: '/api/referrals/{reference}/assignments/{teamId}/decline', method: HttpMethod.POST,
    entry: 'functions/api/decline-assignment.ts', description: 'Records a team declining a referral, which re-routes it', workflow: ['answer'] },
  { id: 'ErasePersonalData', path: '/api/referrals/{reference}/erase', method: HttpMethod.POST, entry: 'functions/api/erase-personal-data.ts',
    description: 'Lets a coordinator erase one person’s details from a referral on their request', workflow: [] },
  { id: 'ReassignReferral', path: '/api/referrals/{reference}/reassign', method: HttpMethod.POST, entry: 'functions/api/reassign-referral.ts',
    description: 'Lets a coordinator give a referral to another team of their area', workflow: ['answer', 'start'] },
  { id: 'SignpostReferral', path: '/api/referrals/{reference}/signpost', method: HttpMethod.POST, entry: 'functions/api/signpost-referral.ts',
    description: 'Lets the default area’s coordinator close an out-of-area referral as signposted elsewhere', workflow: [] },
  { id: 'RecordContactAttempt', path: '/api/referrals/{reference}/assignments/{teamId}/contact-attempts', method: HttpMethod.POST,
    entry: 'functions/api/record-contact-attempt.ts', description: 'Records a team attempt to reach the person on a referral it acknowledged', workflow: [] },
  { id: 'RecordOutcome', path: '/api/referrals/{reference}/assignments/{teamId}/outcome', method: HttpMethod.POST,
    entry: 'functions/api/record-outcome.ts', description: 'Records how a team ended its part of a referral, closing the referral after the last', workflow: [] },
];

/**
 * The JSON API: a victim's referral and the health check for anyone, the agency routes and the
 * commissioners' reports for signed-in staff. Created in the stack's own scope (see ReferralStack).
 */
export class ApiRoutes {
  constructor(stack: Stack, props: ApiRoutesProps) {
    const { api, store, workflow, access } = props;

    const submitReferral = new ReferralFunction(stack, 'SubmitReferral', {
      entry: 'functions/api/submit-referral.ts',
      description: 'Accepts a referral, stores it and starts its workflow',
    });
    // Open to anyone: it may create a referral and read back its own, and reach nothing else in the table.
    store.bind(submitReferral, [INTAKE]);
    store.bindVictimKey(submitReferral);
    workflow.bind(submitReferral, 'start');
    // Public, but a partner's machine token lets it refer as police or an agency (SPEC §8).
    access.bindPartners(submitReferral);
    api.addRoute('/api/referrals', [HttpMethod.POST], new HttpLambdaIntegration('SubmitReferralIntegration', submitReferral), 'open-to-anyone');
    // Anonymous submissions get a tighter limit of their own than the whole API (SPEC §8: rate-limited).
    api.throttle('POST /api/referrals', { rate: 5, burst: 20 });

    const healthCheck = new ReferralFunction(stack, 'HealthCheck', {
      entry: 'functions/api/health-check.ts',
      description: 'Answers whether the stack dependencies are reachable',
      timeout: Duration.seconds(5),
    });
    store.bind(healthCheck, 'describe');
    workflow.bind(healthCheck, 'describe');
    api.addRoute('/healthz', [HttpMethod.GET], new HttpLambdaIntegration('HealthCheckIntegration', healthCheck), 'open-to-anyone');

    // The published contract (OpenAPI 3.1) for partner systems to integrate against: reaches nothing.
    const openApiDocument = new ReferralFunction(stack, 'OpenApiDocument', {
      entry: 'functions/api/openapi-document.ts',
      description: 'Publishes the API contract as an OpenAPI 3.1 document',
      timeout: Duration.seconds(5),
    });
    openApiDocument.addEnvironment('CLIENT_TOKEN_URL', props.access.tokenUrl);
    api.addRoute('/api/openapi.json', [HttpMethod.GET], new HttpLambdaIntegration('OpenApiDocumentIntegration', openApiDocument), 'open-to-anyone');

    for (const route of AGENCY_ROUTES) {
      const fn = new ReferralFunction(stack, route.id, { entry: route.entry, description: route.description });
      store.bind(fn, 'read-write');
      if (route.workflow.length) workflow.bind(fn, ...route.workflow);
      access.bind(fn);
      api.addRoute(route.path, [route.method], new HttpLambdaIntegration(`${route.id}Integration`, fn), 'function-verifies-token');
    }

    // Commissioner throughput reports (issue 6): read-only, the span totals and the open-work index.
    const reportThroughput = new ReferralFunction(stack, 'ReportThroughput', {
      entry: 'functions/api/report-throughput.ts',
      description: 'Throughput reports, JSON or CSV, for the commissioners and coordinators of an area',
    });
    store.bind(reportThroughput, 'read');
    access.bind(reportThroughput);
    api.addRoute('/api/reports/throughput', [HttpMethod.GET], new HttpLambdaIntegration('ReportThroughputIntegration', reportThroughput), 'function-verifies-token');
  }
}
