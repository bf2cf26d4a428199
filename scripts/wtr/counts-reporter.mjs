// A plain closing line for CI ("browser: N passed, N failed"); wtr's own output keeps ANSI bars.
import { mkdirSync, writeFileSync } from 'node:fs';

function countTests(results, acc) {
  if (!results) return acc;
  for (const t of results.tests ?? []) {
    if (t.skipped) continue;
    if (t.passed) acc.passed++;
    else acc.failed++;
  }
  for (const s of results.suites ?? []) countTests(s, acc);
  return acc;
}

export function countsReporter() {
  return {
    onTestRunFinished({ sessions }) {
      const acc = { passed: 0, failed: 0 };
      for (const s of sessions) {
        countTests(s.testResults, acc);
        // A file that failed to load or threw outside a test has no failing test to count.
        if (!s.passed && (s.errors?.length || !s.testResults)) acc.failed++;
      }
      mkdirSync('test-output', { recursive: true });
      writeFileSync('test-output/browser-counts.json', JSON.stringify(acc));
      process.stdout.write(`browser: ${acc.passed} passed, ${acc.failed} failed\n`);
    },
  };
}
