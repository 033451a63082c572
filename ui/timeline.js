// An invocation's timeline: the lines its function printed on a time axis from its START, the
// longest gap between them marked, and the gateway's ceiling drawn against it. Log text goes
// in through textContent only (element's `text`); positions are numbers the engine computed.

import { element } from './dom.js';
import { formatMs } from './format.js';

const percent = (ms, span) => `${Math.max(0, Math.min(100, (100 * ms) / span)).toFixed(2)}%`;

/** Places `node` by CSSOM (the CSP refuses style attributes): `left` and `width` in %. */
function placed(node, left, width = null) {
  node.style.left = left;
  if (width !== null) node.style.width = width;
  return node;
}

/** The timeline of `sample` (an InvocationTimeline) against `ceilingMs`. */
export function timelineView(sample, ceilingMs) {
  const start = sample.start_ms;
  const span = Math.max(sample.duration_ms, ceilingMs) * 1.05;
  const offset = (line) => (line.time_ms !== null && start !== null ? line.time_ms - start : null);
  const at = (index, end) => {
    if (index === null) return end ? sample.duration_ms : 0;
    return offset(sample.lines[index]) ?? 0;
  };
  const gap = sample.longest_gap;
  // Every row's track holds the gap, the end and the ceiling, so that they line up.
  const track = (dotMs, label) => {
    const parts = [];
    if (gap) {
      const from = at(gap.after, false);
      const to = at(gap.before, true);
      const band = placed(element('span', {
        className: 'timeline-gap',
        attributes: { title: `longest gap: ${formatMs(gap.ms)}` },
      }), percent(from, span), percent(to - from, span));
      if (label) band.append(element('span', { text: `longest gap ${formatMs(gap.ms)}` }));
      parts.push(band);
    }
    parts.push(placed(element('span', { className: 'timeline-end' }), percent(sample.duration_ms, span)));
    parts.push(placed(element('span', {
      className: 'timeline-ceiling',
      attributes: { title: `ceiling ${formatMs(ceilingMs)}` },
    }), percent(ceilingMs, span)));
    if (dotMs !== null) parts.push(placed(element('span', { className: 'timeline-dot' }), percent(dotMs, span)));
    return element('span', { className: label ? 'timeline-track header' : 'timeline-track' }, parts);
  };
  const header = element('li', { className: 'timeline-line timeline-head' }, [
    element('span', { className: 'timeline-at', text: 'START' }),
    track(null, true),
    element('span', {}),
    element('span', { className: 'timeline-message muted', text: `ceiling ${formatMs(ceilingMs)} (red)` }),
    element('span', {}),
  ]);
  const rows = sample.lines.map((line, index) => {
    const ms = offset(line);
    const marked = gap && (gap.after === index || gap.before === index);
    return element('li', { className: marked ? 'timeline-line marked' : 'timeline-line' }, [
      element('span', { className: 'timeline-at', text: ms === null ? '?' : `+${(ms / 1000).toFixed(1)} s` }),
      track(ms ?? 0, false),
      element('span', { className: 'timeline-level', text: line.level ?? '' }),
      element('span', { className: 'timeline-message', text: line.message }),
      element('span', { className: 'timeline-source', text: `${line.source.input}:${line.source.line}` }),
    ]);
  });
  const legend = element('p', {
    className: 'timeline-legend muted',
    text: `${formatMs(sample.duration_ms)}${sample.timed_out ? ', timed out' : ''}; red: the ${formatMs(ceilingMs)} ceiling` +
      (sample.lines_left_out > 0 ? `; ${sample.lines_left_out} more lines not kept` : ''),
  });
  return element('div', { className: 'timeline', attributes: { 'data-request-id': sample.request_id } }, [
    element('ol', { className: 'timeline-lines' }, [header, ...rows]),
    legend,
  ]);
}
