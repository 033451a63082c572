// The settings dialog: the ceiling, and UTC or this machine's zone (named in the dialog).

import { $, showError } from './dom.js';
import { localZone } from './format.js';
import * as ipc from './ipc.js';
import { rerun } from './run.js';
import { state } from './state.js';

export function openSettings() {
  const ceiling = state.preferences.ceiling_ms;
  $('setting-ceiling').value = ceiling ? String(ceiling / 1000) : '';
  $('setting-zone').value = state.preferences.local_time ? 'local' : 'utc';
  $('setting-local-zone').textContent = `This computer's time zone (${localZone()})`;
  $('settings').showModal();
}

export async function saveSettings() {
  const seconds = Number.parseFloat($('setting-ceiling').value);
  const ceilingMs = Number.isFinite(seconds) && seconds > 0 ? Math.round(seconds * 1000) : null;
  const localTime = $('setting-zone').value === 'local';
  try {
    await ipc.savePreferences({ ceilingMs, localTime });
    state.preferences.ceiling_ms = ceilingMs;
    state.preferences.local_time = localTime;
    rerun();
  } catch (error) {
    showError(error);
  }
}
