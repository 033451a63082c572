// The API panel of "From CloudWatch Logs": a profile's APIs and stages, the configuration
// of the stage picked as the account holds it (its log groups and access-log format, each
// route's integration and timeout, the functions behind it, what could not be read), and
// "Analyze last hour", which fetches the stage's own groups with that configuration applied.

import { awsTarget } from './aws.js';
import { $, cell, element, hideMessage, showError } from './dom.js';
import { formatMs } from './format.js';
import * as ipc from './ipc.js';
import { watchLive } from './live.js';
import { open } from './run.js';

/** The APIs listed, and the configuration of the stage picked. */
const panel = { apis: [], config: null };

const KINDS = { rest: 'REST', http: 'HTTP', websocket: 'WebSocket' };

const placeholder = (text) => element('option', { text, attributes: { value: '' } });

/** Another profile or region: what was listed was the last one's. */
export function forgetApis() {
  panel.apis = [];
  panel.config = null;
  $('api-select').replaceChildren();
  $('api-stage').replaceChildren();
  $('api-select').disabled = true;
  $('api-stage').disabled = true;
  $('api-config').hidden = true;
  $('aws').classList.remove('with-api');
}

export async function listApis() {
  const { profile, region, mfaCode } = awsTarget();
  const button = $('api-list');
  button.disabled = true;
  hideMessage();
  try {
    forgetApis();
    panel.apis = await ipc.awsApis(profile, region, mfaCode);
    const options = panel.apis.map((api) => element('option', {
      text: `${api.name} (${KINDS[api.kind] ?? api.kind}, ${api.id})`,
      attributes: { value: api.id },
    }));
    $('api-select').replaceChildren(
      placeholder(options.length > 0 ? 'choose an API…' : 'no API in this account and region'),
      ...options,
    );
    $('api-select').disabled = options.length === 0;
  } catch (error) {
    showError(error);
  } finally {
    button.disabled = false;
  }
}

export function chooseApi() {
  const api = panel.apis.find((a) => a.id === $('api-select').value);
  panel.config = null;
  $('api-config').hidden = true;
  const stages = (api?.stages ?? []).map((stage) => element('option', { text: stage, attributes: { value: stage } }));
  $('api-stage').replaceChildren(placeholder(stages.length > 0 ? 'choose a stage…' : 'no stage'), ...stages);
  $('api-stage').disabled = stages.length === 0;
}

function fact(term, value) {
  return [element('dt', { text: term }), element('dd', { text: value })];
}

function renderConfig({ config, log_groups: groups }) {
  const access = config.access_log;
  const execution = config.execution_log;
  $('api-facts').replaceChildren(
    ...fact('Access log', access
      ? `${access.log_group ?? access.destination_arn}${access.format ? '' : ' (no format set)'}`
      : 'off: the stage writes no access log'),
    ...(access?.format ? fact('Format', access.format) : []),
    ...(execution ? fact('Execution log', `${execution.log_group} (${execution.logging_level ?? 'OFF'}` +
      `${execution.data_trace ? ', full request data' : ''})`) : []),
    ...(config.tracing === null ? [] : fact('X-Ray', config.tracing ? 'on' : 'off')),
    ...fact('Log groups to read', groups.length > 0 ? groups.join(', ') : 'none known'),
  );
  $('api-routes').tBodies[0].replaceChildren(...config.routes.map((route) => {
    const integration = route.integration;
    const fn = integration?.function;
    return element('tr', { attributes: { 'data-route': route.route } }, [
      cell(route.route, 'name'),
      cell(integration ? integration.kind : 'none'),
      cell(integration ? `${formatMs(integration.timeout_ms)}${integration.timeout_set ? '' : ' (default)'}` : '–', 'num timeout'),
      cell(fn ? `${fn.name}${fn.qualifier ? `:${fn.qualifier}` : ''}` : '–'),
    ]);
  }));
  $('api-functions').hidden = config.functions.length === 0;
  $('api-functions').tBodies[0].replaceChildren(...config.functions.map((fn) => element('tr', { attributes: { 'data-function': fn.name } }, [
    cell(`${fn.name}${fn.qualifier ? `:${fn.qualifier}` : ''}`, 'name'),
    cell(formatMs(fn.timeout_ms), 'num timeout'),
    cell(fn.memory_mb ? `${fn.memory_mb} MB` : '–', 'num'),
    cell(`${fn.runtime ?? '–'}${fn.architecture ? `, ${fn.architecture}` : ''}`),
    cell(fn.snap_start ? 'on' : 'off'),
    cell(fn.reserved_concurrency ?? '–', 'num'),
    cell(fn.provisioned_concurrency ?? '–', 'num'),
    cell(`${fn.log_group} (${fn.log_format})`),
  ])));
  $('api-notes').replaceChildren(...config.notes.map((note) => element('li', { text: `${note.subject}: ${note.detail}` })));
  $('api-config').hidden = false;
  $('aws').classList.add('with-api');
}

export async function chooseStage() {
  const api = $('api-select').value;
  const stage = $('api-stage').value;
  panel.config = null;
  $('api-config').hidden = true;
  if (!api || !stage) return;
  const { profile, region, mfaCode } = awsTarget();
  hideMessage();
  try {
    const view = await ipc.awsStage(profile, region, mfaCode, api, stage);
    panel.config = view.config;
    renderConfig(view);
  } catch (error) {
    showError(error);
  }
}

/** Fetches the last hour of the stage's own log groups, its configuration applied. */
export function analyzeStage() {
  if (!panel.config) return;
  const { profile, region, mfaCode } = awsTarget();
  open({
    kind: 'cloud', profile, region, mfa_code: mfaCode, groups: [], since: '1h', until: 'now', config: panel.config,
  });
}

/** Watches the stage's own log groups live, its configuration applied (ui/live.js). */
export function watchStage() {
  if (!panel.config) return;
  const { profile, region, mfaCode } = awsTarget();
  watchLive({ profile, region, mfa_code: mfaCode, groups: [], config: panel.config });
}
