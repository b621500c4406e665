import middy from '@middy/core';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { verifyAccessToken } from './adapters/access-tokens.js';
import {
  answerMfa, beginMfaSetup, finishMfaSetup, refreshTokens, setNewPassword, signOut, startSignIn,
  type SignInStep as SignInOutcome,
} from './adapters/cognito-sign-in.js';
import { deletePortalSession, getPortalSession, savePortalSession, type PortalSession } from './adapters/portal-session-store.js';
import {
  acknowledgeAssignment, declineAssignment, reasonText, reassignableFrom, reassignmentTargets, reassignReferral, viewReferral,
} from './adapters/referral-actions.js';
import { getReferral, listAssignments, teamAssignments } from './adapters/referral-store.js';
import { serviceConfig } from './adapters/service-config.js';
import { londonTime } from './domain/agency-email.js';
import { areaById } from './domain/config.js';
import { ACKNOWLEDGEABLE_STATUSES, DECLINABLE_STATUSES, type AssignmentStatus } from './domain/referral-record.js';
import { isReference } from './domain/reference.js';
import { Conflict, InvalidInput, NotAllowed, NotFound } from './domain/refusals.js';
import { areasCommissioned, areasCoordinated, teamsOf, type Caller } from './http/caller.js';
import { httpDefaults } from './http/http-defaults.js';
import { TEAM_ID } from './http/path-parameters.js';
import { formBody, newSecret, page, redirect, sameToken } from './http/pages.js';
import { endedSessionCookie, portalSessionCookie as sessionCookie, portalSessionId } from './portal/session-cookie.js';
import {
  historyRows, inboxAssignments, inboxCounts, inboxRow, INBOX_FILTERS, isOpen, isOverdue, parseInboxFilter,
  referralSections, riskRows, safeContact, screeningView, statusTag, teamName,
} from './portal/views.js';
import { reportsCsv, reportsPage } from './portal/reports-page.js';
import { logger, metrics } from './observability.js';

type Result = APIGatewayProxyStructuredResultV2;

/** Only our own pages are somewhere to come back to after signing in: never another site. */
const RETURN_PATH = /^\/portal(?:\/[A-Za-z0-9-]+)*$/;

interface SignedIn {
  readonly caller: Caller;
  readonly session: PortalSession;
  /** What every page's header needs. */
  readonly view: { user: { username: string; coordinator: boolean; reports: boolean }; csrf: string; flash?: string };
}

/** A session's signed-in caller, its access token refreshed if it has run out; otherwise undefined. */
async function signedInCaller(session: PortalSession | undefined): Promise<{ caller: Caller; session: PortalSession } | undefined> {
  if (!session?.signedIn) return undefined;
  let verdict = await verifyAccessToken(session.signedIn.accessToken);
  let current = session;
  if (!verdict.ok && verdict.reason === 'expired' && session.signedIn.refreshToken) {
    // A refresh that fails for any reason means signing in again, never an error page.
    const tokens = await refreshTokens(session.signedIn.refreshToken).catch((error: unknown) => {
      logger.warn('Could not refresh a portal session', { errorName: (error as Error)?.name });
      return undefined;
    });
    if (tokens) {
      current = { ...session, signedIn: { ...session.signedIn, accessToken: tokens.accessToken, refreshToken: tokens.refreshToken ?? session.signedIn.refreshToken } };
      verdict = await verifyAccessToken(tokens.accessToken);
    }
  }
  if (!verdict.ok) {
    if (verdict.reason === 'keys-unavailable' || verdict.reason === 'unexpected') throw verdict.error ?? new Error(verdict.reason);
    logger.info('Portal session ended', { reason: verdict.reason });
    return undefined;
  }
  return { caller: verdict.caller, session: current };
}

function viewOf(caller: Caller, session: PortalSession): SignedIn['view'] {
  return {
    user: {
      username: caller.username,
      coordinator: areasCoordinated(caller).length > 0,
      reports: areasCommissioned(caller).length > 0 || areasCoordinated(caller).length > 0,
    },
    csrf: session.csrf,
    ...(session.flash ? { flash: session.flash } : {}),
  };
}

