// The window's behaviour: which view shows, and filling it from the app's View (the engine's
// Analysis and the report crate's charts). Log-derived text only ever reaches the page
// through textContent, never as HTML; charts are images.

import * as ipc from './ipc.js';

const $ = (id) => document.getElementById(id);
const numberFormat = new Intl.NumberFormat('en-US');
const count = (n) => numberFormat.format(n);

const state = {
  source: null,
  preferences: { ceiling_ms: null, local_time: false, recent: [] },
  focus: { route: null, window: null },
  view: null,
  sort: { key: null, descending: true },
  running: false,
};

// ---------------------------------------------------------------- small helpers

function element(tag, { text, className, attributes } = {}, children = []) {
  const node = document.createElement(tag);
  if (text !== undefined) node.textContent = text;
  if (className) node.className = className;
  for (const [name, value] of Object.entries(attributes ?? {})) node.setAttribute(name, value);
  node.append(...children);
  return node;
}

const cell = (text, className) => element('td', { text, className });

function showMessage(text, kind) {
  const message = $('message');
  message.textContent = text;
  message.className = `message ${kind}`;
  message.hidden = false;
}

const hideMessage = () => { $('message').hidden = true; };

function formatSeconds(ms) {
  return `${(ms / 1000).toLocaleString('en-US', { maximumFractionDigits: 1 })} s`;
}

function formatLatency(ms) {
  if (ms === null || ms === undefined) return '–';
  return ms < 1000 ? `${Math.round(ms)} ms` : formatSeconds(ms);
}

function formatBytes(bytes) {
  if (bytes >= 1e9) return `${(bytes / 1e9).toFixed(2)} GB`;
  if (bytes >= 1e6) return `${(bytes / 1e6).toFixed(1)} MB`;
  return `${Math.max(1, Math.round(bytes / 1e3))} kB`;
}

/** Minutes east of UTC of the zone the user chose. */
const zoneOffset = () => (state.preferences.local_time ? -new Date().getTimezoneOffset() : 0);

