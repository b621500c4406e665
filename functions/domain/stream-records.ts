/** The parts of a DynamoDB stream record the consumers read (new images, keys as DynamoDB JSON). */
export interface StreamRecord {
  readonly eventName?: 'INSERT' | 'MODIFY' | 'REMOVE' | string;
  readonly dynamodb?: {
    readonly Keys?: Record<string, { S?: string } | undefined>;
    readonly NewImage?: Record<string, { S?: string } | undefined>;
    readonly SequenceNumber?: string;
  };
}

/** A referral's partition key, with its reference captured: every consumer reads references this way. */
export const REFERRAL_PK = /^REFERRAL#(SR-[A-Z0-9]{4}-[A-Z0-9]{4})$/;

/**
 * The attribute that marks a referral written by an import (the synthetic year `npm run seed` writes, a
 * migration), not by intake: its history is already written, and it must not start a workflow.
 */
export const IMPORTED_BY = 'importedBy';

/**
 * The referrals a batch of stream records newly stored, in stream order, each with the sequence number
 * a consumer reports when it could not act on it. A referral item's first write is its only INSERT:
 * later changes (status moves, erasure) arrive as MODIFY and start nothing; imports start nothing.
 */
export function newReferralsIn(records: readonly StreamRecord[]): { reference: string; sequenceNumber: string }[] {
  return records.flatMap((record) => {
    if (record.eventName !== 'INSERT') return [];
    const keys = record.dynamodb?.Keys;
    const reference = REFERRAL_PK.exec(keys?.pk?.S ?? '')?.[1];
    if (!reference || keys?.sk?.S !== 'REFERRAL') return [];
    if (record.dynamodb?.NewImage?.[IMPORTED_BY] !== undefined) return [];
    return [{ reference, sequenceNumber: record.dynamodb?.SequenceNumber ?? '' }];
  });
}

/**
 * The event source mapping's filter for the workflow starter: only new referral items reach it, so the
 * function is not invoked for the many other writes (events, assignments, sessions, report totals).
 * Kept beside the domain rule it mirrors; the stack puts it in the template and the local cloud reads it.
 */
export const NEW_REFERRAL_FILTER = {
  eventName: ['INSERT'],
  dynamodb: { Keys: { sk: { S: ['REFERRAL'] } }, NewImage: { [IMPORTED_BY]: { S: [{ exists: false }] } } },
} as const;
