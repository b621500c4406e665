import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { page } from '../http/pages.js';

type Result = APIGatewayProxyStructuredResultV2;

/** Help anyone can reach without us (SPEC §4's national options): for no consent, and for a postcode we do not cover. */
const DIRECT_HELP = [
  'In an emergency, call 999. If you cannot talk, call 999 from a mobile and press 55 when asked.',
  'To report it to the police when it is not an emergency, call 101.',
  'National Stalking Helpline: 0808 802 0300.',
  'Victim Support: 08 08 16 89 111, free, day or night.',
];

/** For a post that cannot be trusted (no session, a wrong form token, the trap field filled in). */
export const answersDeleted = (): Result => page('page.njk', {
  title: 'Your answers have been deleted',
  paragraphs: ['To keep you safe, we delete answers after an hour, or if something looks wrong. You will need to start again.'],
  linkHref: '/refer', buttonText: 'Start again',
}, [], 400);

export const consentRefused = (endSession: string[]): Result => page('page.njk', {
  title: 'We have not kept anything you told us',
  paragraphs: ['We can only pass on your request if you agree to us sharing it. You can still get help by contacting a service yourself:'],
  list: DIRECT_HELP,
  linkHref: '/refer', buttonText: 'Go back to the start',
}, endSession);

/**
 * What happens next, truthfully: inside an area a local service is asked to get in touch; outside every
 * area nobody is (the coordinator only decides later whether a team can take it), so the victim is given
 * the national options instead of a promise.
 */
export function confirmation(sent: { reference: string; outOfArea: boolean }, sentBefore: boolean, endSession: string[]): Result {
  const again = sentBefore ? ['You had already sent this request, so we have not sent it again. There is still only one request, with this reference.'] : [];
  if (sent.outOfArea) {
    return page('page.njk', {
      title: 'We have your request, but it is outside our area', reference: sent.reference,
      paragraphs: [
        ...again,
        'The postcode you gave is outside the areas this service covers. We have not asked a local support service to contact you, so please do not wait to hear from us.',
        'You can get help now from these services:',
      ],
      list: DIRECT_HELP,
    }, endSession);
  }
  return page('page.njk', {
    title: 'We have your request for help', reference: sent.reference,
    paragraphs: [
      ...again,
      'A support worker will get in touch with you, using the safe ways you told us. This is usually within 2 working days, and sooner if you may be at risk.',
      'You do not need to write the reference down. If you do, keep it somewhere the person cannot find it.',
      'If you are in danger at any time, call 999.',
    ],
  }, endSession);
}
