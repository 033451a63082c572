fn main() {
    // Listing the app's commands makes them subject to the capabilities in capabilities/: a
    // command the window is not granted there cannot be called from the webview.
    tauri_build::try_build(tauri_build::Attributes::new().app_manifest(
        tauri_build::AppManifest::new().commands(&[
            "startup",
            "load_preferences",
            "save_preferences",
            "analyze",
            "cancel",
            "export",
            "pick_paths",
            "aws_profiles",
            "aws_log_groups",
            "aws_apis",
            "aws_stage",
            "compare_with",
            "export_comparison",
            "watch_start",
            "watch_pause",
            "watch_stop",
            "watch_window",
        ]),
    ))
    .expect("tauri-build failed");
}
