/**
 * The metrics an operator scrapes, end to end: the worker's Prometheus endpoint (installed exactly as
 * workers/main.ts installs it) and the gateway's GET /metrics, after onboardings that end each way (completed,
 * rejected, cancelled, expired, failed, plus a reviewer's wait and a provider call retried). Then every metric the
 * Grafana dashboard (ops/grafana/onboarding-dashboard.json) queries must be there, and no label may carry an
 * onboarding's id, its customerRef or the applicant's personal data.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { GATEWAY_METRICS, ONBOARDING_METRICS, PROVIDER_HTTP_METRICS } from '../../contract/metrics.js';
import type { OnboardingStatus } from '../../contract/onboarding.js';
import { drive } from '../../scripts/customers/drive.js';
import { greendotCustomer } from '../../scripts/customers/greendot.js';
import { jikoCustomer } from '../../scripts/customers/jiko.js';
import type { Scenario, StartBody } from '../../scripts/customers/index.js';
import { prometheusTelemetry } from '../../workers/metrics.js';
import { onboardingPath, startE2eStack } from './harness.js';
import type { E2eStack } from './harness.js';
import { freePort, projectRoot } from '../helpers/temporal.js';
import {
  dashboardExpressions,
  dashboardMetricNames,
  labelNamesInExpression,
  labelsBySeries,
  metricNamesInExpression,
  presentMetricNames,
} from '../helpers/promql.js';

const TEST_TIMEOUT_MS = 240_000;
const DASHBOARD = path.join(projectRoot, 'ops', 'grafana', 'onboarding-dashboard.json');

let stack: E2eStack;
let workerMetricsUrl: string;

beforeAll(async () => {
  const port = await freePort();
  // Before the stack: one Runtime per process, and this one exports to Prometheus as the worker process does.
  Runtime.install({ logger: new DefaultLogger('WARN'), telemetryOptions: prometheusTelemetry('127.0.0.1', port) });
  workerMetricsUrl = `http://127.0.0.1:${port}/metrics`;
  stack = await startE2eStack({
    sandboxEnv: { SANDBOX_JIKO_SUBMITTED_DELAY_MS: '300', SANDBOX_GREENDOT_REVIEW_DELAY_MS: '1500' },
    // One 503 on the first application create: an activity fails once and is retried (blockedOn retrying).
    faults: { jiko: { pathPattern: '/applications/$', failNextRequests: 1, errorStatus: 503 } },
  });
});

afterAll(async () => {
  await stack?.close();
});

const FAST_POLLING = { pollInitialInterval: '1s', pollMaxInterval: '2s' };
const { approved } = jikoCustomer.scenarios;

/** Jiko's sandbox rejects an SSN starting with 5. */
function rejectedStart(customerRef: string): StartBody {
  const body = approved.startBody(customerRef, { options: FAST_POLLING });
  return { ...body, applicant: { ...body.applicant, ssn: `5${body.applicant.ssn?.slice(1) ?? '00000000'}` } };
}

async function start(body: StartBody): Promise<string> {
  const started = await stack.call('POST', '/v1/onboardings', body);
  expect(started.status).toBe(201);
  return started.body.onboardingId;
}

async function driveToEnd(
  body: StartBody,
  scenario: Scenario,
  cancelAt?: { action: string; reason: string },
): Promise<OnboardingStatus> {
  const onboardingId = await start(body);
  const run = await drive({
    call: stack.call,
    onboardingId,
    scenario,
    timeoutMs: 150_000,
    ...(cancelAt ? { cancelAt } : {}),
  });
  expect(run.finished).toBe(true);
  return run.status;
}

async function scrape(url: string): Promise<string> {
  const response = await fetch(url);
  expect(response.status).toBe(200);
  return response.text();
}

/** Scrapes until `accept` (the SDK exports on its own schedule, so a value recorded just now may lag a little). */
async function scrapeUntil(url: string, accept: (text: string) => boolean): Promise<string> {
  const deadline = Date.now() + 30_000;
  let text = await scrape(url);
  while (!accept(text) && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 500));
    text = await scrape(url);
  }
  return text;
}

const customerRefs = {
  completed: 'metrics-completed',
  rejected: 'metrics-rejected',
  cancelled: 'metrics-cancelled',
  expired: 'metrics-expired',
  failed: 'metrics-failed',
  reviewed: 'metrics-reviewed',
};

