/**
 * QBO's wire shapes shared by every route: the two fault envelopes, the error codes and their
 * messages, and times. Errors answer `{"Fault":{"Error":[{Message,Detail,code,element}],"type"},"time"}`
 * with `code` a string; a 401 answers the lower-case quirk `{"fault":{"error":[{message,detail,code}],
 * "type"},"time"}`. Times are ISO 8601 with an offset: the sandbox renders them in Pacific standard
 * time (`-08:00`, as QBO renders company times), so a client that drops the offset is caught.
 */

/** One QBO refusal: thrown by the books, answered by the server in the right envelope. */
export class QboError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly detail: string,
    readonly type = 'ValidationFault',
    readonly element?: string,
  ) {
    super(message);
  }
}

const OFFSET_MS = -8 * 3_600_000;

/** Epoch ms → `2026-07-30T09:15:02.123-08:00`. */
export function qboTime(ms: number): string {
  return `${new Date(ms + OFFSET_MS).toISOString().slice(0, -1)}-08:00`;
}

/** The body of a refusal: upper-case `Fault`, except a 401's lower-case one. */
export function faultBody(error: QboError, now: number): unknown {
  if (error.status === 401) {
    return {
      fault: { error: [{ message: error.message, detail: error.detail, code: error.code }], type: error.type },
      time: qboTime(now),
    };
  }
  const entry: Record<string, string> = { Message: error.message, Detail: error.detail, code: error.code };
  if (error.element) entry.element = error.element;
  return { Fault: { Error: [entry], type: error.type }, time: qboTime(now) };
}

// The refusals, by code, with QBO's own messages.

export const authenticationFailed = (detail: string) =>
  new QboError(401, '3200', 'message=AuthenticationFailed; errorCode=003200; statusCode=401', detail, 'AUTHENTICATION');

export const authorizationFailed = (realmId: string) =>
  new QboError(
    401,
    '120',
    'message=AuthorizationFailure; errorCode=000120; statusCode=401',
    `Authorization Failure: the user who connected company ${realmId} no longer has access to it`,
    'AuthorizationFault',
  );

export const throttled = () =>
  new QboError(
    429,
    '3001',
    'message=ThrottleExceeded; errorCode=003001; statusCode=429',
    'The request limit for this resource has been reached.',
    'ThrottleExceeded',
  );

export const systemFault = (status = 500) =>
  new QboError(
    status,
    '10000',
    'An application error has occurred while processing your request',
    'System Failure Error: injected fault',
    'SystemFault',
  );

export const objectNotFound = (what: string, element?: string) =>
  new QboError(400, '610', 'Object Not Found', `Object Not Found : ${what}`, 'ValidationFault', element);

export const requiredParamMissing = (element: string) =>
  new QboError(
    400,
    '2020',
    'Required param missing, need to supply the required value for the API',
    `Required parameter ${element} is missing in the request`,
    'ValidationFault',
    element,
  );

export const invalidProperty = (element: string, detail: string) =>
  new QboError(
    400,
    '2010',
    'Request has invalid or unsupported property',
    `Property Name:${element} ${detail}`,
    'ValidationFault',
    element,
  );

export const invalidReference = (element: string, value: unknown) =>
  new QboError(
    400,
    '2500',
    'Invalid Reference Id',
    `Invalid Reference Id : ${element} is ${JSON.stringify(value)}, expected a numeric string id`,
    'ValidationFault',
    element,
  );

export const invalidStringLength = (element: string, max: number, length: number) =>
  new QboError(
    400,
    '2050',
    'String length is either shorter or longer than supported by specification',
    `String length specified does not match the supported length. Max: ${max}, Supplied length: ${length}`,
    'ValidationFault',
    element,
  );

export const staleObject = (entity: string, id: string, sent: string, current: string) =>
  new QboError(
    400,
    '5010',
    'Stale Object Error',
    `Stale Object Error : You and root were working on this at the same time. root finished before you did, so your work was not saved. (${entity} ${id}: SyncToken ${sent} sent, ${current} current)`,
  );

export const businessValidation = (detail: string, element?: string) =>
  new QboError(
    400,
    '6000',
    'A business validation error has occurred while processing your request',
    detail,
    'ValidationFault',
    element,
  );

export const amountMismatch = (detail: string) =>
  new QboError(400, '6070', 'Amount calculation incorrect in the request', detail, 'ValidationFault', 'Line.Amount');

export const duplicateDocNumber = (docNumber: string) =>
  new QboError(
    400,
    '6140',
    'Duplicate Document Number Error',
    `Duplicate Document Number Error : You must specify a different number. This number has already been used. DocNumber=${docNumber}`,
  );

export const companyInactive = (realmId: string) =>
  new QboError(
    400,
    '6190',
    'Invalid Company Status',
    `Subscription period has ended or canceled or there was a billing problem : You can't add data to QuickBooks Online company ${realmId} because the subscription has ended`,
  );

export const periodClosed = (txnDate: string, closingDate: string) =>
  new QboError(
    400,
    '6210',
    'Account Period Closed, cannot update through Services API',
    `The account period has closed and the account books cannot be updated through through the QBO Services API. Please use the QBO website to make these changes. (TxnDate ${txnDate} is on or before the closing date ${closingDate})`,
  );

export const duplicateName = (name: string, id: string) =>
  new QboError(
    400,
    '6240',
    'Duplicate Name Exists Error',
    `The name supplied already exists. : Another customer, vendor or employee is already using this name. Please use a different name. (${JSON.stringify(name)}, Id=${id})`,
  );

export const queryParseError = (detail: string) =>
  new QboError(400, '4000', 'Error parsing query', `QueryParserError: ${detail}`);

export const queryValidationError = (detail: string) =>
  new QboError(400, '4001', 'Invalid query', `QueryValidationError: ${detail}`);

export const unsupportedOperation = (detail: string) =>
  new QboError(400, '500', 'Unsupported Operation', `Operation ${detail} is not supported.`);
