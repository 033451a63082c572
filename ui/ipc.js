// The one module that talks to the Rust side. Everything the window asks of the app, and
// everything the app tells the window, passes through here.

const tauri = () => window.__TAURI__;
const invoke = (command, args) => tauri().core.invoke(command, args);

/** What the command line asked the app to open: `{ sample: bool, paths: string[] }`. */
export const startup = () => invoke('startup');

/** The remembered settings and recent inputs: `{ ceiling_ms, local_time, recent }`. */
export const loadPreferences = () => invoke('load_preferences');

export const savePreferences = ({ ceilingMs, localTime }) =>
  invoke('save_preferences', { ceilingMs, localTime });

/**
 * Analyzes `source` (`{ kind: 'paths', paths }` or `{ kind: 'sample' }`) with `request`
 * (`{ ceiling_ms, access_format, zone_offset_minutes, focus: { route, window } }`); calls
 * `onProgress` a few times a second; resolves to `{ analysis, charts, partial }`.
 */
export function analyze(source, request, onProgress) {
  const channel = new (tauri().core.Channel)();
  channel.onmessage = onProgress;
  return invoke('analyze', { source, request, onProgress: channel });
}

/** The AWS profiles: `[{ name, region, kind }]`. */
export const awsProfiles = () => invoke('aws_profiles');

/** Log groups of a profile and region starting with `prefix`: `[{ name, stored_bytes,
 * retention_days, suggested, holds }]`, the ones Ceiling reads first. `mfaCode` is the MFA
 * device's code for a profile that assumes its role with one. */
export const awsLogGroups = (profile, region, mfaCode, prefix) =>
  invoke('aws_log_groups', { profile, region, mfaCode, prefix });

/** Stops the running analysis; it resolves with what it read. */
export const cancel = () => invoke('cancel');

/** Writes the last analysis (`pdf`, `html`, `md`, `findings-json`, `findings-csv`) where
 * the user chooses; resolves to the path, or null when the dialog was cancelled. */
export const exportAs = (kind) => invoke('export', { kind });

/** Shows the native open dialog; resolves to the chosen paths, or [] when cancelled. */
export async function pickPaths({ folders }) {
  const chosen = await tauri().dialog.open({ multiple: true, directory: folders });
  if (chosen === null) return [];
  return Array.isArray(chosen) ? chosen : [chosen];
}

/** Calls `handler({ type, paths })` for files dragged over and dropped on the window. */
export const onFileDrop = (handler) =>
  tauri().webview.getCurrentWebview().onDragDropEvent((event) => handler(event.payload));
