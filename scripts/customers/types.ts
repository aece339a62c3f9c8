/**
 * A scripted customer: one made-up person per provider who takes the happy path through the gateway's HTTP API.
 * The demo, the history recording, the bench and the e2e tests all play the same one, so a change in a provider's
 * flow is taught to its customer once (scripts/customers/<provider>.ts) instead of four times.
 *
 * Provider-independent: nothing here names a provider. Bodies are plain HTTP bodies (what a backend sends), typed
 * by the contract's action inputs where the two coincide.
 */
import type { Applicant, OnboardingOptions, PendingAction } from '../../contract/onboarding.js';

/** The body of `POST /v1/onboardings`. The provider's own block sits under the provider's name (`jiko: {…}`). */
export interface StartBody {
  provider: string;
  customerRef: string;
  applicant: Applicant;
  options?: OnboardingOptions;
  [providerBlock: string]: unknown;
}

/** What a caller may choose about a start; the scenario decides the rest (the SSN is its sandbox control). */
export interface StartChoices {
  /**
   * Who the customer is, laid over the shared made-up applicant (tests give each onboarding a person of its own,
   * so a search of its history for that person's values means something). The SSN is not here: the scenario
   * chooses it, since the sandboxes read their outcome from its first digits.
   */
  person?: Partial<Omit<Applicant, 'ssn'>>;
  /** The start body's options (reconciliation polling, deadlines). */
  options?: OnboardingOptions;
}

/** The part of a pending action a customer reads. The bench's floor publishes only these two fields. */
export type PendingAsk = Pick<PendingAction, 'action' | 'data'>;

/** What the customer does about one pending action: `POST /v1/onboardings/:id/actions/:action` with `body`. */
export interface CustomerAnswer {
  action: string;
  /** May hold a secret (a card PIN): send it, never print or log it. */
  body: Record<string, unknown>;
  /** The same move in words, for people watching (the demo prints it). Never holds a secret. */
  say: string;
}

export interface Scenario {
  /** One line for people: what happens to this customer. */
  what: string;
  /** The start body; the same `customerRef` (and choices) always gives the same body. */
  startBody(customerRef: string, choices?: StartChoices): StartBody;
  /**
   * The happy-path answer to `pending`, computed from its data (accept what is shown, first choices, tiny
   * documents…); undefined when this customer has none for it (an unknown action, or data it cannot act on).
   */
  answer(pending: PendingAsk): CustomerAnswer | undefined;
  /**
   * What the customer does about a pending action that is not answered through our API but at the provider
   * (opening a hosted KYC link, clicking the link in an email): undefined when there is nothing to do there.
   */
  actElsewhere?(pending: PendingAsk): ElsewhereMove | undefined;
}

/** A customer's move outside our API: done with `act()`, described by `say` (never a secret). */
export interface ElsewhereMove {
  say: string;
  act(): Promise<void>;
}

/** A webhook in the provider's own format and signature, ready to POST to `/webhooks/:provider`. */
export interface SignedWebhook {
  body: string;
  headers: Record<string, string>;
}

export interface ScriptedCustomer<ScenarioName extends string = string> {
  /** As in the start body and the routes (`/webhooks/:provider`). */
  provider: string;
  /** For people (the demo's headline). */
  displayName: string;
  scenarios: Readonly<Record<ScenarioName, Scenario>>;
  /** The scenario the demo plays when none is named. */
  defaultScenario: ScenarioName;
  /** What `npm run bench` needs; a customer without it is not benchmarked. */
  bench?: {
    /** The scenario measured against the floor: the provider's full flow, with nothing waiting on a clock. */
    scenario: ScenarioName;
  };
}
