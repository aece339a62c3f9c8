/**
 * Green Dot's envelope: every answer carries `responseDetails: [{code, subCode, description}]` [doc], errors and
 * business outcomes alike (the latter inside HTTP 200). Codes are listed in sandbox/README.md, section "Green Dot".
 */
export interface ResponseDetail {
  code: number;
  subCode: number;
  description: string;
}

export const SUCCESS: ResponseDetail = { code: 0, subCode: 0, description: 'Success' };

export const detail = (code: number, subCode: number, description: string): ResponseDetail => ({
  code,
  subCode,
  description,
});

/** A refusal in Green Dot's envelope; thrown by the rules, answered (and stored for idempotency) by the routes. */
export class GreenDotError extends Error {
  readonly details: ResponseDetail[];

  constructor(
    readonly status: 400 | 401 | 404 | 409,
    details: ResponseDetail | ResponseDetail[],
  ) {
    const list = Array.isArray(details) ? details : [details];
    super(list.map((d) => d.description).join('; '));
    this.name = 'GreenDotError';
    this.details = list;
  }

  toBody(): { responseDetails: ResponseDetail[] } {
    return { responseDetails: this.details };
  }
}

export const invalidField = (path: string, message: string): ResponseDetail => detail(400, 0, `${path}: ${message}`);

export const accountNotFound = (id: string): GreenDotError =>
  new GreenDotError(404, detail(10, 0, `accountIdentifier: no account ${id}`));

export const accountNotHealthy = (status: string): GreenDotError =>
  new GreenDotError(409, detail(4503, 0, `Account status not healthy (status ${status})`));

export const cardNotFound = (id: string): GreenDotError =>
  new GreenDotError(404, detail(11, 0, `paymentInstrumentIdentifier: no payment instrument ${id}`));

/** The body of an injected fault (5xx, 429): Green Dot's "General Exception" (code 0). */
export function greenDotFaultBody(status: number): { responseDetails: ResponseDetail[] } {
  if (status === 429) return { responseDetails: [detail(0, 0, 'Too Many Requests')] };
  return { responseDetails: [detail(0, 0, 'General Exception')] };
}
