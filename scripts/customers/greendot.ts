/**
 * Green Dot's scripted customer. The simulator decides OFAC from the last name (sandbox/README.md, Green Dot):
 * `Ofac…` is a partial match approved after the review delay (or by the review control), `Ofacdecline…` one
 * declined; anything else passes at once. The customer accepts every terms shown, activates a physical card once
 * "received", and the app pushes the card to Google Pay with made-up device data.
 */
import { GREENDOT_ACTIONS } from '../../contract/greendot.js';
import type {
  GreendotAcceptTermsActionData,
  GreendotAcceptTermsInput,
  GreendotProviderInput,
  GreendotPushProvisioningInput,
} from '../../contract/greendot.js';
import { madeUpApplicant, sandboxSsn } from './applicant.js';
import type { CustomerAnswer, PendingAsk, Scenario, ScriptedCustomer, StartBody, StartChoices } from './types.js';

const WELCOME = { amount: 10, currency: 'USD', adjustmentType: 'promo', description: 'Welcome bonus' } as const;
/** Made-up device data: what a wallet SDK hands the app. */
const DEVICE: GreendotPushProvisioningInput = {
  walletType: 'googlePay',
  deviceId: 'demo-device-0001',
  walletAccountId: 'demo-wallet-0001',
};

function answer(pending: PendingAsk): CustomerAnswer | undefined {
  switch (pending.action) {
    case GREENDOT_ACTIONS.acceptTerms: {
      const { terms = [] } = pending.data as Partial<GreendotAcceptTermsActionData>;
      if (terms.length === 0) return undefined;
      return {
        action: pending.action,
        body: { termsIdentifiers: terms.map((t) => t.termsIdentifier) } satisfies GreendotAcceptTermsInput,
        say: `customer reads and accepts ${terms.map((t) => t.name).join(', ')}`,
      };
    }
    case GREENDOT_ACTIONS.activateCard:
      return { action: pending.action, body: {}, say: 'the card arrives by mail; customer activates it' };
    case GREENDOT_ACTIONS.pushProvisioning:
      return {
        action: pending.action,
        body: { ...DEVICE },
        say: 'the app pushes the card to Google Pay (the wallet payload comes back in the answer, not shown)',
      };
    default:
      return undefined;
  }
}

/** `ofac` prefixes the person's last name with the simulator's control (`Ofac`, `Ofacdecline`). */
function scenario(what: string, block: GreendotProviderInput, ofac = ''): Scenario {
  return {
    what,
    startBody: (customerRef: string, choices: StartChoices = {}): StartBody => {
      const person = madeUpApplicant('000000000', choices.person);
      const last = ofac ? `${ofac}${person.name.last.toLowerCase()}`.slice(0, 25) : person.name.last;
      return {
        provider: 'greendot',
        customerRef,
        applicant: {
          ...madeUpApplicant(sandboxSsn('400', customerRef), choices.person),
          name: { ...person.name, last },
        },
        greendot: block,
        ...(choices.options ? { options: choices.options } : {}),
      };
    },
    answer,
  };
}

const scenarios = {
  approved: scenario('terms, enrollment, account, virtual card, welcome credit posted, transactions read', {
    welcomeAdjustment: WELCOME,
    transactions: { verifyAdjustmentPosted: true },
  }),
  'bonus-first': scenario('as approved, the welcome credit before the card', {
    welcomeAdjustment: { ...WELCOME, timing: 'beforeCard' },
  }),
  physical: scenario('a physical card the customer activates, pushed to Google Pay', {
    card: { issue: 'physical' },
    pushProvisioning: { wallet: 'googlePay' },
  }),
  ofac: scenario(
    'OFAC partial match: manual review (approved by the sandbox), then as approved',
    {
      welcomeAdjustment: WELCOME,
    },
    'Ofac',
  ),
  'ofac-declined': scenario('OFAC partial match declined by the review: rejected', {}, 'Ofacdecline'),
};

export const greendotCustomer: ScriptedCustomer<keyof typeof scenarios> = {
  provider: 'greendot',
  displayName: 'Green Dot',
  scenarios,
  defaultScenario: 'approved',
  bench: {
    scenario: 'approved',
  },
};
