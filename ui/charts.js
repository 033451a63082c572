// The charts panel: the report crate's SVG charts as images, a read-out of the values under
// the pointer, and a drag across a time chart to focus on that window.

import { $, element } from './dom.js';
import { count, formatMs, formatTime } from './format.js';
import { setFocus, state, zone } from './state.js';

/** An SVG document as a data: address for an <img> (the CSP allows data: images only). */
export function svgImage(svg) {
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
        ? `${series.name} ${close ? formatMs(number) : '-'}`
        : `${series.name} ${count(number)}`;
    });
    const timeZone = zone();
    return `${formatTime(value.x, timeZone)} ${timeZone}: ${parts.join(', ')}`;
  }
  const index = Math.min(chart.categories.length - 1, Math.floor(value.fy * chart.categories.length));
  const parts = chart.series.map((series) => `${series.name} ${formatMs(series.points[index]?.[1])}`);
  return `${chart.categories[index]}: ${parts.join(', ')} (ceiling ${formatMs(chart.ceiling_ms)})`;
}

/** Listeners the charts put on the window, removed when the charts are drawn again. */
let chartListeners = new AbortController();

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

export function renderCharts(charts) {
  chartListeners.abort();
  chartListeners = new AbortController();
  $('charts').replaceChildren(...charts.map(chartFigure));
}
