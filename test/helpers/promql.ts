/**
 * Just enough PromQL and Prometheus text format to check a Grafana dashboard against a scrape: the metric names a
 * dashboard's expressions (panel targets and query variables) select, and the metric names a scrape holds.
 */

/** PromQL's aggregation operators, functions and keywords: identifiers that are never metric names. */
const PROMQL_WORDS = new Set([
  'sum',
  'min',
  'max',
  'avg',
  'group',
  'stddev',
  'stdvar',
  'count',
  'count_values',
  'bottomk',
  'topk',
  'quantile',
  'by',
  'without',
  'on',
  'ignoring',
  'group_left',
  'group_right',
  'offset',
  'bool',
  'and',
  'or',
  'unless',
  'inf',
  'nan',
]);

/** The metric names one PromQL expression selects (Grafana variables such as `$__rate_interval` allowed). */
export function metricNamesInExpression(expression: string): string[] {
  const stripped = expression
    .replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`/g, '""') // string literals
    .replace(/\{[^}]*\}/g, '') // label matchers
    .replace(/\[[^\]]*\]/g, '') // range selectors and subqueries
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, '') // label lists
    .replace(/\$\{?\w+(?::\w+)?\}?/g, ''); // Grafana variables
  const names = new Set<string>();
  for (const match of stripped.matchAll(/[A-Za-z_:][A-Za-z0-9_:]*/g)) {
    const word = match[0];
    const rest = stripped.slice((match.index ?? 0) + word.length);
    if (/^\s*\(/.test(rest)) continue; // a function call
    if (PROMQL_WORDS.has(word.toLowerCase())) continue;
    // A duration (5m) or a number's exponent is preceded by a digit.
    if (/[0-9.]$/.test(stripped.slice(0, match.index ?? 0))) continue;
    names.add(word);
  }
  return [...names];
}

/** Every PromQL expression in a dashboard: each panel's (and nested row panel's) targets, and query variables. */
export function dashboardExpressions(dashboard: unknown): string[] {
  const expressions: string[] = [];
  const visit = (panels: unknown): void => {
    if (!Array.isArray(panels)) return;
    for (const panel of panels as { targets?: { expr?: unknown }[]; panels?: unknown }[]) {
      for (const target of panel.targets ?? []) if (typeof target.expr === 'string') expressions.push(target.expr);
      visit(panel.panels);
    }
  };
  const board = dashboard as { panels?: unknown; templating?: { list?: { type?: string; query?: unknown }[] } };
  visit(board.panels);
  for (const variable of board.templating?.list ?? []) {
    if (variable.type !== 'query') continue;
    const query = typeof variable.query === 'string' ? variable.query : (variable.query as { query?: unknown })?.query;
    if (typeof query !== 'string') continue;
    // label_values(metric, label) / label_values(metric{…}, label) / query_result(expr)
    const labelValues = /^label_values\(\s*([^,]+),/.exec(query);
    if (labelValues) expressions.push(labelValues[1]!);
    else if (/^query_result\(/.test(query)) expressions.push(query.slice('query_result('.length, -1));
  }
  return expressions;
}

/** The metric names a dashboard queries, sorted. */
export function dashboardMetricNames(dashboard: unknown): string[] {
  return [...new Set(dashboardExpressions(dashboard).flatMap(metricNamesInExpression))].sort();
}

/**
 * The names of the series a scrape (Prometheus text format) holds samples of: `x_bucket`, `x_sum` and `x_count` for
 * a histogram `x`, as a PromQL expression names them. A `# TYPE` line alone does not count: a metric declared but
 * never recorded would leave its panel empty.
 */
export function presentMetricNames(text: string): Set<string> {
  const names = new Set<string>();
  for (const line of text.split('\n')) {
    const sample = /^([A-Za-z_:][A-Za-z0-9_:]*)[{ ]/.exec(line);
    if (sample) names.add(sample[1]!);
  }
  return names;
}

/** The label names one PromQL expression matches on (`{name=…}`) or groups by (`by (…)`, `without (…)`). */
export function labelNamesInExpression(expression: string): string[] {
  const names = new Set<string>();
  const withoutStrings = expression.replace(/"(?:[^"\\]|\\.)*"/g, '""');
  for (const [, matchers] of withoutStrings.matchAll(/\{([^}]*)\}/g)) {
    for (const [, name] of (matchers ?? '').matchAll(/([A-Za-z_][A-Za-z0-9_]*)\s*(?:=~|!~|!=|=)/g)) names.add(name!);
  }
  for (const [, list] of withoutStrings.matchAll(/\b(?:by|without)\s*\(([^)]*)\)/g)) {
    for (const name of (list ?? '').split(',').map((part) => part.trim())) if (name) names.add(name);
  }
  return [...names];
}

/** For each series name of a scrape, the label names its samples carry. */
export function labelsBySeries(text: string): Map<string, Set<string>> {
  const labels = new Map<string, Set<string>>();
  for (const line of text.split('\n')) {
    const sample = /^([A-Za-z_:][A-Za-z0-9_:]*)(?:\{([^}]*)\})?\s/.exec(line);
    if (!sample) continue;
    const names = labels.get(sample[1]!) ?? new Set<string>();
    for (const [, name] of (sample[2] ?? '').matchAll(/([A-Za-z_][A-Za-z0-9_]*)="/g)) names.add(name!);
    labels.set(sample[1]!, names);
  }
  return labels;
}
