/**
 * Trying again cannot help (the referral is missing, the input is malformed). The workflow's retry
 * policy matches this name and goes straight to its failure path instead of retrying.
 */
export class PermanentFailure extends Error {
  override readonly name = 'PermanentFailure';
}
