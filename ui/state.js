// What the window holds: the source open, its view, the focus and the sort, the remembered
// settings. A change of focus goes through setFocus, which the app wires to reading again.

import { localZone } from './format.js';

export const state = {
  source: null,
  preferences: { ceiling_ms: null, local_time: false, recent: [], console_region: null },
  focus: { route: null, window: null },
  view: null,
  sort: { key: null, descending: true },
  running: false,
};

/** The zone times are shown in: `UTC`, or this machine's by name (`Europe/Berlin`). */
export const zone = () => (state.preferences.local_time ? localZone() : 'UTC');

let focusChanged = () => {};

/** Calls `handler` whenever the focus changes. */
export function onFocusChange(handler) {
  focusChanged = handler;
}

/** Focuses on `{ route, window }` (either may be left out). */
export function setFocus(focus) {
  state.focus = { route: null, window: null, ...focus };
  focusChanged();
}

/** Back to everything, if focused. */
export function clearFocus() {
  if (state.focus.route === null && state.focus.window === null) return;
  setFocus({});
}
