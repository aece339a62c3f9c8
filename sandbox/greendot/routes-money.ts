/** Adjustments and transactions (sandbox/README.md, "Green Dot"). */
import type { FastifyInstance } from 'fastify';
import { SUCCESS } from './errors.js';
import { addRoute } from './http.js';
import type { GreenDotRuntime } from './runtime.js';
import { adjustmentSchema, parseBody, transactionsQuerySchema } from './schemas.js';

const ACCOUNT = '/programs/:programCode/accounts/:accountIdentifier';

export function registerMoneyRoutes(app: FastifyInstance, runtime: GreenDotRuntime): void {
  const { state, adjustments } = runtime;

  addRoute(
    app,
    runtime,
    'POST',
    `${ACCOUNT}/adjustments`,
    { auth: 'bearer', idempotent: true },
    ({ request, params }) => {
      const body = parseBody(adjustmentSchema, request.body);
      const answer = adjustments.create(params.accountIdentifier ?? '', body);
      return { status: 200, body: { ...answer, responseDetails: [SUCCESS] } };
    },
  );

  addRoute(
    app,
    runtime,
    'GET',
    `${ACCOUNT}/transactions`,
    { auth: 'bearer', idempotent: false },
    ({ request, params }) => {
      const query = parseBody(transactionsQuerySchema, request.query);
      const account = state.get(params.accountIdentifier ?? '');
      const transactions = adjustments.transactions(account).filter((transaction) => {
        const day = transaction.transactionDateTime.slice(0, 10);
        return (
          (query.startDate === undefined || day >= query.startDate) &&
          (query.endDate === undefined || day <= query.endDate) &&
          (query.status === undefined || transaction.status === query.status) &&
          (query.transactionType === undefined || transaction.transactionType === query.transactionType)
        );
      });
      return { status: 200, body: { transactions, responseDetails: [SUCCESS] } };
    },
  );
}
