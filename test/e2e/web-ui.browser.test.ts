/**
 * The Temporal Web UI in a real browser (Debian's Chromium driven by playwright-core), on the whole stack: a dev
 * server serving its UI with the gateway's /codec as codec endpoint (as `npm start` runs it), the worker and the
 * gateway. Two onboardings in states an operator must tell apart (one waiting on the customer, one rejected) and
 * their outbound-event delivery workflows; then, without configuring anything in the UI:
 *  - the list shows each onboarding by its id (provider and customerRef) and type, apart from the deliveries;
 *  - the README's onboardings-only query, given in the URL, lists the onboardings and nothing else;
 *  - each onboarding's page shows its summary and current details (state, step, blocked on, pending action), from
 *    the user metadata the workflow sets, decoded through the codec endpoint; a delivery's page its own summary.
 * Screenshots go to .data/ (git-ignored). Without Chromium the test fails in CI and skips with a message elsewhere.
 */
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import http from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OnboardingStatus } from '../../contract/onboarding.js';
import { drive } from '../../scripts/customers/drive.js';
import type { GatewayCall } from '../../scripts/customers/drive.js';
import { greendotCustomer } from '../../scripts/customers/greendot.js';
import { jikoCustomer } from '../../scripts/customers/jiko.js';
import { projectRoot } from '../helpers/temporal.js';
import { pendingAction, startE2eStack } from './harness.js';
import type { E2eStack } from './harness.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
const inCi = process.env.CI === 'true';
const haveChromium = existsSync(CHROMIUM);
if (!haveChromium && !inCi) {
  console.warn(
    `[web-ui.browser.test] SKIPPED: no Chromium at ${CHROMIUM}. npm run setup installs it (apt-get, as root or with ` +
      'sudo); CHROMIUM_PATH points at another one. In CI this test fails instead of skipping.',
  );
}

/** README, "Web UI": the query that lists onboardings only. */
const ONBOARDINGS_ONLY = 'WorkflowId STARTS_WITH "onboarding:"';
const SCREENSHOTS = path.join(projectRoot, '.data');
const UI_TIMEOUT_MS = 60_000;

let stack: E2eStack;
let browser: BrowserContext;
let userDataDir: string;
let sink: http.Server;
let waiting: OnboardingStatus;
let rejected: OnboardingStatus;

beforeAll(async () => {
  if (!haveChromium) {
    throw new Error(
      `no Chromium at ${CHROMIUM}: the browser test cannot run. scripts/setup.sh installs Debian's chromium ` +
        '(apt-get install --no-install-recommends chromium, as root); or set CHROMIUM_PATH.',
    );
  }
  // A backend that accepts every outbound event, so delivery workflows exist and finish.
  sink = http.createServer((request, response) => {
    request.resume();
    request.on('end', () => response.writeHead(204).end());
  });
  await new Promise<void>((resolve) => sink.listen(0, '127.0.0.1', resolve));
  const sinkPort = (sink.address() as { port: number }).port;
  stack = await startE2eStack({ webUi: true, config: { OUTBOUND_WEBHOOK_URL: `http://127.0.0.1:${sinkPort}/events` } });

  const jiko = jikoCustomer.scenarios.approved;
  const started = await stack.call('POST', '/v1/onboardings', jiko.startBody('ui-waiting'));
  expect(started.status).toBe(201);
  waiting = await stack.waitForStatus(started.body.onboardingId, 'agreements pending', (status) =>
    Boolean(pendingAction(status, 'acceptAgreements')),
  );

  const declined = greendotCustomer.scenarios['ofac-declined'];
  const other = await stack.call('POST', '/v1/onboardings', declined.startBody('ui-rejected'));
  expect(other.status).toBe(201);
  const driven = await drive({
    call: stack.call as GatewayCall,
    onboardingId: other.body.onboardingId,
    scenario: declined,
  });
  expect(driven.status.state).toBe('rejected');
  rejected = driven.status;

  userDataDir = await mkdtemp(path.join(tmpdir(), 'chromium-profile-'));
  browser = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    args: CHROMIUM_ARGS,
    viewport: { width: 1600, height: 1000 },
  });
  await mkdir(SCREENSHOTS, { recursive: true });
}, 300_000);

afterAll(async () => {
  await browser?.close();
  await stack?.close();
  sink?.close();
  if (userDataDir) await rm(userDataDir, { recursive: true, force: true });
});

/** The text of the page and of every frame in it (the UI renders markdown details in frames of their own). */
async function allText(page: Page): Promise<string> {
  const texts = await Promise.all(
    page.frames().map((frame) =>
      frame
        .locator('body')
        .innerText({ timeout: 5_000 })
        .catch(() => ''),
    ),
  );
  return texts.join('\n');
}

/** Waits until the page's text has every one of `needles`; fails with what it shows instead. */
async function expectText(page: Page, needles: readonly string[], what: string): Promise<string> {
  const deadline = Date.now() + UI_TIMEOUT_MS;
  let text = '';
  while (Date.now() < deadline) {
    text = await allText(page);
    if (needles.every((needle) => text.includes(needle))) return text;
    await page.waitForTimeout(500);
  }
  const missing = needles.filter((needle) => !text.includes(needle));
  throw new Error(`${what}: the page never showed ${JSON.stringify(missing)}; it shows:\n${text.slice(0, 3000)}`);
}

