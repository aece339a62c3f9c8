/**
 * What Netspend configures on its side and a partner only reads: account creation contexts (keyed by
 * `provided_id`), their onboarding agreements and card brands, the expected-use survey and the identity questions
 * that cure a conditional KYC. The seed names the concepts; every id, name and URL below is ours (ASSUMED).
 */

export type AccountType = 'DDA' | 'GPR';
export type AgreementType = 'cardholder_terms' | 'esign' | 'privacy_policy';

export interface Agreement {
  agreement_id: string;
  type: AgreementType;
  name: string;
  version: string;
  url: string;
  effective_date: string;
  /** Onboarding agreements must all be accepted by the primary person before the account can activate. */
  required_for_onboarding: boolean;
}

export interface CardBrand {
  brand_name: string;
  display_name: string;
  network: 'visa' | 'mastercard';
  image_url: string;
}

export interface AccountContext {
  provided_id: string;
  account_type: AccountType;
  partner_name: string;
  bank_name: string;
  agreements: readonly Agreement[];
  card_brands: readonly CardBrand[];
}

const docsBase = 'https://sandbox.netspend.invalid/legal';
const brandImages = 'https://sandbox.netspend.invalid/card-art';

function agreementsFor(prefix: 'dda' | 'gpr', programName: string): Agreement[] {
  return [
    {
      agreement_id: `agr_${prefix}_cardholder_v3`,
      type: 'cardholder_terms',
      name: `${programName} Cardholder Agreement`,
      version: '3.0',
      url: `${docsBase}/${prefix}/cardholder-agreement-v3.pdf`,
      effective_date: '2024-01-01',
      required_for_onboarding: true,
    },
    {
      agreement_id: `agr_${prefix}_esign_v2`,
      type: 'esign',
      name: 'E-Sign Consent',
      version: '2.1',
      url: `${docsBase}/${prefix}/esign-consent-v2.pdf`,
      effective_date: '2023-06-01',
      required_for_onboarding: true,
    },
    {
      agreement_id: `agr_${prefix}_privacy_v5`,
      type: 'privacy_policy',
      name: 'Privacy Policy',
      version: '5.0',
      url: `${docsBase}/${prefix}/privacy-policy-v5.pdf`,
      effective_date: '2024-03-15',
      required_for_onboarding: true,
    },
  ];
}

export const ACCOUNT_CONTEXTS: readonly AccountContext[] = [
  {
    provided_id: 'sandbox-dda-checking',
    account_type: 'DDA',
    partner_name: 'Sandbox Partner',
    bank_name: 'Pathward, N.A. (sandbox)',
    agreements: agreementsFor('dda', 'Sandbox Checking'),
    card_brands: [
      {
        brand_name: 'sandbox_checking_visa_classic',
        display_name: 'Checking Visa Classic',
        network: 'visa',
        image_url: `${brandImages}/checking-classic.png`,
      },
      {
        brand_name: 'sandbox_checking_visa_midnight',
        display_name: 'Checking Visa Midnight',
        network: 'visa',
        image_url: `${brandImages}/checking-midnight.png`,
      },
    ],
  },
  {
    provided_id: 'sandbox-gpr-prepaid',
    account_type: 'GPR',
    partner_name: 'Sandbox Partner',
    bank_name: 'The Bancorp Bank (sandbox)',
    agreements: agreementsFor('gpr', 'Sandbox Prepaid'),
    card_brands: [
      {
        brand_name: 'sandbox_prepaid_mastercard',
        display_name: 'Prepaid Mastercard',
        network: 'mastercard',
        image_url: `${brandImages}/prepaid-mastercard.png`,
      },
    ],
  },
];

export function findContext(providedId: string): AccountContext | undefined {
  return ACCOUNT_CONTEXTS.find((context) => context.provided_id === providedId);
}

export function findAgreement(agreementId: string): { agreement: Agreement; context: AccountContext } | undefined {
  for (const context of ACCOUNT_CONTEXTS) {
    const agreement = context.agreements.find((candidate) => candidate.agreement_id === agreementId);
    if (agreement) return { agreement, context };
  }
  return undefined;
}

