/**
 * What the workflow and the handlers agree on. Kept free of CDK imports so handlers can use it without
 * pulling infrastructure code into their bundles.
 */

/** The error a decline sends back to the waiting task (SendTaskFailure). */
export const DECLINED_ERROR = 'AssignmentDeclined';

/**
 * Errors a handler raises when trying again cannot help (the referral is missing, the input is malformed).
 * Everything else is treated as transient and retried with backoff before the failure path takes over.
 */
export const PERMANENT_ERRORS = ['PermanentFailure'];
