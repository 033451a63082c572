// The one module that talks to the Rust side. Everything the window asks of the app, and
// everything the app tells the window, passes through here.

const tauri = () => window.__TAURI__;

/** What the command line asked the app to open: `{ sample: bool, paths: string[] }`. */
export const startup = () => tauri().core.invoke('startup');

/** Analyzes files and folders; resolves to the engine's Analysis. */
export const analyzePaths = (paths) => tauri().core.invoke('analyze_paths', { paths });

/** Analyzes the bundled sample incident. */
export const analyzeSample = () => tauri().core.invoke('analyze_sample');

/** Shows the native open dialog; resolves to the chosen paths, or [] when cancelled. */
export async function pickPaths({ folders }) {
  const chosen = await tauri().dialog.open({ multiple: true, directory: folders });
  if (chosen === null) return [];
  return Array.isArray(chosen) ? chosen : [chosen];
}

/** Calls `handler({ type, paths })` for files dragged over and dropped on the window. */
export const onFileDrop = (handler) =>
  tauri().webview.getCurrentWebview().onDragDropEvent((event) => handler(event.payload));