function messagePage(title: string, paragraphs: string[], statusCode: number, extra: Record<string, unknown> = {}): Result {
  return page('portal/message.njk', { title, paragraphs, ...extra }, [], statusCode);
}

const notFound = (view?: SignedIn['view']) => messagePage('Page not found', [
  'There is no referral or page here that your account can open. If you followed a link from an email, check that you are signed in with the account of the team it was sent to.',
], 404, { ...view, linkHref: '/portal/inbox', linkText: 'Go to your inbox' });

// ---- Signing in -------------------------------------------------------------------------------------

const signInFields = (errors: Map<string, string>, username = '') => [
  {
    kind: 'input',
    params: {
      id: 'username', name: 'username', label: { text: 'Username or email address' }, value: username, autocomplete: 'username', spellcheck: false,
      errorMessage: errors.has('username') ? { text: errors.get('username') } : undefined,
    },
  },
  {
    kind: 'input',
    params: {
      id: 'password', name: 'password', type: 'password', label: { text: 'Password' }, autocomplete: 'current-password',
      errorMessage: errors.has('password') ? { text: errors.get('password') } : undefined,
    },
  },
];

const errorList = (errors: Map<string, string>) => [...errors].map(([field, text]) => ({ text, href: `#${field}` }));

function signInPage(session: PortalSession, cookies: string[], errors = new Map<string, string>(), username = '', statusCode = 200): Result {
  return page('portal/form.njk', {
    title: 'Sign in', postTo: '/portal/sign-in', csrf: session.csrf, buttonText: 'Continue',
    paragraphs: ['Sign in with the account your organisation gave you. You will also need the code from your authenticator app.'],
    fields: signInFields(errors, username), errors: errorList(errors),
  }, cookies, statusCode);
}

const codeField = (errors: Map<string, string>) => ({
  kind: 'input',
  params: {
    id: 'code', name: 'code', label: { text: 'Code from your authenticator app', classes: 'govuk-label--s' }, classes: 'govuk-input--width-5',
    inputmode: 'numeric', autocomplete: 'one-time-code', spellcheck: false, hint: { text: 'The 6-digit code it shows now' },
    errorMessage: errors.has('code') ? { text: errors.get('code') } : undefined,
  },
});

function stepPage(session: PortalSession, errors = new Map<string, string>(), statusCode = 200): Result {
  const step = session.pending?.step;
  if (step === 'mfa-setup') {
    return page('portal/form.njk', {
      title: 'Set up your authenticator app', postTo: '/portal/sign-in/authenticator', csrf: session.csrf, buttonText: 'Continue',
      paragraphs: [
        'Your account needs a second step to sign in. Add it to an authenticator app on your work phone by entering the setup key below, then enter the code the app shows.',
      ],
      secret: session.pending?.secret, fields: [codeField(errors)], errors: errorList(errors),
    }, [], statusCode);
  }
  if (step === 'new-password') {
    const passwordField = (id: string, text: string) => ({
      kind: 'input',
      params: {
        id, name: id, type: 'password', label: { text }, autocomplete: 'new-password',
        hint: id === 'password' ? { text: 'At least 12 characters, with upper and lower case letters, a number and a symbol' } : undefined,
        errorMessage: errors.has(id) ? { text: errors.get(id) } : undefined,
      },
    });
    return page('portal/form.njk', {
      title: 'Choose a new password', postTo: '/portal/sign-in/new-password', csrf: session.csrf, buttonText: 'Continue',
      paragraphs: ['This is your first sign-in, so choose a password of your own.'],
      fields: [passwordField('password', 'New password'), passwordField('confirm', 'New password again')], errors: errorList(errors),
    }, [], statusCode);
  }
  return page('portal/form.njk', {
    title: 'Enter your code', postTo: '/portal/sign-in/code', csrf: session.csrf, buttonText: 'Sign in',
    paragraphs: ['Open the authenticator app on your phone and enter the code it shows for this service.'],
    fields: [codeField(errors)], errors: errorList(errors),
  }, [], statusCode);
}

const STEP_PATH = { mfa: '/portal/sign-in/code', 'mfa-setup': '/portal/sign-in/authenticator', 'new-password': '/portal/sign-in/new-password' } as const;

