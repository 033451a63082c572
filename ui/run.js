// Running an analysis: the request the window's settings make, progress while it reads, and
// the view it ends with.

import { render } from './dashboard.js';
import { $, hideMessage, showError } from './dom.js';
import { count, formatBytes, formatMs } from './format.js';
import * as ipc from './ipc.js';
import { state, zone } from './state.js';

/** The request the window's settings make. */
export function request() {
  const format = $('access-format').value.trim();
  return {
    ceiling_ms: state.preferences.ceiling_ms,
    access_format: format === '' ? null : format,
    time_zone: zone(),
    focus: state.focus,
    console_region: state.preferences.console_region ?? null,
  };
}

function showProgress(update, what) {
  const { bytes, total_bytes: total, lines, requests, timeouts, elapsed_ms: elapsed } = update;
  const seconds = Math.max(elapsed / 1000, 0.001);
  const rate = bytes / seconds;
  const left = rate > 0 && total > bytes ? (total - bytes) / rate : 0;
  $('progress-what').textContent = `Reading ${what}`;
  $('progress-text').textContent = `${formatBytes(bytes)}${total > 0 ? ` of ${formatBytes(total)}` : ''} · ` +
    `${count(lines)} lines · ${formatBytes(rate)}/s` +
    (left > 0.5 ? ` · about ${formatMs(Math.ceil(left) * 1000)} left` : '');
  $('progress-bar').value = total > 0 ? Math.min(1, bytes / total) : 0;
  const groups = (update.groups ?? []).map((g) =>
    `${g.group}: ${count(g.events)} events in ${count(g.pages)} pages`);
  $('progress-figures').textContent =
    [`So far: ${count(requests)} requests, ${count(timeouts)} gateway timeouts.`, ...groups].join(' · ');
  // the inputs read so far, analyzed: the dashboard fills in while the rest is read. A
  // report the channel delivers after the reading's own answer is stale: it would put a
  // snapshot over the whole.
  if (update.so_far && state.running) render(update.so_far);
}

const describe = (paths) => (paths.length === 1 ? paths[0] : `${paths.length} inputs`);

/** How the window names a source: a path, the sample, log groups. */
export function describeSource(source) {
  if (source.kind === 'sample') return 'the sample incident';
  if (source.kind === 'cloud' && source.config) return `${source.config.api_name} ${source.config.stage}`;
  if (source.kind === 'cloud') return source.groups.length === 1 ? source.groups[0] : `${source.groups.length} log groups`;
  return describe(source.paths);
}

/** Analyzes `source` and shows it; resolves to whether it could. */
export async function run(source) {
  const what = describeSource(source);
  state.source = source;
  state.running = true;
  document.body.classList.add('busy');
  hideMessage();
  $('progress').hidden = false;
  $('progress-bar').value = 0;
  $('progress-text').textContent = '';
  $('progress-figures').textContent = '';
  $('progress-what').textContent = `Reading ${what}`;
  try {
    render(await ipc.analyze(source, request(), (update) => showProgress(update, what)));
    document.title = `Ceiling: ${what}`;
    return true;
  } catch (error) {
    showError(error);
    return false;
  } finally {
    state.running = false;
    $('progress').hidden = true;
    document.body.classList.remove('busy');
  }
}

/** Analyzes the open source again, with the focus and settings as they are now. */
export function rerun() {
  if (!state.source || state.running) return;
  run(state.source);
}

/** Analyzes a new source, from everything. */
export function open(source) {
  state.focus = { route: null, window: null };
  // a comparison was of the analysis shown before
  $('comparison').hidden = true;
  return run(source);
}
