/**
 * The dashboard check's own parts: which names a PromQL expression selects, and which series a scrape holds. If
 * these were wrong, the e2e check "every metric the dashboard queries exists" could pass for the wrong reason.
 */
import { describe, expect, it } from 'vitest';
import {
  dashboardMetricNames,
  labelNamesInExpression,
  labelsBySeries,
  metricNamesInExpression,
  presentMetricNames,
} from '../helpers/promql.js';

describe('metricNamesInExpression', () => {
  it.each([
    [
      'histogram_quantile(0.95, sum by (le, provider) (rate(onboarding_step_duration_seconds_bucket{provider=~"$provider", outcome="done"}[$__rate_interval])))',
      ['onboarding_step_duration_seconds_bucket'],
    ],
    [
      'sum by (provider) (rate(provider_http_request_duration_seconds_count{status_class!="2xx"}[5m])) / sum by (provider) (rate(provider_http_request_duration_seconds_count[5m]))',
      ['provider_http_request_duration_seconds_count'],
    ],
    [
      'sum without (instance) (increase(onboarding_finished_total{outcome=~"rejected|failed"}[1h]))',
      ['onboarding_finished_total'],
    ],
    ['temporal_sticky_cache_size', ['temporal_sticky_cache_size']],
    ['rate(process_cpu_seconds_total[${__rate_interval}]) * 100 > bool 1e3', ['process_cpu_seconds_total']],
    ['sum(a_total) or on (provider) vector(0) + ignoring (x) b_total offset 5m', ['a_total', 'b_total']],
  ])('%s', (expression, names) => {
    expect(metricNamesInExpression(expression).sort()).toEqual(names.sort());
  });
});

describe('dashboardMetricNames', () => {
  it('reads panel targets, nested rows and query variables', () => {
    const dashboard = {
      panels: [
        { targets: [{ expr: 'rate(x_total[5m])' }] },
        { type: 'row', panels: [{ targets: [{ expr: 'y_bucket' }, { expr: 'sum(z)' }] }] },
      ],
      templating: {
        list: [
          { type: 'datasource', query: 'prometheus' },
          { type: 'query', query: { query: 'label_values(v_total{job="w"}, provider)' } },
        ],
      },
    };
    expect(dashboardMetricNames(dashboard)).toEqual(['v_total', 'x_total', 'y_bucket', 'z']);
  });
});

describe('presentMetricNames', () => {
  it('counts series with samples, not a declaration alone', () => {
    const text = [
      '# HELP h a histogram',
      '# TYPE h histogram',
      'h_bucket{le="1"} 0',
      'h_sum 0',
      'h_count 0',
      '# TYPE declared_only counter',
      'plain 3',
    ].join('\n');
    expect([...presentMetricNames(text)].sort()).toEqual(['h_bucket', 'h_count', 'h_sum', 'plain']);
  });
});

describe('labels', () => {
  it('finds the labels an expression matches on and groups by', () => {
    const expression =
      'histogram_quantile(0.95, sum by (le, provider) (rate(x_bucket{outcome="done", step!~"a|b", text="{x=1}"}[5m])))';
    expect(labelNamesInExpression(expression).sort()).toEqual(['le', 'outcome', 'provider', 'step', 'text']);
  });

  it('collects the labels each series carries', () => {
    const labels = labelsBySeries('x_count{provider="p",outcome="done"} 1\nx_count{step="s"} 2\nplain 1\n');
    expect([...(labels.get('x_count') ?? [])].sort()).toEqual(['outcome', 'provider', 'step']);
    expect([...(labels.get('plain') ?? [])]).toEqual([]);
  });
});
