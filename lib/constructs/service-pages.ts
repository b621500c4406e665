import type { Stack } from 'aws-cdk-lib';
import { HttpMethod } from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import { ReferralFunction } from './referral-function.js';
import type { ReferralStateMachine } from './referral-state-machine.js';
import { FORM_SESSIONS, INTAKE, type ReferralStore } from './referral-store.js';
import type { ServiceApi } from './service-api.js';
import { SessionTokens } from './session-tokens.js';
import type { StaffAccess } from './staff-access.js';

export interface ServicePagesProps {
  readonly api: ServiceApi;
  readonly store: ReferralStore;
  readonly workflow: ReferralStateMachine;
  readonly access: StaffAccess;
}

/**
 * The server-rendered pages, on the API's own origin: the victim's online form (issue 4) with GOV.UK
 * Frontend's assets, and the partner agency portal (issue 5). Created in the stack's own scope (see
 * ReferralStack).
 */
export class ServicePages {
  constructor(stack: Stack, props: ServicePagesProps) {
    const { api, store, workflow, access } = props;
    // The form's Nunjucks templates and GOV.UK Frontend's dist folder are copied beside the bundle: the
    // handler reads them from there in Lambda, from the project locally.
    const page = (id: string, entry: string, description: string) =>
      new ReferralFunction(stack, id, { entry, description, pageAssets: true });

    const victimForm = page('VictimForm', 'functions/pages/victim-form.ts', 'Serves the victim referral form pages and submits the finished referral');
    // Open to anyone: its own form sessions and a new referral, nothing else in the table.
    store.bind(victimForm, [INTAKE, FORM_SESSIONS]);
    store.bindVictimKey(victimForm);
    workflow.bind(victimForm, 'start');
    const formAssets = page('FormAssets', 'functions/pages/form-assets.ts', 'Serves GOV.UK Frontend CSS, JavaScript, fonts and images for the referral form');
    const formIntegration = new HttpLambdaIntegration('VictimFormIntegration', victimForm);
    // The bare address is the service's front door: it leads to the form, and staff to the portal.
    api.addRoute('/', [HttpMethod.GET], formIntegration, 'open-to-anyone');
    api.addRoute('/refer', [HttpMethod.GET], formIntegration, 'open-to-anyone');
    api.addRoute('/refer/{page}', [HttpMethod.GET, HttpMethod.POST], formIntegration, 'open-to-anyone');
    api.addRoute('/assets/{proxy+}', [HttpMethod.GET], new HttpLambdaIntegration('FormAssetsIntegration', formAssets), 'open-to-anyone');
    // Every answer of the form is a POST to /refer/{page}: about twenty a referral, hence a higher limit
    // than the JSON API's referral route.
    api.throttle('POST /refer/{page}', { rate: 20, burst: 60 });

    // The portal's pages check their own sessions, so a person who is not signed in is sent to sign in
    // and brought back rather than shown the authorizer's bare 401.
    const portal = page('AgencyPortal', 'functions/pages/agency-portal.ts',
      'Serves the partner agency portal: sign-in, team inbox, referral pages, acknowledge, decline and re-assign');
    store.bind(portal, 'read-write');
    store.bindVictimKey(portal);
    workflow.bind(portal, 'answer', 'start');
    access.bind(portal);
    new SessionTokens(stack).bind(portal);
    const portalIntegration = new HttpLambdaIntegration('AgencyPortalIntegration', portal);
    api.addRoute('/portal', [HttpMethod.GET], portalIntegration, 'portal-checks-its-session');
    api.addRoute('/portal/{proxy+}', [HttpMethod.GET, HttpMethod.POST], portalIntegration, 'portal-checks-its-session');
    // The commissioners' dashboard by the address they are given; it lives in the portal.
    api.addRoute('/reports', [HttpMethod.GET], portalIntegration, 'portal-checks-its-session');
    // Sign-in attempts are throttled here as well as by Cognito: password guessing gets nowhere fast.
    api.throttle('POST /portal/{proxy+}', { rate: 10, burst: 30 });
  }
}