const REFUSAL_WORDS: Record<string, [string, string]> = {
  credentials: ['username', 'The username or password is not right'],
  'password-reset-required': ['username', 'Your password has to be reset. Ask your administrator'],
  'too-many-attempts': ['username', 'Too many attempts. Wait a few minutes, then try again'],
  'unsupported-challenge': ['username', 'This account cannot sign in here. Ask your administrator'],
  code: ['code', 'The code is not right. Enter the code your app shows now'],
  'weak-password': ['password', 'Choose a password of at least 12 characters, with upper and lower case letters, a number and a symbol'],
};

/** Moves the sign-in on to what Cognito answered: the next step, the signed-in session, or the same page with an error. */
async function afterSignInStep(event: APIGatewayProxyEventV2, session: PortalSession, outcome: SignInOutcome, now: Date, retry: () => Result): Promise<Result> {
  switch (outcome.kind) {
    case 'signed-in': {
      // A new session id at sign-in: an id planted in the browser beforehand is worth nothing after.
      await deletePortalSession(session.id);
      const signedIn: PortalSession = {
        id: newSecret(), csrf: newSecret(),
        signedIn: { accessToken: outcome.tokens.accessToken, refreshToken: outcome.tokens.refreshToken, since: now.getTime() },
      };
      const verdict = await verifyAccessToken(outcome.tokens.accessToken);
      if (!verdict.ok) throw new Error(`Cognito issued a token that does not verify: ${verdict.reason}`);
      await savePortalSession(signedIn, now);
      metrics.addMetric('PortalSignIn', MetricUnit.Count, 1);
      logger.info('Signed in to the portal', { userId: verdict.caller.userId });
      const to = session.returnTo && RETURN_PATH.test(session.returnTo) ? session.returnTo : '/portal/inbox';
      return redirect(to, [sessionCookie(signedIn.id, event, 12 * 60 * 60)]);
    }
    case 'refused': {
      if (outcome.reason === 'session-expired') {
        await savePortalSession({ id: session.id, csrf: session.csrf, returnTo: session.returnTo }, now);
        return redirect('/portal/sign-in');
      }
      metrics.addMetric('PortalSignInRefused', MetricUnit.Count, 1);
      logger.warn('Portal sign-in step refused', { reason: outcome.reason });
      return retry();
    }
    case 'mfa':
    case 'new-password':
    case 'mfa-setup': {
      let pending: NonNullable<PortalSession['pending']> = { step: outcome.kind, username: outcome.username, cognitoSession: outcome.session };
      if (outcome.kind === 'mfa-setup') {
        const setup = await beginMfaSetup(outcome.session);
        pending = { ...pending, cognitoSession: setup.session, secret: setup.secret };
      }
      await savePortalSession({ ...session, pending }, now);
      return redirect(STEP_PATH[outcome.kind]);
    }
  }
}

function refusalErrors(outcome: SignInOutcome): Map<string, string> {
  if (outcome.kind !== 'refused') return new Map();
  const [field, text] = REFUSAL_WORDS[outcome.reason] ?? ['username', 'You could not be signed in. Try again'];
  return new Map([[field, text]]);
}

