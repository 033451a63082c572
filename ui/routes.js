// The routes table: sortable by any column, filtered by the box above it; choosing a route
// focuses on it.

import { $, cell, element } from './dom.js';
import { count, formatMs } from './format.js';
import { setFocus, state } from './state.js';

function routeValue(route, key) {
  return key === 'route' ? route.route : (route[key] ?? -1);
}

/** Draws the routes of the view shown, as filtered and sorted now. */
export function renderRoutes() {
  if (!state.view) return;
  const { analysis, p99_warn_ms: p99Warn } = state.view;
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
  // the routes past the engine's cap, counted together: no one route to focus on
  const folded = analysis.routes.find((route) => route.folded_routes != null);
  const table = $('routes-table');
  if (folded) {
    table.createCaption().textContent = `${count(folded.folded_routes)} more routes are counted together as "${folded.route}", the last row.`;
  } else {
    table.deleteCaption();
  }
  const cells = (route, p99Class) => [
    cell(route.route, 'name'),
    cell(count(route.requests), 'num'),
    cell(count(route.timeouts), route.timeouts > 0 ? 'num bad' : 'num'),
    cell(count(route.bad_gateway), route.bad_gateway > 0 ? 'num warn' : 'num'),
    cell(formatMs(route.p50_ms), 'num'),
    cell(formatMs(route.p95_ms), 'num'),
    cell(formatMs(route.p99_ms), p99Class),
    cell(formatMs(route.max_ms), 'num'),
  ];
  const rows = routes.map((route) => {
    if (route.folded_routes != null) {
      // many routes together: no p99 of one route to warn of, and nothing to focus on
      return element('tr', { attributes: { 'data-route': route.route, class: 'folded', title: 'Routes past the table\'s cap, counted together' } }, cells(route, 'num'));
    }
    const tr = element('tr', { attributes: { 'data-route': route.route, tabindex: '0', title: 'Focus on this route' } }, cells(route, route.p99_ms >= p99Warn ? 'num warn' : 'num'));
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

/** Sorts by `key`; again by the same key, the other way. Names go A to Z first, figures
 * largest first. */
export function sortRoutes(key) {
  state.sort = { key, descending: state.sort.key === key ? !state.sort.descending : key !== 'route' };
  renderRoutes();
}
