//! The committed widget is what `widget/` holds today: editing the widget's sources (or its
//! locked dependencies) without `tools/build-widget.sh --commit` fails here, on any machine,
//! with no wasm toolchain. Whether the bytes are what those sources compile to is
//! `tools/check-widget.sh`'s job, which needs the toolchain.

mod inputs;

fn manifest() -> toml::Table {
    samtykke_widget_compiled::BUILD
        .parse()
        .expect("BUILD.toml is TOML")
}

#[test]
fn the_manifest_hashes_the_current_widget_sources() {
    let recorded = manifest()["inputs_sha256"].as_str().map(str::to_owned);
    let current = inputs::inputs_sha256(&inputs::repo_root()).expect("the widget's sources");
    assert_eq!(
        recorded.as_deref(),
        Some(current.as_str()),
        "widget/compiled/ is stale: the widget's sources changed since it was built. \
         Run: bash tools/build-widget.sh --commit"
    );
}

#[test]
fn the_manifest_names_the_toolchain() {
    let m = manifest();
    for key in ["rustc", "wasm_bindgen", "wasm_opt", "std_from_source"] {
        assert!(
            m.get(key)
                .and_then(|v| v.as_str())
                .is_some_and(|v| !v.is_empty()),
            "{key} missing"
        );
    }
}

#[test]
fn the_embedded_files_are_a_module_and_its_glue() {
    assert_eq!(&samtykke_widget_compiled::WASM[..4], b"\0asm");
    let js = std::str::from_utf8(samtykke_widget_compiled::JS).expect("UTF-8 glue");
    assert!(
        js.contains("instantiateStreaming"),
        "not wasm-bindgen's loader"
    );
}