function zoneName() {
  const offset = zoneOffset();
  if (offset === 0) return 'UTC';
  const sign = offset < 0 ? '-' : '+';
  const minutes = Math.abs(offset);
  return `UTC${sign}${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;
}

/** `2026-03-06 10:10:05` in the chosen zone. */
function formatTime(ms) {
  const shifted = new Date(ms + zoneOffset() * 60_000).toISOString();
  return `${shifted.slice(0, 10)} ${shifted.slice(11, 19)}`;
}

// ---------------------------------------------------------------- running an analysis

function request() {
  const format = $('access-format').value.trim();
  return {
    ceiling_ms: state.preferences.ceiling_ms,
    access_format: format === '' ? null : format,
    zone_offset_minutes: zoneOffset(),
    focus: state.focus,
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
    (left > 0.5 ? ` · about ${Math.ceil(left)} s left` : '');
  $('progress-bar').value = total > 0 ? Math.min(1, bytes / total) : 0;
  const groups = (update.groups ?? []).map((g) =>
    `${g.group}: ${count(g.events)} events in ${count(g.pages)} pages`);
  $('progress-figures').textContent =
    [`So far: ${count(requests)} requests, ${count(timeouts)} gateway timeouts.`, ...groups].join(' · ');
  // the inputs read so far, analyzed: the dashboard fills in while the rest is read
  if (update.so_far) render(update.so_far);
}

async function run(source, what) {
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
    const view = await ipc.analyze(source, request(), (update) => showProgress(update, what));
    state.view = view;
    render(view);
    document.title = `Ceiling: ${what}`;
    loadPreferences();
  } catch (error) {
    showMessage(String(error), 'error');
  } finally {
    state.running = false;
    $('progress').hidden = true;
    document.body.classList.remove('busy');
  }
}

const describe = (paths) => (paths.length === 1 ? paths[0] : `${paths.length} inputs`);

function openPaths(paths) {
  if (paths.length === 0) return;
  state.focus = { route: null, window: null };
  run({ kind: 'paths', paths }, describe(paths));
}

function openSample() {
  state.focus = { route: null, window: null };
  run({ kind: 'sample' }, 'the sample incident');
}

function describeSource(source) {
  if (source.kind === 'sample') return 'the sample incident';
  if (source.kind === 'cloud') return source.groups.length === 1 ? source.groups[0] : `${source.groups.length} log groups`;
  return describe(source.paths);
}

function rerun() {
  if (!state.source || state.running) return;
  run(state.source, describeSource(state.source));
}

function setFocus(focus) {
  state.focus = { route: null, window: null, ...focus };
  rerun();
}

function clearFocus() {
  if (state.focus.route === null && state.focus.window === null) return;
  setFocus({});
}

// ---------------------------------------------------------------- rendering

function renderStory(analysis) {
  $('what-headline').textContent = analysis.what_happened.headline;
  $('what-points').replaceChildren(...analysis.what_happened.points.map((p) => element('li', { text: p })));
}

function renderFigures(analysis) {
  $('figure-requests').textContent = count(analysis.requests);
  $('figure-timeouts').textContent = count(analysis.integration_timeouts);
  $('figure-near').textContent = count(analysis.near_ceiling);
  $('figure-502').textContent = count(analysis.bad_gateway);
  $('figure-p99').textContent = formatLatency(analysis.overall.p99_ms);
  $('figure-ceiling').textContent = `ceiling ${formatSeconds(analysis.ceiling_ms)}`;
}

function copyButton(text) {
  const button = element('button', { text: 'Copy', className: 'copy', attributes: { type: 'button', title: `Copy ${text}` } });
  button.addEventListener('click', async (event) => {
    event.preventDefault();
    try {
      await navigator.clipboard.writeText(text);
      button.textContent = 'Copied';
    } catch {
      button.textContent = 'Select it';
    }
    setTimeout(() => { button.textContent = 'Copy'; }, 1500);
  });
  return button;
}

function evidenceList(finding) {
  const evidence = finding.evidence;
  const items = [];
  for (const route of evidence.routes ?? []) {
    const link = element('button', { text: route.route, className: 'link route-link', attributes: { type: 'button' } });
    link.addEventListener('click', () => setFocus({ route: route.route }));
    items.push(element('li', {}, [link, ` ${count(route.count)} (${Math.round(100 * route.share)}%)`]));
  }
  for (const window of evidence.windows ?? []) {
    items.push(element('li', { text: `${formatTime(window.start_ms)} to ${formatTime(window.end_ms)} ${zoneName()}: ${count(window.count)}` }));
  }
  for (const fn of evidence.functions ?? []) {
    items.push(element('li', { text: `function ${fn.function}: ${count(fn.count)} (${fn.source})` }));
  }
  for (const request of evidence.requests ?? []) {
    const id = request.request_id ?? '(no request id)';
    items.push(element('li', { className: 'sample' }, [
      element('code', { text: id }),
      request.request_id ? copyButton(request.request_id) : '',
      ` ${request.route} ${request.status ?? "(no status)"}` +
        (request.response_latency_ms !== null ? ` after ${formatLatency(request.response_latency_ms)}` : '') +
        (request.time_ms !== null ? ` at ${formatTime(request.time_ms)}` : '') +
        ` · ${request.source.input}:${request.source.line}`,
    ]));
  }
  for (const invocation of evidence.invocations ?? []) {
    items.push(element('li', { className: 'sample' }, [
      element('code', { text: invocation.request_id }),
      copyButton(invocation.request_id),
      ` ${invocation.function}: ${formatLatency(invocation.duration_ms)}` +
        (invocation.init_ms !== null ? ` after an init of ${formatLatency(invocation.init_ms)}` : '') +
        (invocation.paired_by ? `, paired by ${invocation.paired_by}` : '') +
        ` · ${invocation.source.input}:${invocation.source.line}`,
    ]));
  }
  return element('ul', { className: 'evidence' }, items);
}

function renderFindings(analysis) {
  const findings = analysis.findings.map((finding, index) => {
    const summary = element('summary', {}, [
      element('span', { text: finding.severity, className: `badge ${finding.severity}` }),
      element('span', { text: finding.title, className: 'title' }),
      element('span', { text: finding.id, className: 'id' }),
    ]);
    const advice = element('ol', { className: 'advice' }, finding.advice.map((step) => element('li', {}, [
      element('span', { text: step.text }),
      ...(step.link ? [element('span', { text: step.link, className: 'doc-link' })] : []),
    ])));
    const details = element('details', { className: `finding ${finding.severity}`, attributes: { 'data-id': finding.id } }, [
      summary,
      element('p', { text: finding.summary, className: 'finding-summary' }),
      element('h4', { text: 'Evidence' }),
      evidenceList(finding),
      element('h4', { text: 'What to do' }),
      advice,
    ]);
    if (index === 0) details.open = true;
    return details;
  });
  if (findings.length === 0) findings.push(element('p', { text: 'Nothing to report.', className: 'muted' }));
  $('findings').replaceChildren(...findings);
}

// ---------------------------------------------------------------- charts

function svgImage(svg) {
  const bytes = new TextEncoder().encode(svg);
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return `data:image/svg+xml;base64,${btoa(binary)}`;
}

/** The chart's own coordinates (SVG pixels) under a pointer event. */
function chartPoint(chart, image, event) {
  const box = image.getBoundingClientRect();
  return {
    x: (event.clientX - box.left) * chart.width / box.width,
    y: (event.clientY - box.top) * chart.height / box.height,
  };
}

function valueAt(chart, point) {
  const { plot, x, y } = chart;
  const fx = (point.x - plot.left) / plot.width;
  const fy = (point.y - plot.top) / plot.height;
  if (fx < 0 || fx > 1 || fy < 0 || fy > 1) return null;
  return { x: x.min + fx * (x.max - x.min), y: y.max - fy * (y.max - y.min), fy };
}

function readOut(chart, value) {
  if (chart.x.unit === 'time') {
    const parts = chart.series.map((series) => {
      let nearest = null;
      for (const p of series.points) {
        if (nearest === null || Math.abs(p[0] - value.x) < Math.abs(nearest[0] - value.x)) nearest = p;
      }
      const close = nearest && Math.abs(nearest[0] - value.x) <= (chart.x.max - chart.x.min) / 60;
      const number = close ? nearest[1] : 0;
      return chart.y.unit === 'ms' && series.name !== 'timeouts'
        ? `${series.name} ${close ? formatLatency(number) : '–'}`
        : `${series.name} ${count(number)}`;
    });
    return `${formatTime(value.x)} ${zoneName()}: ${parts.join(', ')}`;
  }
  const index = Math.min(chart.categories.length - 1, Math.floor(value.fy * chart.categories.length));
  const parts = chart.series.map((series) => `${series.name} ${formatLatency(series.points[index]?.[1])}`);
  return `${chart.categories[index]}: ${parts.join(', ')} (ceiling ${formatSeconds(chart.ceiling_ms)})`;
}

function chartFigure(chart) {
  const image = element('img', { attributes: { src: svgImage(chart.svg), alt: chart.title, draggable: 'false' } });
  const selection = element('div', { className: 'selection', attributes: { hidden: '' } });
  const frame = element('div', { className: 'chart-frame' }, [image, selection]);
  const readout = element('p', { className: 'readout', text: ' ' });
  let dragFrom = null;
  image.addEventListener('mousemove', (event) => {
    const value = valueAt(chart, chartPoint(chart, image, event));
    readout.textContent = value ? readOut(chart, value) : ' ';
    if (dragFrom !== null) {
      const box = image.getBoundingClientRect();
      const left = Math.min(dragFrom, event.clientX) - box.left;
      selection.style.left = `${left}px`;
      selection.style.width = `${Math.abs(event.clientX - dragFrom)}px`;
      selection.hidden = false;
    }
  });
  image.addEventListener('mouseleave', () => { readout.textContent = ' '; });
  if (chart.x.unit === 'time') {
    image.addEventListener('mousedown', (event) => { dragFrom = event.clientX; event.preventDefault(); });
    window.addEventListener('mouseup', (event) => {
      if (dragFrom === null) return;
      const from = valueAt(chart, chartPoint(chart, image, { clientX: dragFrom, clientY: event.clientY }));
      const to = valueAt(chart, chartPoint(chart, image, event));
      const moved = Math.abs(event.clientX - dragFrom);
      dragFrom = null;
      selection.hidden = true;
      if (from && to && moved > 6) {
        const start = Math.round(Math.min(from.x, to.x));
        const end = Math.round(Math.max(from.x, to.x));
        setFocus({ route: state.focus.route, window: [start, end] });
      }
    }, { signal: chartListeners.signal });
  }
  return element('figure', { className: 'chart', attributes: { 'data-chart': chart.id } }, [
    element('figcaption', { text: chart.title }),
    frame,
    readout,
  ]);
}

/** Listeners the charts put on the window, removed when the charts are drawn again. */
let chartListeners = new AbortController();

function renderCharts(charts) {
  chartListeners.abort();
  chartListeners = new AbortController();
  $('charts').replaceChildren(...charts.map(chartFigure));
}

// ---------------------------------------------------------------- tables

function routeValue(route, key) {
  return key === 'route' ? route.route : (route[key] ?? -1);
}

function renderRoutes(analysis) {
  const filter = $('route-filter').value.trim().toLowerCase();
  let routes = analysis.routes.filter((route) => route.route.toLowerCase().includes(filter));
  const { key, descending } = state.sort;
  if (key) {
    routes = [...routes].sort((a, b) => {
      const x = routeValue(a, key);
      const y = routeValue(b, key);
      const order = typeof x === 'string' ? x.localeCompare(y) : x - y;
      return descending ? -order : order;
    });
  }
  const rows = routes.map((route) => {
    const tr = element('tr', { attributes: { 'data-route': route.route, tabindex: '0', title: 'Focus on this route' } }, [
      cell(route.route, 'name'),
      cell(count(route.requests), 'num'),
      cell(count(route.timeouts), route.timeouts > 0 ? 'num bad' : 'num'),
      cell(count(route.bad_gateway), route.bad_gateway > 0 ? 'num warn' : 'num'),
      cell(formatLatency(route.p50_ms), 'num'),
      cell(formatLatency(route.p95_ms), 'num'),
      cell(formatLatency(route.p99_ms), route.p99_ms >= 0.8 * analysis.ceiling_ms ? 'num warn' : 'num'),
      cell(formatLatency(route.max_ms), 'num'),
    ]);
    const focus = () => setFocus({ route: route.route, window: state.focus.window });
    tr.addEventListener('click', focus);
    tr.addEventListener('keydown', (event) => { if (event.key === 'Enter') focus(); });
    return tr;
  });
  $('routes-table').tBodies[0].replaceChildren(...rows);
  for (const th of $('routes-table').tHead.rows[0].cells) {
    th.classList.toggle('sorted', th.dataset.key === key);
    th.classList.toggle('descending', th.dataset.key === key && descending);
  }
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
    cell(formatLatency(fn.timeout_ms), fn.timeout_ms > analysis.ceiling_ms ? 'num bad' : 'num'),
    cell(formatLatency(fn.duration.p50_ms), 'num'),
    cell(formatLatency(fn.duration.p99_ms), 'num'),
    cell(formatLatency(fn.duration.max_ms), 'num'),
    cell(formatLatency(fn.max_init_ms), 'num'),
    cell(fn.memory_mb ? `${fn.max_memory_used_mb ?? '–'} / ${fn.memory_mb} MB` : '–',
      fn.memory_pressure > 0 ? 'num warn' : 'num'),
  ]));
  $('lambda-table').tBodies[0].replaceChildren(...rows);
}

const wrappings = {
  'raw': 'lines',
  's3-export': 'S3 export',
  'tail-detailed': 'aws logs tail',
  'tail-short': 'aws logs tail (short)',
  'json-document': 'JSON document',
  'insights-csv': 'Logs Insights CSV',
  'clock-time': 'lines with times of day',
  'console-time': 'console test output',
  'markdown-table': 'Markdown table',
  'insights-table': 'Logs Insights table (tab-separated)',
};

function renderInputs(analysis) {
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
    cell([wrappings[input.wrapping] ?? input.wrapping,
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
  const parts = [];
  if (route) parts.push(route);
  if (window) parts.push(`${formatTime(window[0])} to ${formatTime(window[1])} ${zoneName()}`);
  $('focus-what').textContent = parts.join(', ');
  $('focus-bar').hidden = parts.length === 0;
}

function render(view) {
  const { analysis } = view;
  renderFocus();
  $('partial-note').hidden = !view.partial;
  const stillReading = view.notes.includes('still reading');
  $('partial-note').textContent = !view.partial ? ''
    : stillReading ? 'Still reading: these figures and findings are of the inputs read so far.'
      : `Partial: these figures are of what was read until it stopped (${view.notes.join('; ')}).`;
  $('approximate-note').hidden = !(analysis.approximate?.length > 0);
  $('approximate-note').textContent = (analysis.approximate ?? []).join(' ');
  renderStory(analysis);
  renderFigures(analysis);
  renderFindings(analysis);
  renderCharts(view.charts);
  renderRoutes(analysis);
  renderLambda(analysis);
  renderInputs(analysis);
  $('start').hidden = true;
  $('results').hidden = false;
}

// ---------------------------------------------------------------- preferences, export

async function loadPreferences() {
  try {
    state.preferences = await ipc.loadPreferences();
  } catch (error) {
    showMessage(`Settings could not be read: ${error}`, 'error');
  }
  const recent = state.preferences.recent.map((path) => {
    const button = element('button', { text: path, className: 'link', attributes: { type: 'button' } });
    button.addEventListener('click', () => openPaths([path]));
    return element('li', {}, [button]);
  });
  $('recent').replaceChildren(...recent);
  $('recent-empty').hidden = recent.length > 0;
}

function openSettings() {
  const ceiling = state.preferences.ceiling_ms;
  $('setting-ceiling').value = ceiling ? String(ceiling / 1000) : '';
  $('setting-zone').value = state.preferences.local_time ? 'local' : 'utc';
  $('settings').showModal();
}

async function saveSettings() {
  const seconds = Number.parseFloat($('setting-ceiling').value);
  const ceilingMs = Number.isFinite(seconds) && seconds > 0 ? Math.round(seconds * 1000) : null;
  const localTime = $('setting-zone').value === 'local';
  try {
    await ipc.savePreferences({ ceilingMs, localTime });
    state.preferences.ceiling_ms = ceilingMs;
    state.preferences.local_time = localTime;
    rerun();
  } catch (error) {
    showMessage(String(error), 'error');
  }
}

async function exportAs(kind) {
  $('export-menu').open = false;
  if (!state.view) {
    showMessage('Open some logs first: there is nothing to export yet.', 'info');
    return;
  }
  try {
    const path = await ipc.exportAs(kind);
    if (path) showMessage(`Wrote ${path}`, 'info');
  } catch (error) {
    showMessage(String(error), 'error');
  }
}

async function pick(folders) {
  try {
    openPaths(await ipc.pickPaths({ folders }));
  } catch (error) {
    showMessage(String(error), 'error');
  }
}

// ---------------------------------------------------------------- CloudWatch Logs

async function loadProfiles() {
  try {
    const profiles = await ipc.awsProfiles();
    const options = profiles.map((p) => element('option', {
      text: `${p.name}${p.region ? ` (${p.region})` : ''} · ${p.kind}${p.mfa ? ' · MFA' : ''}`,
      attributes: { value: p.name, 'data-mfa': p.mfa ? 'yes' : 'no' },
    }));
    if (options.length === 0) options.push(element('option', { text: 'default credentials', attributes: { value: '' } }));
    $('aws-profile').replaceChildren(...options);
    showMfaField();
  } catch (error) {
    $('aws-profile').replaceChildren(element('option', { text: 'default credentials', attributes: { value: '' } }));
  }
}

/** Shows the MFA code field for a profile that assumes its role with one. */
function showMfaField() {
  const chosen = $('aws-profile').selectedOptions[0];
  $('aws-mfa-row').hidden = chosen?.dataset.mfa !== 'yes';
}

/** Another profile may be another account: the groups listed were the last one's. */
function changeProfile() {
  showMfaField();
  $('aws-groups').replaceChildren();
}

const awsTarget = () => ({
  profile: $('aws-profile').value || null,
  region: $('aws-region').value.trim() || null,
  mfaCode: $('aws-mfa-row').hidden ? null : ($('aws-mfa').value.trim() || null),
});

async function listGroups() {
  const { profile, region, mfaCode } = awsTarget();
  const button = $('aws-list');
  button.disabled = true;
  hideMessage();
  try {
    const groups = await ipc.awsLogGroups(profile, region, mfaCode, $('aws-prefix').value.trim() || null);
    const items = groups.map((group) => {
      const box = element('input', { attributes: { type: 'checkbox', value: group.name } });
      const size = group.stored_bytes ? ` · ${formatBytes(group.stored_bytes)}` : '';
      const retention = group.retention_days ? ` · kept ${group.retention_days} d` : '';
      const holds = group.holds ? ` · ${group.holds}, by a message` : '';
      return element('li', { className: group.suggested ? 'suggested' : '' }, [
        element('label', {}, [box, ` ${group.name}`, element('span', { className: 'muted', text: size + retention + holds })]),
      ]);
    });
    if (items.length === 0) items.push(element('li', { className: 'muted', text: 'No log group by that name.' }));
    $('aws-groups').replaceChildren(...items);
  } catch (error) {
    showMessage(String(error), 'error');
  } finally {
    button.disabled = false;
  }
}

function fetchGroups() {
  const groups = [...document.querySelectorAll('#aws-groups input:checked')].map((box) => box.value);
  if (groups.length === 0) {
    showMessage('Choose one or more log groups first (List log groups).', 'info');
    return;
  }
  const preset = $('aws-preset').value;
  const since = preset === 'custom' ? $('aws-since').value.trim() : preset;
  const until = preset === 'custom' ? ($('aws-until').value.trim() || 'now') : 'now';
  state.focus = { route: null, window: null };
  const { profile, region, mfaCode } = awsTarget();
  // the code stays in this window's memory; the app never writes it anywhere
  const source = { kind: 'cloud', profile, region, mfa_code: mfaCode, groups, since, until };
  run(source, describeSource(source));
}

// ---------------------------------------------------------------- wiring

window.addEventListener('DOMContentLoaded', async () => {
  $('open-files').addEventListener('click', () => pick(false));
  $('open-folder').addEventListener('click', () => pick(true));
  $('open-sample').addEventListener('click', openSample);
  $('start-sample').addEventListener('click', openSample);
  $('cancel').addEventListener('click', () => ipc.cancel());
  $('clear-focus').addEventListener('click', clearFocus);
  $('open-settings').addEventListener('click', openSettings);
  $('save-settings').addEventListener('click', saveSettings);
  $('aws-list').addEventListener('click', listGroups);
  $('aws-profile').addEventListener('change', changeProfile);
  $('aws-fetch').addEventListener('click', fetchGroups);
  $('aws-preset').addEventListener('change', () => {
    const custom = $('aws-preset').value === 'custom';
    $('aws-since').hidden = !custom;
    $('aws-until').hidden = !custom;
  });
  $('route-filter').addEventListener('input', () => state.view && renderRoutes(state.view.analysis));
  for (const button of document.querySelectorAll('[data-export]')) {
    button.addEventListener('click', () => exportAs(button.dataset.export));
  }
  for (const th of $('routes-table').tHead.rows[0].cells) {
    th.addEventListener('click', () => {
      const key = th.dataset.key;
      state.sort = { key, descending: state.sort.key === key ? !state.sort.descending : key !== 'route' };
      if (state.view) renderRoutes(state.view.analysis);
    });
  }
  document.addEventListener('keydown', (event) => {
    const command = event.ctrlKey || event.metaKey;
    if (event.key === 'Escape' && !$('settings').open) clearFocus();
    else if (command && event.key.toLowerCase() === 'o') { event.preventDefault(); pick(false); }
    else if (command && event.key.toLowerCase() === 'e') { event.preventDefault(); exportAs('pdf'); }
    else if (command && event.key.toLowerCase() === 'f' && state.view) { event.preventDefault(); $('route-filter').focus(); }
  });

  await ipc.onFileDrop(({ type, paths }) => {
    document.body.classList.toggle('dragging', type === 'enter' || type === 'over');
    if (type === 'drop') openPaths(paths);
  });

  await loadPreferences();
  loadProfiles();
  const launch = await ipc.startup();
  if (launch.paths.length > 0) openPaths(launch.paths);
  else if (launch.sample) openSample();
});
