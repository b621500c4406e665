/**
 * What the workflow and the handlers agree on. Kept free of CDK imports so handlers can use it without
 * pulling infrastructure code into their bundles.
 */

/** The error a decline sends back to the waiting task (SendTaskFailure). */
export const DECLINED_ERROR = 'AssignmentDeclined';

/**
 * SES refusing to send to an address, or refusing to send at all, for reasons that waiting will not
 * cure: a rejected recipient, a request SES calls malformed, an unverified sender, a suspended or
 * paused account. An email step failing with one of these goes to a person at once.
 */
export const EMAIL_REFUSED_ERRORS = [
  'MessageRejected', 'BadRequestException', 'MailFromDomainNotVerifiedException', 'AccountSuspendedException', 'SendingPausedException',
];

/**
 * Errors that trying again cannot help: our own (the referral is missing, the input is malformed),
 * SES's refusals above and DynamoDB's ValidationException (a request the table will never accept).
 * Everything else is transient and retried for minutes before the failure path takes over.
 */
export const PERMANENT_ERRORS = ['PermanentFailure', 'ValidationException', ...EMAIL_REFUSED_ERRORS];

/**
 * How a Lambda task reports that the Lambda service, not the function, failed (AWS's documented
 * retrier for Lambda tasks lists these).
 */
export const LAMBDA_SERVICE_ERRORS = [
  'Lambda.ClientExecutionTimeoutException', 'Lambda.ServiceException', 'Lambda.AWSLambdaException', 'Lambda.SdkClientException',
  'Lambda.TooManyRequestsException',
];
