/**
 * A MetricMeter that keeps every value it is given, with the tags merged as the SDK merges them: what unit tests
 * of our metrics read instead of a Prometheus endpoint.
 */
import type {
  MetricCounter,
  MetricGauge,
  MetricHistogram,
  MetricMeter,
  MetricTags,
  NumericMetricValueType,
} from '@temporalio/common';

export interface Sample {
  name: string;
  value: number;
  tags: MetricTags;
}

/** A MetricMeter that keeps every value it is given, with the tags merged as the SDK merges them. */
export class RecordingMeter implements MetricMeter {
  constructor(
    readonly samples: Sample[] = [],
    private readonly tags: MetricTags = {},
  ) {}

  createCounter(name: string, unit?: string, description?: string): MetricCounter {
    const counter: MetricCounter = {
      name,
      unit,
      description,
      kind: 'counter',
      valueType: 'int',
      add: (value, extra = {}) => this.samples.push({ name, value, tags: { ...this.tags, ...extra } }),
      withTags: () => counter,
    };
    return counter;
  }

  createHistogram(name: string, valueType: NumericMetricValueType = 'int', unit?: string): MetricHistogram {
    const histogram: MetricHistogram = {
      name,
      unit,
      kind: 'histogram',
      valueType,
      record: (value, extra = {}) => this.samples.push({ name, value, tags: { ...this.tags, ...extra } }),
      withTags: () => histogram,
    };
    return histogram;
  }

  createGauge(): MetricGauge {
    throw new Error('the funnel uses no gauge');
  }

  withTags(tags: MetricTags): MetricMeter {
    return new RecordingMeter(this.samples, { ...this.tags, ...tags });
  }

  named(name: string): Sample[] {
    return this.samples.filter((sample) => sample.name === name);
  }
}
