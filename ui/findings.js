// The findings panel: each finding with its evidence (routes to focus on, windows, request
// and invocation ids with copy buttons, the file and line each came from) and its advice.

import { $, copyButton, element } from './dom.js';
import { count, formatMs, formatTime } from './format.js';
import { reproduceView } from './reproduce.js';
import { setFocus, zone } from './state.js';
import { timelineView } from './timeline.js';

/** A `slow-step` finding's step, and each sample invocation opening onto its timeline. */
function stepTimelines(step, ceilingMs) {
  const head = element('p', {
    className: 'step',
    text: `'${step.after}' → '${step.before}': a median ${Math.round(100 * step.median_share)}% of the time, ` +
      `the longest wait in ${count(step.invocations)} of ${count(step.slow_invocations)} slow invocations`,
  });
  const samples = step.samples.map((sample, index) => {
    const details = element('details', { className: 'invocation-timeline', attributes: { 'data-request-id': sample.request_id } }, [
      element('summary', {}, [
        element('code', { text: sample.request_id }),
        ` ${sample.function}: ${formatMs(sample.duration_ms)}${sample.timed_out ? ', timed out' : ''}`,
      ]),
      timelineView(sample, ceilingMs),
    ]);
    if (index === 0) details.open = true;
    return details;
  });
  return element('div', { className: 'steps' }, [head, ...samples]);
}

function evidenceList(finding) {
  const evidence = finding.evidence;
  const timeZone = zone();
  const time = (ms) => formatTime(ms, timeZone);
  const items = [];
  for (const route of evidence.routes ?? []) {
    const link = element('button', { text: route.route, className: 'link route-link', attributes: { type: 'button' } });
    link.addEventListener('click', () => setFocus({ route: route.route }));
    items.push(element('li', {}, [link, ` ${count(route.count)} (${Math.round(100 * route.share)}%)`]));
  }
  for (const window of evidence.windows ?? []) {
    items.push(element('li', { text: `${time(window.start_ms)} to ${time(window.end_ms)} ${timeZone}: ${count(window.count)}` }));
  }
  for (const fn of evidence.functions ?? []) {
    items.push(element('li', { text: `function ${fn.function}: ${count(fn.count)} (${fn.source})` }));
  }
  for (const request of evidence.requests ?? []) {
    const id = request.request_id ?? '(no request id)';
    items.push(element('li', { className: 'sample' }, [
      element('code', { text: id }),
      request.request_id ? copyButton(request.request_id) : '',
      ` ${request.route} ${request.status ?? '(no status)'}` +
        (request.response_latency_ms !== null ? ` after ${formatMs(request.response_latency_ms)}` : '') +
        (request.time_ms !== null ? ` at ${time(request.time_ms)}` : '') +
        ` · ${request.source.input}:${request.source.line}`,
    ]));
  }
  for (const invocation of evidence.invocations ?? []) {
    items.push(element('li', { className: 'sample' }, [
      element('code', { text: invocation.request_id }),
      copyButton(invocation.request_id),
      ` ${invocation.function}: ${formatMs(invocation.duration_ms)}` +
        (invocation.init_ms !== null ? ` after an init of ${formatMs(invocation.init_ms)}` : '') +
        (invocation.paired_by ? `, paired by ${invocation.paired_by}` : '') +
        ` · ${invocation.source.input}:${invocation.source.line}`,
    ]));
  }
  return element('ul', { className: 'evidence' }, items);
}

export function renderFindings(analysis) {
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
      ...(finding.evidence.steps ? [stepTimelines(finding.evidence.steps, analysis.ceiling_ms)] : []),
      element('h4', { text: 'What to do' }),
      advice,
      ...(finding.reproduce ? reproduceView(finding.reproduce) : []),
    ]);
    if (index === 0) details.open = true;
    return details;
  });
  if (findings.length === 0) findings.push(element('p', { text: 'Nothing to report.', className: 'muted' }));
  $('findings').replaceChildren(...findings);
}
