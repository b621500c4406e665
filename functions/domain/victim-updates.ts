import type { AgencyEmail } from './agency-email.js';
import { ERASED } from './erasure.js';
import type { ReferralSubmission } from './referral.js';
import { IMPORTED_BY, REFERRAL_PK, type StreamRecord } from './stream-records.js';

/** The two messages a victim may ask for (SPEC §6): we have the request; a team has picked it up. */
export type VictimUpdate = 'received' | 'picked-up';

type Image = Record<string, { S?: string } | undefined>;

/**
 * What the victim-updates consumer acts on, in stream order: a referral newly stored by intake (not an
 * import), and an assignment moving to ACKNOWLEDGED from anything else. Whether the victim asked for
 * updates is read from the stored referral, which may have been erased since.
 */
export function victimUpdatesIn(records: readonly StreamRecord[]): { reference: string; update: VictimUpdate; sequenceNumber: string }[] {
  return records.flatMap((record): { reference: string; update: VictimUpdate; sequenceNumber: string }[] => {
    const reference = REFERRAL_PK.exec(record.dynamodb?.Keys?.pk?.S ?? '')?.[1];
    const sk = record.dynamodb?.Keys?.sk?.S ?? '';
    const sequenceNumber = record.dynamodb?.SequenceNumber ?? '';
    if (!reference) return [];
    if (record.eventName === 'INSERT' && sk === 'REFERRAL' && record.dynamodb?.NewImage?.[IMPORTED_BY] === undefined) {
      return [{ reference, update: 'received', sequenceNumber }];
    }
    const images = record.dynamodb as { NewImage?: Image; OldImage?: Image } | undefined;
    if (record.eventName === 'MODIFY' && sk.startsWith('ASSIGNMENT#')
      && images?.NewImage?.status?.S === 'ACKNOWLEDGED' && images.OldImage?.status?.S !== undefined && images.OldImage.status.S !== 'ACKNOWLEDGED') {
      return [{ reference, update: 'picked-up', sequenceNumber }];
    }
    return [];
  });
}

/**
 * The event source mapping's filters, mirroring the rule above, so the consumer is invoked only for
 * referrals whose victim asked for updates and for acknowledgements (a few a day, not every write).
 */
export const VICTIM_UPDATE_FILTERS = [
  {
    eventName: ['INSERT'],
    dynamodb: {
      Keys: { sk: { S: ['REFERRAL'] } },
      NewImage: { [IMPORTED_BY]: { S: [{ exists: false }] }, submission: { M: { updates: { M: { byEmail: { BOOL: [true] } } } } } },
    },
  },
  {
    eventName: ['MODIFY'],
    dynamodb: {
      Keys: { sk: { S: [{ prefix: 'ASSIGNMENT#' }] } },
      NewImage: { status: { S: ['ACKNOWLEDGED'] } },
      OldImage: { status: { S: [{ 'anything-but': ['ACKNOWLEDGED'] }] } },
    },
  },
] as const;

/**
 * Where updates go, if anywhere: only an address the victim chose as a safe way to reach them, and only
 * when they asked for updates. Never a referrer's or anyone else's, and nothing once erased.
 */
export function updateAddress(submission: ReferralSubmission): string | undefined {
  const { victim, updates } = submission;
  if (updates?.byEmail !== true || !victim.safeContact.methods.includes('email')) return undefined;
  if (!victim.email || victim.email === ERASED) return undefined;
  return victim.email;
}

/** The notice name that makes each update sent at most once per referral (see noticeAlreadySent). */
export const updateNotice = (update: VictimUpdate) => `victim-update:${update}`;

/**
 * A message anyone could read over the victim's shoulder: the reference and that something happened,
 * nothing of what they told us, no word about stalking, no link, no service name in the subject.
 */
export function victimUpdateEmail(update: VictimUpdate, reference: string, to: string): AgencyEmail {
  const lines = update === 'received'
    ? [
      `We have received your request. Your reference is ${reference}.`,
      'You do not need to reply to this email.',
    ]
    : [
      `Your request ${reference} has been picked up.`,
      'Someone will be in touch in the way you asked.',
      'You do not need to reply to this email.',
    ];
  return {
    to,
    subject: `Your reference ${reference}`,
    text: `${lines.join('\n\n')}\n`,
    html: lines.map((line) => `<p>${line}</p>`).join('\n'),
  };
}
