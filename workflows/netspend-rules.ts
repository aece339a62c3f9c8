/**
 * The validators of the Netspend customer actions (deterministic: the workflow's Update validators run them) and
 * the reading of Netspend's PIN refusal. A failing check names the field (→ 422) and never echoes a secret.
 */
import { ApplicationFailure } from '@temporalio/workflow';
// A constants-only file written for workflows; the lint pattern meant for Node's `http` module matches its folder.
import { PROVIDER_BUSINESS_ERROR } from '../contract/provider-failures.js';
import { NETSPEND_CARD_TYPES } from '../contract/netspend.js';
import type {
  NetspendAcceptAgreementsInput,
  NetspendAgreement,
  NetspendAnswer,
  NetspendAnswersInput,
  NetspendCardBrand,
  NetspendCardType,
  NetspendChooseCardInput,
  NetspendQuestion,
} from '../contract/netspend.js';
import { firstProblem, usAddressRule } from '../contract/rules.js';
import { invalidAction } from './shared/failures.js';
import type { InvalidField } from './shared/failures.js';

/** Netspend refusing the PIN is the customer's to fix (422); anything else is not (null). Never the PIN. */
export function pinRefusal(err: unknown): ApplicationFailure | null {
  let cause: unknown = err;
  while (cause instanceof Error && !(cause instanceof ApplicationFailure) && cause.cause) cause = cause.cause;
  if (cause instanceof ApplicationFailure && cause.type === PROVIDER_BUSINESS_ERROR) {
    const details = cause.details?.[0] as { code?: unknown } | undefined;
    const code = typeof details?.code === 'string' ? details.code : 'refused';
    return invalidAction({ field: 'pin', message: `Netspend did not accept this PIN (${code})` });
  }
  return null;
}

export function validateAnswers(
  body: NetspendAnswersInput,
  questions: readonly NetspendQuestion[],
): InvalidField | null {
  const answers: unknown = (body as Partial<NetspendAnswersInput> | undefined)?.answers;
  if (!Array.isArray(answers) || answers.length === 0) {
    return { field: 'answers', message: 'one answer per question is required' };
  }
  const seen = new Set<string>();
  for (const [index, answer] of answers.entries()) {
    const at = `answers[${index}]`;
    const { questionId, answerId } = (answer ?? {}) as Partial<Record<keyof NetspendAnswer, unknown>>;
    const question = questions.find((candidate) => candidate.questionId === questionId);
    if (typeof questionId !== 'string' || !question) {
      return { field: `${at}.questionId`, message: `not one of ${questions.map((q) => q.questionId).join(', ')}` };
    }
    if (seen.has(questionId)) return { field: `${at}.questionId`, message: `${questionId} is answered twice` };
    seen.add(questionId);
    if (typeof answerId !== 'string' || !question.answers.some((choice) => choice.answerId === answerId)) {
      return { field: `${at}.answerId`, message: `not one of the answers offered for ${questionId}` };
    }
  }
  const unanswered = questions.filter((question) => !seen.has(question.questionId));
  if (unanswered.length > 0) {
    return { field: 'answers', message: `unanswered: ${unanswered.map((question) => question.questionId).join(', ')}` };
  }
  return null;
}

export function validateAgreementIds(
  body: NetspendAcceptAgreementsInput,
  offered: readonly NetspendAgreement[],
): InvalidField | null {
  const agreementIds: unknown = (body as Partial<NetspendAcceptAgreementsInput> | undefined)?.agreementIds;
  if (!Array.isArray(agreementIds) || agreementIds.length === 0) {
    return { field: 'agreementIds', message: 'at least one agreement id is required' };
  }
  for (const [index, agreementId] of agreementIds.entries()) {
    if (typeof agreementId !== 'string' || !offered.some((agreement) => agreement.agreementId === agreementId)) {
      return {
        field: `agreementIds[${index}]`,
        message: `not one of ${offered.map((agreement) => agreement.agreementId).join(', ')}`,
      };
    }
  }
  return null;
}

export function validateCardChoice(
  body: NetspendChooseCardInput,
  brands: readonly NetspendCardBrand[],
): InvalidField | null {
  const { type, brandName, shippingAddress } = (body ?? {}) as Partial<Record<keyof NetspendChooseCardInput, unknown>>;
  if (typeof type !== 'string' || !(NETSPEND_CARD_TYPES as readonly string[]).includes(type)) {
    return { field: 'type', message: `one of ${NETSPEND_CARD_TYPES.join(', ')}` };
  }
  if (typeof brandName !== 'string' || !brands.some((brand) => brand.brandName === brandName)) {
    return { field: 'brandName', message: `one of ${brands.map((brand) => brand.brandName).join(', ')}` };
  }
  if (shippingAddress === undefined || shippingAddress === null) return null;
  if ((type as NetspendCardType) !== 'physical') {
    return { field: 'shippingAddress', message: 'only a physical card is shipped' };
  }
  return firstProblem(usAddressRule(shippingAddress), 'shippingAddress');
}