describe('metrics on both Prometheus endpoints', () => {
  let workerText = '';
  let gatewayText = '';
  const starts: StartBody[] = [];

  it(
    'count onboardings that end each way',
    async () => {
      const completedStart = approved.startBody(customerRefs.completed, { options: FAST_POLLING });
      const rejected = rejectedStart(customerRefs.rejected);
      const cancelledStart = approved.startBody(customerRefs.cancelled, { options: FAST_POLLING });
      const expiredStart = approved.startBody(customerRefs.expired, {
        options: { ...FAST_POLLING, deadlines: { agreements: { expireAfter: '1s' } } },
      });
      const gd = greendotCustomer.scenarios;
      const failedStart = gd.approved.startBody(customerRefs.failed, {
        person: { name: { first: 'Petra', last: 'Procfailington' } },
        options: FAST_POLLING,
      });
      const reviewedStart = gd['ofac-declined'].startBody(customerRefs.reviewed, { options: FAST_POLLING });
      starts.push(completedStart, rejected, cancelledStart, expiredStart, failedStart, reviewedStart);

      const ends = await Promise.all([
        driveToEnd(completedStart, approved),
        driveToEnd(rejected, approved),
        driveToEnd(cancelledStart, approved, { action: 'acceptAgreements', reason: 'changed my mind' }),
        (async () => {
          const id = await start(expiredStart);
          return stack.waitForStatus(id, 'expired', (status) => status.state === 'expired', 60_000);
        })(),
        driveToEnd(failedStart, gd.approved),
        driveToEnd(reviewedStart, gd['ofac-declined']),
      ]);
      expect(ends.map((status) => status.state)).toEqual([
        'completed',
        'rejected',
        'cancelled',
        'expired',
        'failed',
        'rejected',
      ]);
      // A few gateway routes of every kind, including one that matches nothing.
      expect((await stack.call('GET', onboardingPath(ends[0]!.onboardingId))).status).toBe(200);
      expect((await fetch(`${stack.gatewayUrl}/nowhere/${customerRefs.completed}`)).status).toBe(404);

      workerText = await scrapeUntil(workerMetricsUrl, (text) =>
        ['completed', 'rejected', 'cancelled', 'expired', 'failed'].every((outcome) =>
          text.includes(`outcome="${outcome}"`),
        ),
      );
      gatewayText = await scrape(`${stack.gatewayUrl}/metrics`);
      if (process.env.METRICS_DUMP_DIR) {
        writeFileSync(path.join(process.env.METRICS_DUMP_DIR, 'worker.txt'), workerText);
        writeFileSync(path.join(process.env.METRICS_DUMP_DIR, 'gateway.txt'), gatewayText);
      }

      const finished = workerText.split('\n').filter((line) => line.startsWith(`${ONBOARDING_METRICS.finished}{`));
      for (const [provider, outcome] of [
        ['jiko', 'completed'],
        ['jiko', 'rejected'],
        ['jiko', 'cancelled'],
        ['jiko', 'expired'],
        ['greendot', 'failed'],
        ['greendot', 'rejected'],
      ]) {
        expect(
          finished.some((line) => line.includes(`provider="${provider}"`) && line.includes(`outcome="${outcome}"`)),
          `${provider} ${outcome} in\n${finished.join('\n')}`,
        ).toBe(true);
      }
      for (const blockedOn of ['customer', 'provider', 'reviewer', 'retrying']) {
        expect(workerText).toMatch(new RegExp(`${ONBOARDING_METRICS.blocked}_count\\{[^}]*blocked_on="${blockedOn}"`));
      }
      expect(workerText).toMatch(
        new RegExp(`${PROVIDER_HTTP_METRICS.requestDuration}_count\\{[^}]*endpoint="/api/v1/applications/:id/apply/"`),
      );
      expect(workerText).toMatch(new RegExp(`${PROVIDER_HTTP_METRICS.requestDuration}_count\\{[^}]*status="503"`));
      expect(gatewayText).toMatch(
        new RegExp(
          `${GATEWAY_METRICS.requestDuration}_count\\{route="/v1/onboardings/:id",method="GET",status="200"\\}`,
        ),
      );
    },
    TEST_TIMEOUT_MS,
  );

  it('serve every metric the Grafana dashboard queries', () => {
    const dashboard: unknown = JSON.parse(readFileSync(DASHBOARD, 'utf8'));
    const queried = dashboardMetricNames(dashboard);
    expect(queried.length).toBeGreaterThan(10);
    const present = new Set([...presentMetricNames(workerText), ...presentMetricNames(gatewayText)]);
    expect(queried.filter((name) => !present.has(name))).toEqual([]);

    // And every label a query filters or groups by is one those metrics carry (a renamed label empties a panel too).
    const labels = labelsBySeries(`${workerText}\n${gatewayText}`);
    const unknownLabels = dashboardExpressions(dashboard).flatMap((expression) => {
      const metrics = metricNamesInExpression(expression);
      return labelNamesInExpression(expression)
        .filter((label) => !metrics.some((metric) => labels.get(metric)?.has(label)))
        .map((label) => `${label} in ${expression}`);
    });
    expect(unknownLabels).toEqual([]);
  });

  it('carry no id, customerRef or personal data in any label', () => {
    const text = `${workerText}\n${gatewayText}`;
    const labelValues = [...text.matchAll(/="([^"]*)"/g)].map((match) => match[1]!);
    expect(labelValues.length).toBeGreaterThan(100);
    const forbidden = starts.flatMap((body) => [
      body.customerRef,
      body.applicant.ssn ?? '',
      body.applicant.email ?? '',
      body.applicant.phone ?? '',
      body.applicant.name?.last ?? '',
      body.applicant.dateOfBirth ?? '',
    ]);
    // Provider ids here are UUIDs (applications, accounts, cards…): none may reach a label either.
    const uuid = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/i;
    const leaks = labelValues.filter(
      (value) =>
        value.includes('onboarding:') ||
        uuid.test(value) ||
        forbidden.some((secret) => secret !== '' && value.includes(secret)),
    );
    expect(leaks).toEqual([]);
  });
});