export interface Question {
  question_id: string;
  text: string;
  answers: { answer_id: string; text: string }[];
}

const slug = (text: string): string =>
  text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_|_$/g, '');

// The seed's occupation list, in its order. It prints "State/Government" and "Employee" on two lines; we read
// that as one answer, "State/Government Employee" (ASSUMED).
const OCCUPATIONS = [
  'Accountant',
  'Administrative Assistant',
  'Administrator',
  'Ag Manager',
  'Architecture',
  'Auditor',
  'Bookkeeper',
  'Broker',
  'Business and Financial Operations',
  'Carpenter',
  'Cashier',
  'Child Care',
  'Clergy',
  'Coach',
  'Contractor',
  'Customer Service Representative',
  'Dentist',
  'Doctor',
  'Education',
  'Electrician',
  'Engineer',
  'Executive',
  'Farmer',
  'Fire Fighter',
  'Food Service',
  'Hair Stylist',
  'Health Care',
  'Hotel/Motel',
  'Insurance',
  'Jeweler',
  'Legal Occupations',
  'Manager',
  'Meat Packer',
  'Musician',
  'Nurse',
  'Pharmacist',
  'Postal Service',
  'Protective Service Occupation',
  'Real Estate',
  'Salesperson',
  'Self-employed',
  'State/Government Employee',
  'Student',
  'Teacher',
  'Travel Agent',
  'Truck Driver',
  'Unemployed - income',
  'Unemployed - no income',
  'Veterinarian',
  'Construction Worker',
  'Production Worker',
];

export const EXPECTED_USE_QUESTIONS: readonly Question[] = [
  {
    question_id: 'expected_monthly_deposit',
    text: 'About how much do you expect to deposit each month?',
    answers: [
      { answer_id: 'deposit_2000_and_under', text: '$2,000 and under' },
      { answer_id: 'deposit_2000_to_10000', text: '$2,000.01 to $10,000' },
      { answer_id: 'deposit_10000_to_20000', text: '$10,000.01 to $20,000' },
      { answer_id: 'deposit_over_20000', text: 'Over $20,000' },
    ],
  },
  {
    question_id: 'occupation',
    text: 'What is your occupation?',
    answers: OCCUPATIONS.map((text) => ({ answer_id: `occupation_${slug(text)}`, text })),
  },
];

/**
 * Identity questions for the conditional-KYC cure. The right answer is always the first one listed here
 * (documented in sandbox/README.md); the API shows the answers in the same order.
 */
export const IDENTITY_QUESTIONS: readonly Question[] = [
  {
    question_id: 'idq_previous_street',
    text: 'Which of the following streets have you lived on?',
    answers: [
      { answer_id: 'idq_previous_street_a', text: 'Allston Way' },
      { answer_id: 'idq_previous_street_b', text: 'Bancroft Way' },
      { answer_id: 'idq_previous_street_c', text: 'Dwight Way' },
      { answer_id: 'idq_previous_street_none', text: 'None of the above' },
    ],
  },
  {
    question_id: 'idq_vehicle_make',
    text: 'Which of the following vehicles have you owned?',
    answers: [
      { answer_id: 'idq_vehicle_make_a', text: 'Volvo' },
      { answer_id: 'idq_vehicle_make_b', text: 'Subaru' },
      { answer_id: 'idq_vehicle_make_c', text: 'Fiat' },
      { answer_id: 'idq_vehicle_make_none', text: 'None of the above' },
    ],
  },
  {
    question_id: 'idq_county',
    text: 'In which county have you lived?',
    answers: [
      { answer_id: 'idq_county_a', text: 'Alameda' },
      { answer_id: 'idq_county_b', text: 'Marin' },
      { answer_id: 'idq_county_c', text: 'Sonoma' },
      { answer_id: 'idq_county_none', text: 'None of the above' },
    ],
  },
];

export const IDENTITY_QUESTION_CORRECT_ANSWERS: ReadonlyMap<string, string> = new Map(
  IDENTITY_QUESTIONS.map((question) => [question.question_id, question.answers[0]!.answer_id]),
);
