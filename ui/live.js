// The live view: log groups watched during an incident ("Watch live" in the CloudWatch and
// API panels). The app sends, after each round of the watch, the chosen window's analysis
// (drawn by the dashboard as any analysis is, so the findings, figures and exports are the
// usual ones), a chart of its latest minutes against the ceiling, the watch's status (the
// source, events a second, sampled or not, the session time, reconnections) and the
// findings that appeared and cleared. Pause freezes the figures, Stop ends the session.

import { svgImage } from './charts.js';
import { render } from './dashboard.js';
import { $, element, hideMessage, showError, showMessage } from './dom.js';
import { count, formatMs, formatTime } from './format.js';
import * as ipc from './ipc.js';
import { request } from './run.js';
import { state, zone } from './state.js';

/** The watch the view shows: its channel's token (an old watch's words are ignored), its
 * session number once known, and where it stands. */
const live = { token: null, session: null, paused: false, ended: true, shown: null };

/** `1:02:03` or `2:03`: the session's time. */
function clock(ms) {
  const seconds = Math.floor(ms / 1000);
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = String(seconds % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${s}` : `${m}:${s}`;
}

/** The window chosen: minutes, or null for everything since the start. */
function windowChoice() {
  const value = $('live-window').value;
  return value === 'all' ? null : Number(value);
}

function describe(source) {
  if (source.config) return `${source.config.api_name} ${source.config.stage}`;
  return source.groups.length === 1 ? source.groups[0] : `${source.groups.length} log groups`;
}

/**
 * Watches `source` (`{ profile, region, mfa_code, groups, config }`: log groups by name, or
 * a stage's own with its configuration) live, replacing any watch that runs. `everyMs` is
 * the polling interval where the watch polls (2 s by default).
 */
export async function watchLive(source, { everyMs = null } = {}) {
  const token = {};
  Object.assign(live, { token, session: null, paused: false, ended: false, shown: null });
  // the live view has no focus, and nothing to read again: it is the watch's
  state.source = null;
  state.focus = { route: null, window: null };
  $('comparison').hidden = true;
  $('live-what').textContent = describe(source);
  $('live-changes').replaceChildren();
  $('live-pause').textContent = 'Pause';
  setRunning(true);
  showMessage(`Watching ${describe(source)}: reading the last 15 minutes first…`, 'info');
  try {
    const session = await ipc.watchStart(source, request(),
      { window_minutes: windowChoice(), every_ms: everyMs },
      (update) => { if (live.token === token) onUpdate(update); });
    if (live.token === token) live.session = session;
  } catch (error) {
    if (live.token !== token) return;
    live.ended = true;
    setRunning(false);
    showError(error);
  }
}

function setRunning(running) {
  $('live-pause').disabled = !running;
  $('live-stop').disabled = !running;
  $('live-window').disabled = !running;
}

function onUpdate(update) {
  if (update.kind === 'ended') {
    live.ended = true;
    setRunning(false);
    if (update.reason === 'replaced') {
      $('live').hidden = true;
      return;
    }
    $('live-state').textContent = update.reason === 'failed' ? 'Ended by an error' : 'Stopped';
    $('live-state').dataset.state = update.reason;
    if (update.error) showError(update.error);
    return;
  }
  live.session = update.session;
  live.paused = update.paused;
  if (update.view) showView(update.view);
  if (update.view || !$('live').hidden) renderLive(update);
}

/** Draws the window's analysis as any analysis is drawn, keeping the findings opened. */
function showView(view) {
  const text = JSON.stringify(view.analysis);
  if (text === live.shown) return;
  const first = live.shown === null;
  live.shown = text;
  const opened = new Set([...document.querySelectorAll('#findings details[open]')].map((d) => d.dataset.id));
  state.focus = { route: null, window: null };
  render(view);
  if (!first) {
    for (const details of document.querySelectorAll('#findings details')) {
      details.open = opened.has(details.dataset.id);
    }
  } else {
    hideMessage();
    document.title = `Ceiling: watching ${$('live-what').textContent}`;
  }
  $('live').hidden = false;
}

function sourceText(update) {
  const status = update.status;
  if (!status) return `Reading the last ${Math.round(update.backfill_ms / 60_000)} minutes through FilterLogEvents (the backfill)…`;
  if (update.polling_because) {
    return `Polling FilterLogEvents every ${formatMs(update.every_ms)}, because ${update.polling_because}. ` +
      'Every event is read; polling is not billed per minute, but counts against the FilterLogEvents quota.';
  }
  if (status.source === 'live-tail') {
    return 'Live Tail (StartLiveTail): events as they arrive, at most 500 a second (sampled above that); ' +
      'billed per minute after the free allowance.';
  }
  return 'Opening a Live Tail session…';
}

function renderLive(update) {
  const status = update.status;
  const timeZone = zone();
  const stateText = update.paused
    ? `Paused at ${formatTime(update.at_ms, timeZone)} ${timeZone}: the figures stand as they were`
    : status?.live ? 'Live' : 'Reading the backfill';
  $('live-state').textContent = stateText;
  $('live-state').dataset.state = update.paused ? 'paused' : 'live';
  $('live-pause').textContent = update.paused ? 'Resume' : 'Pause';
  const minutes = update.window_minutes;
  $('live-window').value = minutes === null ? 'all' : String(minutes);
  $('live-source').textContent = sourceText(update);
  $('live-source').dataset.source = update.polling_because ? 'polling' : (status?.source ?? 'backfill');
  $('live-rate').textContent = status ? `${status.events_per_second.toFixed(1)} events/s` : '–';
  $('live-events').textContent = status ? count(status.events) : '–';
  $('live-session').textContent = status ? clock(status.session_ms) : '–';
  $('live-reconnections').textContent = status ? count(status.reconnections) : '–';
  $('live-sampled').textContent = status?.sampled
    ? 'Sampled: Live Tail sends a sample above 500 events a second. Requests, timeouts, 5xx and ' +
      'invocations of those seconds are counts of the sample (lower than the real ones); percentiles ' +
      'and shares are estimated from it. The seconds it did not sample are counted exactly.'
    : 'Every event is counted: the figures are exact.';
  $('live-sampled').className = status?.sampled ? 'message warn' : 'muted';
  $('live-note').hidden = !update.note;
  $('live-note').textContent = update.note ?? '';
  if (update.view) renderChart(update.chart, minutes);
  $('live-changes').replaceChildren(...[...update.changes].reverse().map((change) => element('li', {
    className: change.severity,
    attributes: { 'data-id': change.id, 'data-change': change.appeared ? 'appeared' : 'cleared' },
  }, [
    element('span', { className: 'muted', text: `${formatTime(change.at_ms, timeZone)} ` }),
    element('strong', { text: change.appeared ? 'appeared' : 'cleared' }),
    ` ${change.severity}: ${change.title} `,
    element('span', { className: 'id', text: change.id }),
  ])));
  $('live-changes-empty').hidden = update.changes.length > 0;
}

/** The chart of the window to now. One image throughout, its address changed: the image
 * shown stays until the next is decoded, so that the chart does not blink at each round. */
function renderChart(chart, minutes) {
  const frame = $('live-chart');
  if (!chart) {
    frame.replaceChildren(element('p', { className: 'muted', text: 'No requests in the window yet.' }));
    $('live-chart-title').textContent = '';
    return;
  }
  let image = frame.querySelector('img');
  if (!image) {
    image = element('img', { attributes: { alt: chart.title } });
    frame.replaceChildren(image);
  }
  image.src = svgImage(chart.svg);
  image.alt = chart.title;
  $('live-chart-title').textContent = `${chart.title}, ${windowText(minutes)} to now`;
}

const windowText = (minutes) => (minutes === null ? 'since the start' : `last ${minutes} min`);

/** Pause or resume. */
export function togglePause() {
  if (live.session === null || live.ended) return;
  ipc.watchPause(live.session, !live.paused).catch(showError);
}

export function stopWatch() {
  if (live.session === null || live.ended) return;
  ipc.watchStop(live.session).catch(showError);
}

export function chooseWindow() {
  if (live.session === null || live.ended) return;
  ipc.watchWindow(live.session, windowChoice()).catch(showError);
}
