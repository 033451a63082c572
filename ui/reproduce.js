// "Reproduce in CloudWatch" under a finding: the Logs Insights query behind its figure, with
// a copy button, the groups and window to run it on, and its console links, each opened in
// the default browser by the app (only console.aws.amazon.com addresses may be opened).
// Everything shown is text: the query holds route names from the logs.

import { copyButton, element, showError, showMessage } from './dom.js';
import { formatTime } from './format.js';
import * as ipc from './ipc.js';
import { zone } from './state.js';

function linkButton(link) {
  const button = element('button', {
    text: link.label,
    className: 'console-link',
    attributes: { type: 'button', 'data-kind': link.kind, title: link.url },
  });
  button.addEventListener('click', async () => {
    try {
      await ipc.openConsole(link.url);
      showMessage(`Opened in your browser: ${link.label}`, 'info');
    } catch (error) {
      showError(error);
    }
  });
  return button;
}

/** The nodes of a finding's `reproduce` section. */
export function reproduceView(reproduce) {
  const timeZone = zone();
  const groups = reproduce.log_groups.map((g) => g.name).join(', ');
  const { start_ms: start, end_ms: end } = reproduce.window;
  const figure = reproduce.figure
    ? ` Its figure: ${reproduce.figure.column} = ${reproduce.figure.value}, added over the rows.`
    : '';
  // the links are left out of the JSON where there are none
  const links = reproduce.links ?? [];
  const nodes = [
    element('h4', { text: 'Reproduce in CloudWatch' }),
    element('div', { className: 'reproduce' }, [
      element('p', {
        className: 'muted',
        text: `${reproduce.shows}, on ${groups}, from ${formatTime(start, timeZone)} to ` +
          `${formatTime(end, timeZone)} ${timeZone}.${figure}`,
      }),
      element('div', { className: 'query-head' }, [
        element('span', { text: 'Logs Insights query' }),
        copyButton(reproduce.query, 'Copy query'),
      ]),
      element('pre', { className: 'query', text: reproduce.query }),
      ...(links.length > 0
        ? [element('div', { className: 'console-links' }, links.map(linkButton))]
        : []),
      ...(reproduce.note ? [element('p', { className: 'note reproduce-note', text: reproduce.note })] : []),
    ]),
  ];
  return nodes;
}
