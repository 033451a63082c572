// The export menu: Rust writes the report or the findings where the save dialog says.

import { $, showError, showMessage } from './dom.js';
import * as ipc from './ipc.js';
import { state } from './state.js';

/** Exports the analysis shown as `kind` (`pdf`, `html`, `md`, `findings-json`,
 * `findings-csv`). */
export async function exportAs(kind) {
  $('export-menu').open = false;
  if (!state.view) {
    showMessage('Open some logs first: there is nothing to export yet.', 'info');
    return;
  }
  try {
    const path = await ipc.exportAs(kind);
    if (path) showMessage(`Wrote ${path}`, 'info');
  } catch (error) {
    showError(error);
  }
}