async function signInRoutes(event: APIGatewayProxyEventV2, path: string, method: string, session: PortalSession | undefined, now: Date): Promise<Result> {
  if (method === 'GET' && path === '/portal/sign-in') {
    // A fresh pre-sign-in session carries the form token: a sign-in form posted from another site has none.
    const fresh: PortalSession = session && !session.signedIn ? { id: session.id, csrf: session.csrf, returnTo: session.returnTo } : { id: newSecret(), csrf: newSecret() };
    await savePortalSession(fresh, now);
    return signInPage(fresh, fresh.id === session?.id ? [] : [sessionCookie(fresh.id, event, 12 * 60 * 60)]);
  }
  if (method === 'GET') {
    const step = (Object.entries(STEP_PATH) as [keyof typeof STEP_PATH, string][]).find(([, p]) => p === path)?.[0];
    if (!session?.pending || session.pending.step !== step) return redirect('/portal/sign-in');
    return stepPage(session);
  }

  const form = formBody(event);
  if (!session || session.signedIn || !form || !sameToken(session.csrf, form.get('csrf'))) return expiredForm();

  if (path === '/portal/sign-in') {
    const username = (form.get('username') ?? '').trim();
    const password = form.get('password') ?? '';
    const errors = new Map<string, string>();
    if (username === '' || username.length > 128 || /[\u0000-\u001F]/.test(username)) errors.set('username', 'Enter your username or email address');
    if (password === '' || password.length > 256) errors.set('password', 'Enter your password');
    if (errors.size) return signInPage(session, [], errors, username.slice(0, 128), 400);
    const outcome = await startSignIn(username, password);
    return afterSignInStep(event, session, outcome, now, () => signInPage(session, [], refusalErrors(outcome), username, 400));
  }

  const pending = session.pending;
  if (!pending || STEP_PATH[pending.step] !== path) return redirect('/portal/sign-in');
  if (pending.step === 'new-password') {
    const password = form.get('password') ?? '';
    const errors = new Map<string, string>();
    if (password.length < 12 || password.length > 256) errors.set('password', REFUSAL_WORDS['weak-password']![1]);
    else if (password !== form.get('confirm')) errors.set('confirm', 'Enter the same password twice');
    if (errors.size) return stepPage(session, errors, 400);
    const outcome = await setNewPassword(pending.cognitoSession, pending.username, password);
    return afterSignInStep(event, session, outcome, now, () => stepPage(session, refusalErrors(outcome), 400));
  }
  const code = (form.get('code') ?? '').replace(/\s+/g, '');
  if (!/^[0-9]{6}$/.test(code)) return stepPage(session, new Map([['code', 'Enter the 6-digit code from your authenticator app']]), 400);
  const outcome = pending.step === 'mfa'
    ? await answerMfa(pending.cognitoSession, pending.username, code)
    : await finishMfaSetup(pending.cognitoSession, pending.username, code);
  return afterSignInStep(event, session, outcome, now, () => stepPage(session, refusalErrors(outcome), 400));
}

function expiredForm(): Result {
  return messagePage('Your sign-in has timed out', [
    'For your security, forms in this portal only work for a short time and only from this site. Nothing was changed.',
  ], 400, { linkHref: '/portal/sign-in', linkText: 'Sign in again' });
}

// ---- Pages for signed-in staff ------------------------------------------------------------------------

async function inboxPage(event: APIGatewayProxyEventV2, signedIn: SignedIn, now: Date): Promise<Result> {
  const allTeams = serviceConfig.areas.flatMap((area) => area.teams);
  const teamIds = teamsOf(signedIn.caller, allTeams.map((t) => t.id));
  const teams = teamIds.map((id) => allTeams.find((t) => t.id === id)!);
  const query = event.queryStringParameters ?? {};
  const team = teams.find((t) => t.id === query.team) ?? teams[0];
  const filter = parseInboxFilter(query.status);
  if (!team) return page('portal/inbox.njk', { ...signedIn.view, title: 'Team inbox', nav: 'inbox', teams: [] });
  const assignments = await teamAssignments(team.id);
  const filterWords: Record<string, string> = { open: 'waiting for your team', all: 'everything' };
  return page('portal/inbox.njk', {
    ...signedIn.view, title: `${team.name} inbox`, nav: 'inbox', teams, team,
    counts: inboxCounts(assignments, now),
    rows: inboxAssignments(assignments, filter).map((a) => inboxRow(serviceConfig, a, now)),
    filterText: filterWords[filter] ?? statusTag(filter as AssignmentStatus).text.toLowerCase(),
    teamItems: teams.map((t) => ({ value: t.id, text: t.name, selected: t.id === team.id })),
    filterItems: INBOX_FILTERS.map((f) => ({
      value: f, text: f === 'open' ? 'Open: waiting for your team' : f === 'all' ? 'Everything' : statusTag(f).text, selected: f === filter,
    })),
  });
}

