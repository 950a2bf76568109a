'use strict';
// Shared by the node benchmarks (bench/xmpp/relay.js, bench/matrix/bench.js): when each
// message arrived, waiting for arrivals, and percentiles.

const {performance} = require('node:perf_hooks');

// Arrival times of message texts, however they arrive; waiters resolve on the first arrival,
// and later arrivals of the same text are counted as duplicates.
class Arrivals {
  constructor({timeoutMs = 60_000, what = 'arrive'} = {}) {
    this.times = new Map();    // text -> ms
    this.waiters = new Map();  // text -> resolve
    this.duplicates = 0;
    this.timeoutMs = timeoutMs;
    this.what = what;
  }

  // `at`: the arrival time in ms on the clock the caller measures with.
  record(text, at = performance.now()) {
    if (this.times.has(text)) {
      this.duplicates += 1;
      return;
    }
    this.times.set(text, at);
    const resolve = this.waiters.get(text);
    if (resolve) {
      this.waiters.delete(text);
      resolve(at);
    }
  }

  waitFor(text) {
    if (this.times.has(text)) return Promise.resolve(this.times.get(text));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`"${text}" did not ${this.what}`)),
          this.timeoutMs);
      this.waiters.set(text, (at) => {
        clearTimeout(timer);
        resolve(at);
      });
    });
  }

  // The texts in the order they arrived (for the in-order check of a burst).
  order(prefix) {
    return [...this.times.keys()].filter((text) => text.startsWith(prefix));
  }
}

function percentile(sorted, p) {
  if (sorted.length === 0) return NaN;
  const index = Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1);
  return sorted[Math.max(0, index)];
}

// {count, p50, p99, max} of the samples.
function summary(samples) {
  const sorted = [...samples].sort((a, b) => a - b);
  return {count: sorted.length, p50: percentile(sorted, 50), p99: percentile(sorted, 99),
    max: sorted[sorted.length - 1]};
}

module.exports = {Arrivals, percentile, summary};
