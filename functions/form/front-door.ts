import { deleteFormSession } from '../adapters/form-session-store.js';
import { page, redirect } from '../http/pages.js';
import type { Route } from './request.js';
import { sessionIdFrom } from './session-cookie.js';

const START = {
  title: 'Get help with stalking or harassment',
  paragraphs: [
    'Use this form to ask for help if someone is stalking or harassing you.',
    'We will ask what has been happening and how we can reach you safely. It takes about 10 minutes.',
    'We pass what you tell us to a local support service. Someone from that service will get in touch with you.',
    'Your answers are kept on our system, not on your phone or computer. If you stop for an hour, they are deleted.',
  ],
  linkHref: '/refer/danger', buttonText: 'Start now', startButton: true,
};

/** The service's front door: the form first, and the way in for staff, for anyone who opens the bare address. */
const ROOT = {
  title: START.title,
  paragraphs: [
    'If someone is stalking or harassing you, you can ask for help here. We will pass your request to a local support service.',
    'It takes about 10 minutes. You do not need to have told the police.',
  ],
};

/** Where "Exit this page" leaves for: a neutral site that says nothing about this service. */
const NEUTRAL_SITE = 'https://www.bbc.co.uk/weather';

export const showFrontDoor: Route = async () => page('start.njk', ROOT);

export const showStart: Route = async () => page('page.njk', START);

/** Ends the session here and in the browser before leaving: nothing typed can be opened again from it. */
export const leave: Route = async ({ event, endSession }) => {
  const id = sessionIdFrom(event);
  if (id) await deleteFormSession(id);
  return redirect(NEUTRAL_SITE, endSession);
};