async function referralPage(reference: string, signedIn: SignedIn, now: Date): Promise<Result> {
  const { caller, view } = signedIn;
  const { referral, assignments, events } = await viewReferral(reference, caller, now);
  const coordinator = referral.areaId !== undefined && areasCoordinated(caller).includes(referral.areaId);
  const visible = assignments.filter((a) => coordinator || caller.groups.includes(a.teamId));
  return page('portal/referral.njk', {
    ...view, title: `Referral ${reference}`, nav: 'inbox', reference,
    safeContact: safeContact(referral.submission),
    screening: screeningView(referral.screening),
    sections: referralSections(referral.submission),
    riskRows: riskRows(referral.submission),
    history: historyRows(serviceConfig, events),
    canReassign: coordinator && reassignmentTargets(referral, assignments).length > 0,
    assignments: visible.map((a) => ({
      teamId: a.teamId, teamName: teamName(serviceConfig, a.teamId),
      canAct: caller.groups.includes(a.teamId) && ACKNOWLEDGEABLE_STATUSES.includes(a.status),
      canDecline: caller.groups.includes(a.teamId) && DECLINABLE_STATUSES.includes(a.status),
      rows: [
        { key: { text: 'Status' }, value: { html: `<strong class="govuk-tag ${statusTag(a.status).classes}">${statusTag(a.status).text}</strong>${isOverdue(a, now) ? ' <strong class="govuk-tag govuk-tag--red">Overdue</strong>' : ''}` } },
        { key: { text: 'Deadline' }, value: { text: a.deadlineAt ? londonTime(a.deadlineAt) : 'Not set' } },
        ...(a.acknowledgedAt ? [{ key: { text: 'Acknowledged' }, value: { text: `${londonTime(a.acknowledgedAt)}${a.late ? ' (late)' : ''}` } }] : []),
        ...(a.declineReason ? [{ key: { text: 'Declined because' }, value: { text: a.declineReason } }] : []),
        ...(a.reassignReason ? [{ key: { text: 'Re-assigned because' }, value: { text: a.reassignReason } }] : []),
        ...(a.emailUndeliverable ? [{ key: { text: 'Team email' }, value: { text: `Could not be delivered (${londonTime(a.emailUndeliverable.at)}): the team may not know of this referral` } }] : []),
      ],
    })),
  });
}

type Action = 'acknowledge' | 'decline';

async function assignmentActionPage(reference: string, teamId: string, action: Action, signedIn: SignedIn, errors = new Map<string, string>(), reason = ''): Promise<Result> {
  const { caller, view } = signedIn;
  if (!caller.groups.includes(teamId)) return notFound(view);
  const referral = await getReferral(reference);
  const assignment = referral ? (await listAssignments(reference)).find((a) => a.teamId === teamId) : undefined;
  if (!referral || !assignment || assignment.status === 'ASSIGNED') return notFound(view);
  const back = `/portal/referrals/${reference}`;
  const summary = [
    { key: { text: 'Reference' }, value: { text: reference } },
    { key: { text: 'Team' }, value: { text: teamName(serviceConfig, teamId) } },
    { key: { text: 'Deadline' }, value: { text: assignment.deadlineAt ? londonTime(assignment.deadlineAt) : 'Not set' } },
  ];
  const postTo = `${back}/teams/${teamId}/${action}`;
  if (action === 'acknowledge') {
    return page('portal/form.njk', {
      ...view, title: 'Acknowledge this referral?', backHref: back, cancelHref: back, postTo, summary, buttonText: 'Yes, acknowledge it',
      paragraphs: ['Acknowledging tells the service your team has taken this referral on. Contact the person using only the safe ways they gave.'],
      errors: errorList(errors),
    }, [], errors.size ? 409 : 200);
  }
  return page('portal/form.njk', {
    ...view, title: 'Decline this referral?', backHref: back, cancelHref: back, postTo, summary, buttonText: 'Decline referral',
    buttonClasses: 'govuk-button--warning',
    warning: 'The referral will go to another team straight away, with a new deadline.',
    fields: [{
      kind: 'textarea',
      params: {
        id: 'reason', name: 'reason', value: reason, label: { text: 'Why can your team not take it?', classes: 'govuk-label--s' },
        hint: { text: 'The coordinator and the next team will see this. Do not include the person’s details.' },
        errorMessage: errors.has('reason') ? { text: errors.get('reason') } : undefined,
      },
    }],
    errors: errorList(errors),
  }, [], errors.size ? 400 : 200);
}

