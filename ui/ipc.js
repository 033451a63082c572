// The one module that talks to the Rust side. Everything the window asks of the app, and
// everything the app tells the window, passes through here (src-tauri/src/transport.rs has
// the same shapes from Rust's side).

const tauri = () => window.__TAURI__;

/**
 * A command's failure: `code` (stable, kebab-case: `input-unreadable`, `aws-credentials`,
 * `cancelled`, ...), `message` (what went wrong) and `hint` (what the user can do, or null).
 */
export class CommandError extends Error {
  constructor({ code, message, hint }) {
    super(message);
    this.code = code;
    this.hint = hint ?? null;
  }
}

/** Calls `command`; a failure rejects with a CommandError, whatever refused it. */
async function invoke(command, args) {
  try {
    return await tauri().core.invoke(command, args);
  } catch (error) {
    // the app's commands fail with {code, message, hint}; Tauri itself (a command the window
    // may not call, arguments that do not deserialise) with text
    throw new CommandError(typeof error === 'object' && error !== null && 'code' in error
      ? error
      : { code: 'internal', message: String(error), hint: null });
  }
}

/** What the command line asked the app to open: `{ sample: bool, paths: string[] }`. */
export const startup = () => invoke('startup');

/** The remembered settings and recent inputs: `{ ceiling_ms, local_time, recent,
 * console_region }`. */
export const loadPreferences = () => invoke('load_preferences');

export const savePreferences = ({ ceilingMs, localTime, consoleRegion }) =>
  invoke('save_preferences', { ceilingMs, localTime, consoleRegion });

/**
 * Analyzes `source` (`{ kind: 'paths', paths }`, `{ kind: 'sample' }` or `{ kind: 'cloud',
 * profile, region, mfa_code, groups, since, until }`) with `request` (`{ ceiling_ms,
 * access_format, time_zone, focus: { route, window }, console_region }`); a cloud source
 * may carry a stage's `config` (the API panel's), applied to the analysis, whose own log
 * groups are read when `groups` is empty. Calls `onProgress` a few times a second;
 * resolves to the view: `{ analysis, charts, completeness ('complete', 'reading',
 * 'partial'), notes, p99_warn_ms, wrapping_labels }`.
 */
export function analyze(source, request, onProgress) {
  const channel = new (tauri().core.Channel)();
  channel.onmessage = onProgress;
  return invoke('analyze', { source, request, onProgress: channel });
}

/**
 * Reads `source` as the other window (as `analyze` does) and compares it with the analysis
 * shown, which is the after window when `shownIsAfter`; resolves to `{ comparison, chart,
 * labels }` (the engine's Comparison, the chart of both windows or null, and how each change
 * id is written).
 */
export function compareWith(source, request, shownIsAfter, onProgress) {
  const channel = new (tauri().core.Channel)();
  channel.onmessage = onProgress;
  return invoke('compare_with', { source, request, shownIsAfter, onProgress: channel });
}

/** Writes the last comparison's report (`pdf`, `html`, `md`) where the user chooses;
 * resolves to the path, or null when the dialog was cancelled. */
export const exportComparison = (kind) => invoke('export_comparison', { kind });

/** The AWS profiles: `[{ name, region, kind, mfa }]`. */
export const awsProfiles = () => invoke('aws_profiles');

/** Log groups of a profile and region starting with `prefix`: `[{ name, stored_bytes,
 * retention_days, suggested, holds }]`, the ones Ceiling reads first. `mfaCode` is the MFA
 * device's code for a profile that assumes its role with one. */
export const awsLogGroups = (profile, region, mfaCode, prefix) =>
  invoke('aws_log_groups', { profile, region, mfaCode, prefix });

/** The REST, HTTP and WebSocket APIs of a profile and region: `[{ id, name, kind, stages }]`. */
export const awsApis = (profile, region, mfaCode) => invoke('aws_apis', { profile, region, mfaCode });

/** A stage's configuration as the account holds it, and the log groups an analysis of it
 * reads: `{ config: { api_name, stage, access_log, execution_log, tracing, routes,
 * functions, notes, ... }, log_groups }`. */
export const awsStage = (profile, region, mfaCode, apiId, stage) =>
  invoke('aws_stage', { profile, region, mfaCode, apiId, stage });

/** Opens an AWS console address in the default browser, through the opener plugin, whose
 * scope (src-tauri/capabilities/main.json) allows console.aws.amazon.com addresses only. */
export const openConsole = (url) => invoke('plugin:opener|open_url', { url });

/** Stops the running analysis; it resolves with what it read. */
export const cancel = () => invoke('cancel');

/** Writes the last analysis (`pdf`, `html`, `md`, `findings-json`, `findings-csv`) where
 * the user chooses; resolves to the path, or null when the dialog was cancelled. */
export const exportAs = (kind) => invoke('export', { kind });

/** Shows the native open dialog; resolves to the chosen paths, or [] when cancelled. */
export const pickPaths = ({ folders }) => invoke('pick_paths', { folders });

/** Calls `handler({ type, paths })` for files dragged over and dropped on the window. */
export const onFileDrop = (handler) =>
  tauri().webview.getCurrentWebview().onDragDropEvent((event) => handler(event.payload));

/**
 * Watches log groups live (`source`: `{ profile, region, mfa_code, groups, config }`, a
 * stage's own groups when `groups` is empty), stopping any watch that runs, with `request`
 * as `analyze` takes it and `options` `{ window_minutes (null: since the start), every_ms
 * (the polling interval, null for 2 s) }`. Resolves to the session's number once connected;
 * `onUpdate` hears `{ kind: 'update', session, at_ms, started_ms, window_minutes,
 * backfill_ms, every_ms, status: { source ('polling', 'live-tail'), session_ms, events,
 * events_per_second, sampled, reconnections, duplicates, paused, live } or null, paused,
 * polling_because, note, changes: [{ at_ms, appeared, id, severity, title }], view (as
 * `analyze` resolves to, null while paused), chart }` after each round, and last `{ kind:
 * 'ended', session, reason ('stopped', 'replaced', 'failed'), error }`.
 */
export function watchStart(source, request, options, onUpdate) {
  const channel = new (tauri().core.Channel)();
  channel.onmessage = onUpdate;
  return invoke('watch_start', { source, request, options, onUpdate: channel });
}

/** Pauses (the figures stand, no request goes out) or resumes the watch `session`. */
export const watchPause = (session, paused) => invoke('watch_pause', { session, paused });

/** Ends the watch `session`. */
export const watchStop = (session) => invoke('watch_stop', { session });

/** Shows the last `windowMinutes` minutes of the watch `session`, or (null) all of it. */
export const watchWindow = (session, windowMinutes) => invoke('watch_window', { session, windowMinutes });
