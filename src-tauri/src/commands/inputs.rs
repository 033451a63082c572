//! Choosing inputs, and reading only what was chosen. The native open dialog is opened by
//! Rust so that the window needs no dialog permission of its own; what it returns, what is
//! dropped on the window, the recent inputs and the command line are the only paths the
//! `analyze` command reads, so that a window running hostile script (log text is shown in
//! it) still cannot read a file the user did not choose.

use std::fs::FileType;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use tauri::{DragDropEvent, Manager, WindowEvent};
use tauri_plugin_dialog::DialogExt;

use crate::commands::preferences;
use crate::error::{Code, Error};
use crate::transport::Launch;

/// Set by the GUI tests: what the open dialog would have chosen, as WebDriver cannot drive
/// the dialog. Read only in builds with the `test-dialogs` feature, which the GUI tests
/// build with and a release never has.
#[cfg(feature = "test-dialogs")]
const TEST_OPEN: &str = "CEILING_TEST_OPEN";

/// The paths chosen in this run through the open dialog or a drop, canonical where they
/// exist.
#[derive(Default)]
pub struct Chosen(Mutex<Vec<PathBuf>>);

impl Chosen {
    fn grant(&self, paths: &[PathBuf]) {
        if let Ok(mut chosen) = self.0.lock() {
            chosen.extend(paths.iter().map(|p| canonical(p)));
        }
    }

    fn holds(&self, path: &Path) -> bool {
        self.0
            .lock()
            .is_ok_and(|chosen| chosen.iter().any(|c| within(path, c)))
    }
}

/// `path` with its symlinks and `..` resolved, or as given when it does not exist (it is
/// then compared as given, and fails to open with the engine's own message).
fn canonical(path: &Path) -> PathBuf {
    std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf())
}

/// Whether `path` (canonical) is `chosen` or inside it: a chosen folder is read whole.
fn within(path: &Path, chosen: &Path) -> bool {
    path.starts_with(chosen)
}

/// Grants the paths dropped on the window. Tauri runs this before the window's own handler
/// gets to call `analyze` (the drop reaches the page from the same event).
pub fn on_window_event(window: &tauri::Window, event: &WindowEvent) {
    if let WindowEvent::DragDrop(DragDropEvent::Drop { paths, .. }) = event {
        window.state::<Chosen>().grant(paths);
    }
}

/// Fails unless every path was chosen by the user: in the open dialog or by a drop in this
/// run, on the command line, or among the recent inputs (which only analyses of chosen
/// paths add to).
pub fn check_chosen(app: &tauri::AppHandle, paths: &[PathBuf]) -> Result<(), Error> {
    let launch = app.state::<Launch>();
    let chosen = app.state::<Chosen>();
    let mut recent: Option<Vec<PathBuf>> = None;
    for path in paths {
        let path = canonical(path);
        let allowed = chosen.holds(&path)
            || launch.paths.iter().any(|p| within(&path, &canonical(p)))
            || recent
                .get_or_insert_with(|| preferences::load_preferences(app.clone()).recent)
                .iter()
                .any(|p| within(&path, p));
        if !allowed {
            return Err(Error::new(
                Code::InputUnreadable,
                format!("{} was not chosen to be opened", path.display()),
                Some("Open it with Open files or Open folder, drop it on the window, or name it on the command line."),
            ));
        }
    }
    Ok(())
}

/// What a path that is neither a file nor a folder is, for the error that refuses it.
fn special_kind(kind: FileType) -> Option<&'static str> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if kind.is_fifo() {
            return Some("a named pipe (FIFO)");
        }
        if kind.is_socket() {
            return Some("a socket");
        }
        if kind.is_block_device() || kind.is_char_device() {
            return Some("a device");
        }
    }
    (!kind.is_file() && !kind.is_dir()).then_some("not a regular file")
}

/// Fails for a path that is a device, a named pipe or a socket (followed through symlinks):
/// reading one would block or never end, and none is a saved log.
pub fn check_regular(path: &Path) -> Result<(), Error> {
    let Ok(metadata) = std::fs::metadata(path) else {
        // a missing file fails to open with the engine's own message
        return Ok(());
    };
    match special_kind(metadata.file_type()) {
        None => Ok(()),
        Some(kind) => Err(Error::new(
            Code::InputUnreadable,
            format!(
                "{} is {kind}: Ceiling reads saved log files only",
                path.display()
            ),
            Some("Save the logs to a file first, then open the file."),
        )),
    }
}

/// Files (or, with `folders`, folders) the user chooses in the open dialog; empty when it
/// was cancelled. What it returns may be analyzed.
#[tauri::command]
pub async fn pick_paths(app: tauri::AppHandle, folders: bool) -> Result<Vec<PathBuf>, Error> {
    let picked = pick(&app, folders).await?;
    app.state::<Chosen>().grant(&picked);
    Ok(picked)
}

async fn pick(app: &tauri::AppHandle, folders: bool) -> Result<Vec<PathBuf>, Error> {
    #[cfg(feature = "test-dialogs")]
    if let Some(path) = std::env::var_os(TEST_OPEN) {
        return Ok(vec![PathBuf::from(path)]);
    }
    let dialog = app.dialog().file().set_title(if folders {
        "Open log folders"
    } else {
        "Open log files"
    });
    let chosen = tauri::async_runtime::spawn_blocking(move || {
        if folders {
            dialog.blocking_pick_folders()
        } else {
            dialog.blocking_pick_files()
        }
    })
    .await?;
    chosen
        .unwrap_or_default()
        .into_iter()
        .map(|path| {
            path.into_path()
                .map_err(|e| Error::internal(format!("the dialog chose no path: {e}")))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_chosen_folder_holds_what_is_inside_it_and_nothing_beside() {
        let dir = tempfile::tempdir().unwrap();
        let folder = dir.path().join("logs");
        std::fs::create_dir(&folder).unwrap();
        std::fs::write(folder.join("a.log"), "x").unwrap();
        std::fs::write(dir.path().join("secret"), "x").unwrap();
        let chosen = Chosen::default();
        chosen.grant(std::slice::from_ref(&folder));
        assert!(chosen.holds(&canonical(&folder.join("a.log"))));
        assert!(!chosen.holds(&canonical(&dir.path().join("secret"))));
        // `..` does not climb out once resolved
        assert!(!chosen.holds(&canonical(&folder.join("../secret"))));
        // a symlink inside the folder to a file beside it is resolved before the check
        #[cfg(unix)]
        {
            std::os::unix::fs::symlink(dir.path().join("secret"), folder.join("link")).unwrap();
            assert!(!chosen.holds(&canonical(&folder.join("link"))));
        }
    }

    #[cfg(unix)]
    #[test]
    fn devices_pipes_and_sockets_are_refused_files_and_folders_read() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("a.log");
        std::fs::write(&file, "x").unwrap();
        assert_eq!(check_regular(&file), Ok(()));
        assert_eq!(check_regular(dir.path()), Ok(()));
        let error = check_regular(Path::new("/dev/null")).unwrap_err();
        assert_eq!(error.code, Code::InputUnreadable);
        assert!(error.message.contains("is a device"), "{}", error.message);
        let fifo = dir.path().join("pipe");
        let made = std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap();
        assert!(made.success());
        let error = check_regular(&fifo).unwrap_err();
        assert!(error.message.contains("named pipe"), "{}", error.message);
        let socket = dir.path().join("sock");
        let _listener = std::os::unix::net::UnixListener::bind(&socket).unwrap();
        let error = check_regular(&socket).unwrap_err();
        assert!(error.message.contains("a socket"), "{}", error.message);
    }
}