async function reassignPage(reference: string, signedIn: SignedIn, errors = new Map<string, string>(), values: Record<string, string> = {}): Promise<Result> {
  const { caller, view } = signedIn;
  const referral = await getReferral(reference);
  if (!referral?.areaId || !areasCoordinated(caller).includes(referral.areaId)) return notFound(view);
  const assignments = await listAssignments(reference);
  const targets = reassignmentTargets(referral, assignments);
  const back = `/portal/referrals/${reference}`;
  if (targets.length === 0) {
    return messagePage('Every team has had this referral', ['There is no other team in this area to give it to.'], 409, { ...view, linkHref: back, linkText: 'Back to the referral' });
  }
  const from = reassignableFrom(assignments);
  const field = (name: string) => (errors.has(name) ? { text: errors.get(name) } : undefined);
  return page('portal/form.njk', {
    ...view, title: 'Re-assign this referral', backHref: back, cancelHref: back, postTo: `${back}/reassign`, buttonText: 'Re-assign referral',
    nav: 'coordinator',
    paragraphs: ['The team you choose gets an email now, and its deadline starts now.'],
    fields: [
      {
        kind: 'radios',
        params: {
          name: 'toTeamId', idPrefix: 'toTeamId', fieldset: { legend: { text: 'Which team should have it?', classes: 'govuk-fieldset__legend--s' } },
          errorMessage: field('toTeamId'),
          items: targets.map((t) => ({ value: t.id, text: t.name, checked: values.toTeamId === t.id })),
        },
      },
      ...(from.length ? [{
        kind: 'radios',
        params: {
          name: 'fromTeamId', idPrefix: 'fromTeamId', fieldset: { legend: { text: 'Take it off a team?', classes: 'govuk-fieldset__legend--s' } },
          hint: { text: 'That team will no longer be asked to acknowledge it.' }, errorMessage: field('fromTeamId'),
          items: [
            { value: '', text: 'No, keep every team on it', checked: !values.fromTeamId },
            ...from.map((a) => ({ value: a.teamId, text: `${teamName(serviceConfig, a.teamId)} (${statusTag(a.status).text.toLowerCase()})`, checked: values.fromTeamId === a.teamId })),
          ],
        },
      }] : []),
      {
        kind: 'textarea',
        params: {
          id: 'reason', name: 'reason', value: values.reason ?? '', label: { text: 'Why?', classes: 'govuk-label--s' },
          hint: { text: 'The team will see this. Do not include the person’s details.' }, errorMessage: field('reason'),
        },
      },
    ],
    errors: [...errors].map(([name, text]) => ({ text, href: `#${name === 'reason' ? 'reason' : name}` })),
  }, [], errors.size ? 400 : 200);
}

async function coordinatorPage(signedIn: SignedIn, now: Date): Promise<Result> {
  const { caller, view } = signedIn;
  const areas = areasCoordinated(caller).map((id) => areaById(serviceConfig, id)).filter((a) => a !== undefined);
  if (areas.length === 0) {
    return messagePage('Only for coordinators', ['Your account does not coordinate an area.'], 403, { ...view, linkHref: '/portal/inbox', linkText: 'Go to your inbox' });
  }
  const shown = await Promise.all(areas.map(async (area) => {
    const all = (await Promise.all(area.teams.map((t) => teamAssignments(t.id)))).flat();
    const rows = (filter: (a: typeof all[number]) => boolean) => inboxAssignments(all.filter(filter), 'all').map((a) => inboxRow(serviceConfig, a, now));
    const overdue = rows((a) => isOverdue(a, now) && a.status !== 'BREACHED');
    const open = rows((a) => isOpen(a) && !isOverdue(a, now));
    const needsPerson = rows((a) => a.status === 'BREACHED');
    const declined = rows((a) => a.status === 'DECLINED');
    return {
      name: area.name, open: open.length + overdue.length, overdue: overdue.length + needsPerson.length, needsPerson: needsPerson.length,
      groups: [
        { id: `overdue-${area.id}`, caption: 'Overdue: deadline passed, reminder sent', rows: overdue },
        { id: `breached-${area.id}`, caption: 'Deadline missed after the reminder: needs a coordinator', rows: needsPerson },
        { id: `open-${area.id}`, caption: 'Open, within deadline', rows: open },
        { id: `declined-${area.id}`, caption: 'Declined by a team', rows: declined },
      ],
    };
  }));
  return page('portal/coordinator.njk', { ...view, title: 'All teams', nav: 'coordinator', areas: shown });
}

