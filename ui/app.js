// The window's behaviour: which view shows, and filling it from an Analysis.
// Log-derived text only ever reaches the page through textContent, never as HTML.

import * as ipc from './ipc.js';

const $ = (id) => document.getElementById(id);
const numberFormat = new Intl.NumberFormat('en-US');

function showMessage(text, kind) {
  const message = $('message');
  message.textContent = text;
  message.className = `message ${kind}`;
  message.hidden = false;
}

function hideMessage() {
  $('message').hidden = true;
}

function cell(text, className) {
  const td = document.createElement('td');
  td.textContent = text;
  if (className) td.className = className;
  return td;
}

function row(cells, attributes = {}) {
  const tr = document.createElement('tr');
  for (const [name, value] of Object.entries(attributes)) tr.setAttribute(name, value);
  tr.append(...cells);
  return tr;
}

function formatSeconds(ms) {
  return `${(ms / 1000).toLocaleString('en-US', { maximumFractionDigits: 1 })} s`;
}

function formatLatency(ms) {
  if (ms === null || ms === undefined) return '–';
  return ms < 1000 ? `${ms} ms` : formatSeconds(ms);
}

function render(analysis) {
  const statuses = Object.entries(analysis.status).map(([code, count]) => [Number(code), count]);
  $('figure-requests').textContent = numberFormat.format(analysis.requests);
  $('figure-timeouts').textContent = numberFormat.format(analysis.integration_timeouts);
  $('figure-near').textContent = numberFormat.format(analysis.near_ceiling);
  $('figure-502').textContent = numberFormat.format(analysis.bad_gateway);
  $('figure-p99').textContent = formatLatency(analysis.overall.p99_ms);
  $('figure-ceiling').textContent = `ceiling ${formatSeconds(analysis.ceiling_ms)}`;

  const routeRows = analysis.routes.map((route) => row([
    cell(route.route, 'name'),
    cell(numberFormat.format(route.requests), 'num'),
    cell(numberFormat.format(route.timeouts), route.timeouts > 0 ? 'num bad' : 'num'),
    cell(formatLatency(route.p50_ms), 'num'),
    cell(formatLatency(route.p95_ms), 'num'),
    cell(formatLatency(route.p99_ms), route.p99_ms >= 0.8 * analysis.ceiling_ms ? 'num warn' : 'num'),
    cell(formatLatency(route.max_ms), 'num'),
  ]));
  $('routes-table').tBodies[0].replaceChildren(...routeRows);

  const lambda = analysis.lambda;
  $('lambda-summary').hidden = !lambda;
  if (lambda) {
    $('lambda-summary').textContent = `Lambda: ${numberFormat.format(lambda.invocations)} invocations, ` +
      `${numberFormat.format(lambda.cold_starts)} cold starts, ${numberFormat.format(lambda.timeouts)} timed out; ` +
      `${numberFormat.format(lambda.outlived_gateway)} kept running after the gateway gave up ` +
      `(${numberFormat.format(lambda.gateway_timeouts_on_cold_start)} of them cold starts).`;
  }

  const statusRows = statuses.map(([code, count]) => row([
    cell(String(code), code >= 500 ? 'status bad' : code >= 400 ? 'status warn' : 'status'),
    cell(numberFormat.format(count), 'num count'),
    cell(`${(100 * count / analysis.requests).toFixed(1)} %`, 'num'),
  ], { 'data-status': String(code) }));
  $('status-table').tBodies[0].replaceChildren(...statusRows);

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
  };
  const inputRows = analysis.inputs.map((input) => row([
    cell(input.name, 'name'),
    cell([wrappings[input.wrapping] ?? input.wrapping,
      ...Object.entries(input.kinds).map(([kind, n]) => `${kind}: ${numberFormat.format(n)}`)].join('; '), 'kinds'),
    cell(numberFormat.format(input.lines), 'num'),
    cell(numberFormat.format(input.records), 'num'),
    cell(numberFormat.format(input.rejected.reduce((sum, r) => sum + r.count, 0)), 'num'),
  ]));
  $('inputs-table').tBodies[0].replaceChildren(...inputRows);

  const rejections = analysis.inputs.flatMap((input) => input.rejected.map((rejection) => {
    const li = document.createElement('li');
    li.textContent = `${input.name}: ${rejection.count} line(s) rejected, ${rejection.reason}` +
      ` (first at line ${rejection.first_lines.join(', ')})`;
    return li;
  }));
  for (const input of analysis.inputs.filter((i) => i.error)) {
    const li = document.createElement('li');
    li.textContent = `${input.name}: ${input.error}`;
    rejections.push(li);
  }
  $('rejections').replaceChildren(...rejections);

  $('start').hidden = true;
  $('results').hidden = false;
}

async function run(work, what) {
  document.body.classList.add('busy');
  showMessage(`Reading ${what}…`, 'info');
  try {
    const analysis = await work();
    hideMessage();
    render(analysis);
    document.title = `Ceiling: ${what}`;
  } catch (error) {
    showMessage(String(error), 'error');
  } finally {
    document.body.classList.remove('busy');
  }
}

const describe = (paths) => (paths.length === 1 ? paths[0] : `${paths.length} inputs`);

function openPaths(paths) {
  if (paths.length > 0) run(() => ipc.analyzePaths(paths), describe(paths));
}

const openSample = () => run(ipc.analyzeSample, 'the sample incident');

async function pick(folders) {
  try {
    openPaths(await ipc.pickPaths({ folders }));
  } catch (error) {
    showMessage(String(error), 'error');
  }
}

window.addEventListener('DOMContentLoaded', async () => {
  $('open-files').addEventListener('click', () => pick(false));
  $('open-folder').addEventListener('click', () => pick(true));
  $('open-sample').addEventListener('click', openSample);
  $('start-sample').addEventListener('click', openSample);

  await ipc.onFileDrop(({ type, paths }) => {
    document.body.classList.toggle('dragging', type === 'enter' || type === 'over');
    if (type === 'drop') openPaths(paths);
  });

  const launch = await ipc.startup();
  if (launch.paths.length > 0) openPaths(launch.paths);
  else if (launch.sample) openSample();
});
