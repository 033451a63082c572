// "Compare with…": the analysis shown against another window, other files or another
// window of the same log groups, as the engine compares them: per route and function, the
// findings that appeared, resolved or changed, both windows on one chart, and the report.

import { svgImage } from './charts.js';
import { $, cell, element, hideMessage, showError, showMessage } from './dom.js';
import { count, formatBytes, formatMs } from './format.js';
import * as ipc from './ipc.js';
import { describeSource, request } from './run.js';
import { state } from './state.js';

/** Opens the dialog: the files to pick, or for log groups the other window to fetch. */
export function openCompare() {
  if (!state.view || state.running) {
    showMessage('Open some logs first, then compare them with another window.', 'info');
    return;
  }
  const cloud = state.source?.kind === 'cloud';
  $('compare-cloud').hidden = !cloud;
  if (cloud) {
    // the window just before the one shown, when that is written as a length back from now
    const back = /^(\d+)([mhd])$/.exec(state.source.since);
    const now = state.source.until === 'now';
    $('compare-since').value = back && now ? `${2 * Number(back[1])}${back[2]}` : '';
    $('compare-until').value = back && now ? state.source.since : '';
  }
  $('compare-dialog').showModal();
}

function showReading(update) {
  $('progress-what').textContent = 'Reading the other window';
  $('progress-text').textContent = `${formatBytes(update.bytes)} · ${count(update.lines)} lines`;
  $('progress-bar').value = update.total_bytes > 0 ? Math.min(1, update.bytes / update.total_bytes) : 0;
}

/** Reads `other` and compares it with the analysis shown. */
async function compareWith(other) {
  $('compare-dialog').close();
  const shownIsAfter = $('compare-role').value === 'before';
  hideMessage();
  state.running = true;
  $('progress').hidden = false;
  try {
    const view = await ipc.compareWith(other, request(), shownIsAfter, showReading);
    const shown = describeSource(state.source);
    const picked = describeSource(other);
    renderComparison(view, shownIsAfter ? [picked, shown] : [shown, picked]);
  } catch (error) {
    showError(error);
  } finally {
    state.running = false;
    $('progress').hidden = true;
  }
}

/** Compares with files (or, with `folders`, folders) chosen in the open dialog. */
export async function compareFiles(folders) {
  try {
    const paths = await ipc.pickPaths({ folders });
    if (paths.length > 0) await compareWith({ kind: 'paths', paths });
  } catch (error) {
    showError(error);
  }
}

/** Compares with another window of the log groups shown. */
export function compareWindow() {
  const since = $('compare-since').value.trim();
  const until = $('compare-until').value.trim() || 'now';
  compareWith({ ...state.source, since, until });
}

const ms = (value) => (value === null || value === undefined ? '–' : formatMs(value));

function change(value) {
  if (value === null || value === undefined) return '–';
  return `${value > 0 ? '+' : value < 0 ? '−' : '±'}${formatMs(Math.abs(value))}`;
}

const label = (labels, id) => labels[id] ?? id;

function routeSide(side) {
  if (!side) return [cell('–', 'num'), cell('–', 'num'), cell('–', 'num')];
  return [cell(count(side.requests), 'num'), cell(count(side.timeouts), 'num'), cell(ms(side.latency.p99_ms), 'num')];
}

function routeRows(comparison, labels) {
  return comparison.routes.map((route) => element('tr', { attributes: { 'data-route': route.route, 'data-latency': route.latency } }, [
    cell(route.route, 'name'),
    ...routeSide(route.before),
    ...routeSide(route.after),
    cell(change(route.p99_change_ms), 'num'),
    cell(label(labels, route.latency), `change ${route.latency}`),
    cell(label(labels, route.timeouts), `change ${route.timeouts}`),
  ]));
}

function functionSide(side) {
  if (!side) return [cell('–', 'num'), cell('–', 'num'), cell('–', 'num'), cell('–', 'num')];
  return [cell(count(side.invocations), 'num'), cell(count(side.cold_starts), 'num'),
    cell(count(side.timeouts), 'num'), cell(ms(side.duration.p99_ms), 'num')];
}

function functionRows(comparison, labels) {
  return comparison.functions.map((fn) => element('tr', { attributes: { 'data-function': fn.function } }, [
    cell(fn.function, 'name'),
    ...functionSide(fn.before),
    ...functionSide(fn.after),
    cell(change(fn.p99_change_ms), 'num'),
    cell(label(labels, fn.cold_starts), `change ${fn.cold_starts}`),
    cell(label(labels, fn.timeouts), `change ${fn.timeouts}`),
  ]));
}

function findingItems(comparison, labels) {
  const items = comparison.findings.map((f) => {
    const severities = [f.before, f.after].map((s) => s ?? 'none').join(' → ');
    return element('li', { className: `finding-change ${f.change}`, attributes: { 'data-id': f.id, 'data-change': f.change } }, [
      element('span', { className: 'change-badge', text: label(labels, f.change) }),
      ` ${f.title}${f.subject ? ` (${f.subject})` : ''}: ${severities}`,
    ]);
  });
  if (items.length === 0) items.push(element('li', { className: 'muted', text: 'No finding in either window.' }));
  return items;
}

/** Shows a comparison view, its windows named `[before, after]`. */
export function renderComparison(view, [before, after]) {
  const { comparison, chart, labels } = view;
  $('comparison-windows').textContent = `Before: ${before}. After: ${after}.`;
  $('comparison-summary').replaceChildren(...comparison.summary.map((line) => element('li', { text: line })));
  $('comparison-routes').tBodies[0].replaceChildren(...routeRows(comparison, labels));
  $('comparison-functions-panel').hidden = comparison.functions.length === 0;
  $('comparison-functions').tBodies[0].replaceChildren(...functionRows(comparison, labels));
  $('comparison-findings').replaceChildren(...findingItems(comparison, labels));
  const figure = chart
    ? [element('figure', { attributes: { 'data-chart': chart.id } }, [
      element('figcaption', { text: chart.title }),
      element('img', { attributes: { src: svgImage(chart.svg), alt: chart.title } }),
    ])]
    : [];
  $('comparison-chart').replaceChildren(...figure);
  $('comparison').hidden = false;
  $('comparison').scrollIntoView();
}

export const closeComparison = () => { $('comparison').hidden = true; };

/** Writes the comparison's report (`pdf`, `html`, `md`) where the user chooses. */
export async function exportComparison(kind) {
  try {
    const path = await ipc.exportComparison(kind);
    if (path) showMessage(`Wrote ${path}`, 'info');
  } catch (error) {
    showError(error);
  }
}