async function signedInRoutes(event: APIGatewayProxyEventV2, path: string, method: string, signedIn: SignedIn, now: Date): Promise<Result> {
  const { caller, view } = signedIn;
  if (method === 'GET' && (path === '/portal' || path === '/portal/')) return redirect('/portal/inbox');
  if (method === 'GET' && path === '/portal/inbox') {
    // A commissioner has no team inbox: their work is the reports.
    const inTeam = teamsOf(caller, serviceConfig.areas.flatMap((a) => a.teams.map((t) => t.id))).length > 0;
    if (!inTeam && areasCommissioned(caller).length > 0 && areasCoordinated(caller).length === 0) return redirect('/portal/reports');
    return inboxPage(event, signedIn, now);
  }
  if (method === 'GET' && path === '/portal/coordinator') return coordinatorPage(signedIn, now);
  if (method === 'GET' && path === '/portal/reports') return reportsPage(event, signedIn, now);
  if (method === 'GET' && path === '/portal/reports/download.csv') return reportsCsv(event, signedIn, now);

  const match = /^\/portal\/referrals\/([^/]+)(?:\/(reassign)|\/teams\/([^/]+)\/(acknowledge|decline))?$/.exec(path);
  const reference = match?.[1] ?? '';
  const teamId = match?.[3];
  if (!match || !isReference(reference) || (teamId !== undefined && !TEAM_ID.test(teamId))) return notFound(view);
  const action = (match[2] ?? match[4]) as 'reassign' | Action | undefined;

  if (method === 'GET') {
    if (!action) return referralPage(reference, signedIn, now);
    if (action === 'reassign') return reassignPage(reference, signedIn);
    return assignmentActionPage(reference, teamId!, action, signedIn);
  }

  const form = formBody(event);
  if (!action || !form || !sameToken(signedIn.session.csrf, form.get('csrf'))) {
    logger.warn('Portal form refused: no valid form token', { path: action ?? 'referral' });
    return messagePage('This form has expired', ['Nothing was changed. Go back to the referral and try again.'], 403,
      { ...view, linkHref: `/portal/referrals/${reference}`, linkText: 'Back to the referral' });
  }
  const flash = async (message: string) => savePortalSession({ ...signedIn.session, flash: message }, now);

  if (action === 'acknowledge') {
    try {
      await acknowledgeAssignment(reference, teamId!, caller, now);
    } catch (error) {
      if (error instanceof Conflict) {
        return assignmentActionPage(reference, teamId!, action, signedIn, new Map([['status', error.errors[0]?.message ?? 'This cannot be acknowledged now.']]));
      }
      throw error;
    }
    await flash(`Referral ${reference} acknowledged for ${teamName(serviceConfig, teamId!)}.`);
    return redirect(`/portal/referrals/${reference}`);
  }
  if (action === 'decline') {
    const reason = reasonText('your team cannot take this referral').safeParse(form.get('reason') ?? '');
    if (!reason.success) {
      return assignmentActionPage(reference, teamId!, action, signedIn, new Map([['reason', reason.error.issues[0]?.message ?? 'Enter a reason']]), (form.get('reason') ?? '').slice(0, 1000));
    }
    try {
      await declineAssignment(reference, teamId!, reason.data, caller, now);
    } catch (error) {
      if (error instanceof Conflict) {
        return assignmentActionPage(reference, teamId!, action, signedIn, new Map([['reason', error.errors[0]?.message ?? 'This cannot be declined now.']]), reason.data);
      }
      throw error;
    }
    await flash(`Referral ${reference} declined. It is being passed to another team.`);
    // The team may no longer see the referral at all once it has moved on: its inbox is where it goes.
    return redirect('/portal/inbox');
  }

  const values = { toTeamId: form.get('toTeamId') ?? '', fromTeamId: form.get('fromTeamId') ?? '', reason: (form.get('reason') ?? '').slice(0, 1000) };
  const errors = new Map<string, string>();
  if (!TEAM_ID.test(values.toTeamId)) errors.set('toTeamId', 'Choose the team that should have it');
  if (values.fromTeamId !== '' && !TEAM_ID.test(values.fromTeamId)) errors.set('fromTeamId', 'Choose a team from the list');
  const reason = reasonText('the referral is moving to this team').safeParse(values.reason);
  if (!reason.success) errors.set('reason', reason.error.issues[0]?.message ?? 'Enter a reason');
  if (errors.size || !reason.success) return reassignPage(reference, signedIn, errors, values);
  try {
    const after = await reassignReferral({
      reference, toTeamId: values.toTeamId, ...(values.fromTeamId ? { fromTeamId: values.fromTeamId } : {}), reason: reason.data, caller, now,
    });
    await flash(`Referral ${reference} re-assigned to ${teamName(serviceConfig, after.teamId)}. Their deadline is ${after.deadlineAt ? londonTime(after.deadlineAt) : 'set'}.`);
  } catch (error) {
    if (error instanceof InvalidInput || error instanceof Conflict) {
      return reassignPage(reference, signedIn, new Map(error.errors.map((e) => [e.path || 'toTeamId', e.message])), values);
    }
    throw error;
  }
  return redirect(`/portal/referrals/${reference}`);
}

