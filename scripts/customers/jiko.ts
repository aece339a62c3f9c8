/**
 * Jiko's scripted customer. Jiko's sandbox decides from the SSN (4… approves after the first apply; 21… asks for
 * ID_FRONT, ID_BACK and a SELFIE, then approves after the re-apply since the third digit is 0). The customer
 * accepts the agreements version it is shown and uploads a tiny image for each document still required.
 */
import { createHmac, randomUUID } from 'node:crypto';
import { JIKO_ACTIONS } from '../../contract/jiko.js';
import type {
  AcceptAgreementsInput,
  JikoDocumentsActionData,
  JikoDocumentType,
  JikoProviderInput,
} from '../../contract/jiko.js';
import { startBodyFor } from './applicant.js';
import type { CustomerAnswer, PendingAsk, Scenario, ScriptedCustomer, SignedWebhook, StartChoices } from './types.js';

/** What only Jiko needs; fixed timestamps so a repeated start is the same request. */
export const JIKO_START_BLOCK: JikoProviderInput = {
  investmentProfile: {
    employmentStatus: 'EMPLOYED',
    income: 'BETWEEN_50K_AND_100K',
    netWorth: 'BELOW_50K',
    occupation: 'Engineer',
  },
  contactVerification: { phoneVerifiedAt: '2026-01-01T10:00:00Z', emailVerifiedAt: '2026-01-01T10:01:00Z' },
};

/** A 1×1 PNG: the sandbox accepts any image, and nothing real is ever uploaded by a script. */
export const TINY_PNG_BASE64 =
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==';

/** The HTTP body of `uploadDocuments`: the images themselves (the gateway turns them into claim checks). */
export interface JikoUploadDocumentsBody {
  documents: { type: JikoDocumentType; contentType: 'image/png'; contentBase64: string }[];
}

function answer(pending: PendingAsk): CustomerAnswer | undefined {
  switch (pending.action) {
    case JIKO_ACTIONS.acceptAgreements: {
      const { version } = pending.data;
      if (typeof version !== 'string') return undefined;
      return {
        action: pending.action,
        body: { version } satisfies AcceptAgreementsInput,
        say: `customer reads the agreements (version ${version}) and accepts them`,
      };
    }
    case JIKO_ACTIONS.uploadDocuments: {
      const { documents: required = [] } = pending.data as Partial<JikoDocumentsActionData>;
      // Any one type of a requirement clears it: the first is as good as the others.
      const types = required.filter((requirement) => !requirement.received).flatMap((r) => r.anyOf.slice(0, 1));
      if (types.length === 0) return undefined;
      return {
        action: pending.action,
        body: {
          documents: types.map((type) => ({ type, contentType: 'image/png' as const, contentBase64: TINY_PNG_BASE64 })),
        } satisfies JikoUploadDocumentsBody,
        say: `customer photographs ${types.join(', ')} and uploads them`,
      };
    }
    default:
      return undefined;
  }
}

function scenario(what: string, ssnPrefix: string): Scenario {
  return {
    what,
    startBody: (customerRef: string, choices?: StartChoices) =>
      startBodyFor('jiko', customerRef, ssnPrefix, JIKO_START_BLOCK, choices),
    answer,
  };
}

/** A Jiko webhook as Jiko sends it: the event envelope, signed with the HMAC-SHA256 of the body (base64). */
export function signedJikoWebhook(
  secret: string,
  eventType: string,
  payload: Record<string, unknown>,
  eventId = `scripted-${randomUUID()}`,
): SignedWebhook {
  const body = JSON.stringify({
    event_id: eventId,
    timestamp: new Date().toISOString(),
    event_type: eventType,
    payload,
  });
  return { body, headers: { 'x-jiko-signature': createHmac('sha256', secret).update(body).digest('base64') } };
}

const scenarios = {
  approved: scenario('approved straight away', '400'),
  documents: scenario('asked for identity documents, then approved', '210'),
};

export const jikoCustomer: ScriptedCustomer<keyof typeof scenarios> = {
  provider: 'jiko',
  displayName: 'Jiko',
  scenarios,
  defaultScenario: 'approved',
  bench: {
    scenario: 'approved',
  },
};
