// The settings dialog: the ceiling, UTC or this machine's zone (named in the dialog), and the
// region of the files' log groups for the console links.

import { $, showError } from './dom.js';
import { localZone } from './format.js';
import * as ipc from './ipc.js';
import { rerun } from './run.js';
import { state } from './state.js';

export function openSettings() {
  const ceiling = state.preferences.ceiling_ms;
  $('setting-ceiling').value = ceiling ? String(ceiling / 1000) : '';
  $('setting-zone').value = state.preferences.local_time ? 'local' : 'utc';
  $('setting-region').value = state.preferences.console_region ?? '';
  $('setting-local-zone').textContent = `This computer's time zone (${localZone()})`;
  $('settings').showModal();
}

export async function saveSettings() {
  const seconds = Number.parseFloat($('setting-ceiling').value);
  const ceilingMs = Number.isFinite(seconds) && seconds > 0 ? Math.round(seconds * 1000) : null;
  const localTime = $('setting-zone').value === 'local';
  const consoleRegion = $('setting-region').value.trim() || null;
  try {
    await ipc.savePreferences({ ceilingMs, localTime, consoleRegion });
    state.preferences.ceiling_ms = ceilingMs;
    state.preferences.local_time = localTime;
    state.preferences.console_region = consoleRegion;
    rerun();
  } catch (error) {
    showError(error);
  }
}