/**
 * The partner agency portal (SPEC §1, §8): server-rendered pages for caseworkers and coordinators.
 * The portal checks its own sessions rather than sitting behind the API's authorizer, because a person
 * who is not signed in must be sent to sign in and brought back, not shown a bare 401.
 */
const agencyPortal = async (event: APIGatewayProxyEventV2): Promise<Result> => {
  const now = new Date();
  const method = event.requestContext.http.method.toUpperCase();
  const path = event.rawPath.replace(/\/+$/, '') || '/portal';
  if (path === '/reports') return redirect('/portal/reports');
  const id = portalSessionId(event);
  const session = id ? await getPortalSession(id, now) : undefined;

  if (path === '/portal/sign-in' || path.startsWith('/portal/sign-in/')) return signInRoutes(event, path, method, session, now);

  if (path === '/portal/sign-out' && method === 'POST') {
    const form = formBody(event);
    if (session && form && sameToken(session.csrf, form.get('csrf'))) {
      await deletePortalSession(session.id);
      if (session.signedIn?.refreshToken) await signOut(session.signedIn.refreshToken);
      metrics.addMetric('PortalSignOut', MetricUnit.Count, 1);
    }
    const signedOut = messagePage('You have signed out', ['Close this window if you are using a shared computer.'], 200,
      { linkHref: '/portal/sign-in', linkText: 'Sign in again' });
    return { ...signedOut, cookies: [endedSessionCookie(event)] };
  }

  const current = await signedInCaller(session);
  if (!current) {
    // Back to this page after signing in. Only GETs: a form posted after the session ended is not replayed.
    const returnTo = method === 'GET' && RETURN_PATH.test(path) ? path : undefined;
    const fresh: PortalSession = { id: session && !session.signedIn ? session.id : newSecret(), csrf: session?.csrf && !session.signedIn ? session.csrf : newSecret(), returnTo };
    if (session?.signedIn) await deletePortalSession(session.id);
    await savePortalSession(fresh, now);
    return redirect('/portal/sign-in', fresh.id === id ? [] : [sessionCookie(fresh.id, event, 12 * 60 * 60)]);
  }
  const signedIn: SignedIn = { caller: current.caller, session: { ...current.session, flash: undefined }, view: viewOf(current.caller, current.session) };
  // Saving moves the idle timeout on and drops a flash message once it has been shown.
  await savePortalSession(signedIn.session, now);
  try {
    return await signedInRoutes(event, path, method, signedIn, now);
  } catch (error) {
    if (error instanceof NotAllowed) return messagePage('You cannot open this', [error.errors[0]?.message ?? 'Your account does not give you access to this.'], 403, signedIn.view);
    if (error instanceof NotFound) return notFound(signedIn.view);
    throw error;
  }
};

export const handler = middy(agencyPortal).use(httpDefaults());