/** The ids of the rows of the workflow list as shown. */
async function listedIds(page: Page, expected: readonly string[]): Promise<string[]> {
  await expectText(page, expected, 'the workflow list');
  const text = await allText(page);
  return [...new Set(text.match(/\b(?:onboarding|event|webhook):[A-Za-z0-9_.:-]+/g) ?? [])];
}

const workflowUrl = (id: string) => `${stack.uiUrl}/namespaces/default/workflows/${encodeURIComponent(id)}`;

async function openUserMetadata(page: Page, id: string): Promise<string> {
  await page.goto(workflowUrl(id));
  await page.getByText('User Metadata', { exact: true }).first().click({ timeout: UI_TIMEOUT_MS });
  return allText(page);
}

const suite = haveChromium || inCi ? describe : describe.skip;

suite('the Web UI in Chromium', () => {
  it(
    'lists the onboardings by provider and customerRef, apart from their delivery workflows',
    async () => {
      const page = await browser.newPage();
      await page.goto(`${stack.uiUrl}/namespaces/default/workflows`);
      const ids = await listedIds(page, [waiting.onboardingId, rejected.onboardingId, 'event:onboarding:']);
      await page.screenshot({ path: path.join(SCREENSHOTS, 'web-ui-list.png') });
      const text = await allText(page);
      expect(text).toContain('jikoOnboarding');
      expect(text).toContain('greendotOnboarding');
      expect(text).toContain('outboundEventDelivery');
      // Deliveries carry their own id prefix, naming the onboarding they belong to.
      expect(ids.filter((id) => id.startsWith('event:')).length).toBeGreaterThan(0);
      expect(ids).toContain(`event:${waiting.onboardingId}:000001`);
      await page.close();
    },
    UI_TIMEOUT_MS * 2,
  );

  it(
    "the README's onboardings-only query, in the URL, lists the onboardings and nothing else",
    async () => {
      const page = await browser.newPage();
      await page.goto(`${stack.uiUrl}/namespaces/default/workflows?query=${encodeURIComponent(ONBOARDINGS_ONLY)}`);
      // The filter the query became is shown; the rows settle on the onboardings alone.
      let ids = await listedIds(page, [waiting.onboardingId, rejected.onboardingId, 'starts with']);
      for (let tries = 0; tries < 20 && ids.length !== 2; tries++) {
        await page.waitForTimeout(500);
        ids = await listedIds(page, [waiting.onboardingId]);
      }
      await page.screenshot({ path: path.join(SCREENSHOTS, 'web-ui-onboardings-only.png') });
      expect(ids.sort()).toEqual([rejected.onboardingId, waiting.onboardingId].sort());
      expect(await allText(page)).not.toContain('outboundEventDelivery');
      await page.close();
    },
    UI_TIMEOUT_MS * 2,
  );

  it(
    "shows each onboarding's summary and current details: state, step, blocked on, pending action",
    async () => {
      const page = await browser.newPage();
      await openUserMetadata(page, waiting.onboardingId);
      await expectText(
        page,
        [
          'jiko onboarding · ui-waiting',
          'State: action_required',
          `step: ${waiting.step}`,
          `Blocked on: customer since ${waiting.blockedSince}`,
          'Pending action: acceptAgreements',
        ],
        'the waiting onboarding',
      );
      await page.screenshot({ path: path.join(SCREENSHOTS, 'web-ui-waiting.png') });

      await openUserMetadata(page, rejected.onboardingId);
      const text = await expectText(
        page,
        ['greendot onboarding · ui-rejected', 'State: rejected', `step: ${rejected.step}`],
        'the rejected onboarding',
      );
      expect(text).not.toContain('Pending action:');
      expect(text).not.toContain('Blocked on:');
      await page.screenshot({ path: path.join(SCREENSHOTS, 'web-ui-rejected.png') });
      await page.close();
    },
    UI_TIMEOUT_MS * 3,
  );

  it(
    'names each provider call in the event history (activity summaries)',
    async () => {
      const page = await browser.newPage();
      await page.goto(workflowUrl(waiting.onboardingId));
      const text = await expectText(page, ['jiko · ', '(step '], 'the onboarding event history');
      expect(text).toMatch(/jiko · [A-Za-z]+ \(step [A-Za-z]+\)/);
      await page.screenshot({ path: path.join(SCREENSHOTS, 'web-ui-history.png') });
      await page.close();
    },
    UI_TIMEOUT_MS * 2,
  );

  it(
    "shows a delivery workflow's own summary: which event of which onboarding",
    async () => {
      const page = await browser.newPage();
      await openUserMetadata(page, `event:${waiting.onboardingId}:000001`);
      await expectText(
        page,
        [`outbound event #1 onboarding.action_required · ${waiting.onboardingId}`],
        'the delivery workflow',
      );
      await page.screenshot({ path: path.join(SCREENSHOTS, 'web-ui-delivery.png') });
      await page.close();
    },
    UI_TIMEOUT_MS * 2,
  );
});
