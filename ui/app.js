// The window's wiring: which control does what, the keys, files dropped on the window, and
// what opens first. The panels live in their own modules; ipc.js alone talks to the app.

import {
  analyzeStage, chooseApi, chooseStage, forgetApis, listApis, watchStage,
} from './api.js';
import {
  changeProfile, choosePreset, fetchGroups, listGroups, loadProfiles, watchGroups,
} from './aws.js';
import {
  closeComparison, compareFiles, compareWindow, exportComparison, openCompare,
} from './compare.js';
import { $ } from './dom.js';
import { exportAs } from './export.js';
import * as ipc from './ipc.js';
import { chooseWindow, stopWatch, togglePause } from './live.js';
import { renderRoutes, sortRoutes } from './routes.js';
import { rerun } from './run.js';
import { openSettings, saveSettings } from './settings.js';
import { fetchAgain, loadPreferences, openPaths, openSample, pick } from './start.js';
import { clearFocus, onFocusChange, state } from './state.js';

function onKey(event) {
  const command = event.ctrlKey || event.metaKey;
  const key = event.key.toLowerCase();
  if (event.key === 'Escape' && !$('settings').open) clearFocus();
  else if (command && key === 'o') { event.preventDefault(); pick(false); }
  else if (command && key === 'e') { event.preventDefault(); exportAs('pdf'); }
  else if (command && key === 'f' && state.view) { event.preventDefault(); $('route-filter').focus(); }
}

window.addEventListener('DOMContentLoaded', async () => {
  onFocusChange(rerun);
  $('open-files').addEventListener('click', () => pick(false));
  $('open-folder').addEventListener('click', () => pick(true));
  $('open-sample').addEventListener('click', openSample);
  $('fetch-again').addEventListener('click', fetchAgain);
  $('start-sample').addEventListener('click', openSample);
  $('cancel').addEventListener('click', () => ipc.cancel());
  $('clear-focus').addEventListener('click', clearFocus);
  $('open-settings').addEventListener('click', openSettings);
  $('save-settings').addEventListener('click', saveSettings);
  $('aws-list').addEventListener('click', listGroups);
  $('aws-profile').addEventListener('change', () => { changeProfile(); forgetApis(); });
  $('aws-region').addEventListener('change', forgetApis);
  $('api-list').addEventListener('click', listApis);
  $('api-select').addEventListener('change', chooseApi);
  $('api-stage').addEventListener('change', chooseStage);
  $('api-analyze').addEventListener('click', analyzeStage);
  $('compare-open').addEventListener('click', openCompare);
  $('compare-files').addEventListener('click', () => compareFiles(false));
  $('compare-folder').addEventListener('click', () => compareFiles(true));
  $('compare-fetch').addEventListener('click', compareWindow);
  $('comparison-close').addEventListener('click', closeComparison);
  for (const button of document.querySelectorAll('[data-compare-export]')) {
    button.addEventListener('click', () => exportComparison(button.dataset.compareExport));
  }
  $('aws-fetch').addEventListener('click', fetchGroups);
  $('aws-preset').addEventListener('change', choosePreset);
  $('route-filter').addEventListener('input', renderRoutes);
  for (const button of document.querySelectorAll('[data-export]')) {
    button.addEventListener('click', () => exportAs(button.dataset.export));
  }
  for (const th of $('routes-table').tHead.rows[0].cells) {
    th.addEventListener('click', () => sortRoutes(th.dataset.key));
  }
  $('aws-watch').addEventListener('click', watchGroups);
  $('api-watch').addEventListener('click', watchStage);
  $('live-pause').addEventListener('click', togglePause);
  $('live-stop').addEventListener('click', stopWatch);
  $('live-window').addEventListener('change', chooseWindow);
  document.addEventListener('keydown', onKey);

  await ipc.onFileDrop(({ type, paths }) => {
    document.body.classList.toggle('dragging', type === 'enter' || type === 'over');
    if (type === 'drop') openPaths(paths);
  });

  await loadPreferences();
  loadProfiles();
  const launch = await ipc.startup();
  if (launch.paths.length > 0) openPaths(launch.paths);
  else if (launch.sample) openSample();
});
