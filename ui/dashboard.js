// The results: what happened, the headline figures, and every panel below them, drawn from a
// View the app sends (the engine's Analysis, the report crate's charts, and the labels and
// thresholds the window shows).

import { renderCharts } from './charts.js';
import { $, cell, element } from './dom.js';
import { renderFindings } from './findings.js';
import { count, formatMs, formatTime } from './format.js';
import { renderRoutes } from './routes.js';
import { state, zone } from './state.js';

function renderStory(analysis) {
  $('what-headline').textContent = analysis.what_happened.headline;
  $('what-points').replaceChildren(...analysis.what_happened.points.map((p) => element('li', { text: p })));
}

function renderFigures(analysis) {
  $('figure-requests').textContent = count(analysis.requests);
  $('figure-timeouts').textContent = count(analysis.integration_timeouts);
  $('figure-near').textContent = count(analysis.near_ceiling);
  $('figure-502').textContent = count(analysis.bad_gateway);
  $('figure-p99').textContent = formatMs(analysis.overall.p99_ms);
  $('figure-ceiling').textContent = `ceiling ${formatMs(analysis.ceiling_ms)}`;
}

function renderLambda(analysis) {
  const lambda = analysis.lambda;
  $('lambda-panel').hidden = !lambda;
  if (!lambda) return;
  $('lambda-summary').textContent = `${count(lambda.invocations)} invocations, ` +
    `${count(lambda.cold_starts)} cold starts, ${count(lambda.timeouts)} timed out; ` +
    `${count(lambda.outlived_gateway)} kept running after the gateway gave up ` +
    `(${count(lambda.gateway_timeouts_on_cold_start)} of them cold starts).`;
  const rows = lambda.functions.map((fn) => element('tr', {}, [
    cell(fn.function, 'name'),
    cell(count(fn.invocations), 'num'),
    cell(count(fn.cold_starts), 'num'),
    cell(count(fn.timeouts), fn.timeouts > 0 ? 'num bad' : 'num'),
    cell(formatMs(fn.timeout_ms), fn.timeout_ms > analysis.ceiling_ms ? 'num bad' : 'num'),
    cell(formatMs(fn.duration.p50_ms), 'num'),
    cell(formatMs(fn.duration.p99_ms), 'num'),
    cell(formatMs(fn.duration.max_ms), 'num'),
    cell(formatMs(fn.max_init_ms), 'num'),
    cell(fn.memory_mb ? `${fn.max_memory_used_mb ?? '-'} / ${fn.memory_mb} MB` : '-',
      fn.memory_pressure > 0 ? 'num warn' : 'num'),
  ]));
  $('lambda-table').tBodies[0].replaceChildren(...rows);
}

function renderInputs(view) {
  const { analysis } = view;
  const statuses = Object.entries(analysis.status).map(([code, n]) => [Number(code), n]);
  if (analysis.requests_without_status > 0) {
    statuses.push([null, analysis.requests_without_status]);
  }
  $('status-table').tBodies[0].replaceChildren(...statuses.map(([code, n]) => element('tr', { attributes: { 'data-status': code === null ? 'none' : String(code) } }, [
    cell(code === null ? 'not in the log' : String(code), code >= 500 ? 'status bad' : code >= 400 ? 'status warn' : 'status'),
    cell(count(n), 'num count'),
    cell(`${(100 * n / analysis.requests).toFixed(1)} %`, 'num'),
  ])));
  $('inputs-table').tBodies[0].replaceChildren(...analysis.inputs.map((input) => element('tr', {}, [
    cell(input.name, 'name'),
    cell([view.wrapping_labels[input.wrapping],
      ...Object.entries(input.kinds).map(([kind, n]) => `${kind}: ${count(n)}`)].join('; '), 'kinds'),
    cell(count(input.lines), 'num'),
    cell(count(input.records), 'num'),
    cell(count(input.rejected.reduce((sum, r) => sum + r.count, 0)), 'num'),
  ])));
  const rejections = analysis.inputs.flatMap((input) => input.rejected.map((rejection) => element('li', {
    text: `${input.name}: ${rejection.count} line(s) rejected, ${rejection.reason}` +
      ` (first at line ${rejection.first_lines.join(', ')})`,
  })));
  for (const input of analysis.inputs.filter((i) => i.error)) {
    rejections.push(element('li', { text: `${input.name}: ${input.error}` }));
  }
  $('rejections').replaceChildren(...rejections);
}

function renderFocus() {
  const { route, window } = state.focus;
  const timeZone = zone();
  const parts = [];
  if (route) parts.push(route);
  if (window) parts.push(`${formatTime(window[0], timeZone)} to ${formatTime(window[1], timeZone)} ${timeZone}`);
  $('focus-what').textContent = parts.join(', ');
  $('focus-bar').hidden = parts.length === 0;
}

const completenessNotes = {
  complete: () => '',
  reading: () => 'Still reading: these figures and findings are of the inputs read so far.',
  partial: (notes) => `Partial: these figures are of what was read until it stopped (${notes.join('; ')}).`,
};

function renderCompleteness(view) {
  $('partial-note').hidden = view.completeness === 'complete';
  $('partial-note').textContent = completenessNotes[view.completeness](view.notes);
  const approximate = view.analysis.approximate ?? [];
  $('approximate-note').hidden = approximate.length === 0;
  $('approximate-note').textContent = approximate.join(' ');
}

/** Shows `view`, the final one or one of what was read so far. */
export function render(view) {
  state.view = view;
  const { analysis } = view;
  renderFocus();
  renderCompleteness(view);
  renderStory(analysis);
  renderFigures(analysis);
  renderFindings(analysis);
  renderCharts(view.charts);
  renderRoutes();
  renderLambda(analysis);
  renderInputs(view);
  $('start').hidden = true;
  $('results').hidden = false;
}
