//! Every refusal in the language of the request: the same code, the message in Bahasa
//! Indonesia or English by `Accept-Language` (Bahasa Indonesia without one), over real
//! HTTP to the `medicloud demo` process.

use crate::util::DemoProcess;
use serde_json::{Value, json};

/// Sends `method path` (with `body`) as `token` in `lang` (no header when `None`): the
/// status, the `Content-Language` and the body.
async fn ask(
    client: &reqwest::Client,
    demo: &DemoProcess,
    lang: Option<&str>,
    (method, path, token, body): (&str, &str, &str, Option<Value>),
) -> (u16, String, Value) {
    let mut req = client
        .request(method.parse().unwrap(), demo.url(path))
        .bearer_auth(token);
    if let Some(lang) = lang {
        req = req.header("accept-language", lang);
    }
    if let Some(body) = body {
        req = req.json(&body);
    }
    let res = req.send().await.unwrap();
    let status = res.status().as_u16();
    let language = res
        .headers()
        .get("content-language")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    (status, language, res.json().await.unwrap())
}

#[tokio::test]
async fn the_same_refusal_comes_in_indonesian_and_in_english() {
    let dir = tempfile::tempdir().unwrap();
    let client = reqwest::Client::new();
    let demo = DemoProcess::start(dir.path());
    let desk = demo.login(&client, "desk").await;
    let ticket: Value = demo.take(&client, "A").await.json().await.unwrap();
    let serve = format!("/api/v1/tickets/{}/serve", ticket["id"].as_str().unwrap());
    let nobody = "/api/v1/tickets/00000000-0000-4000-8000-000000000000";
    let bad_nik = json!({"name": "Budi Santoso", "nik": "12345"});
    // (request, status, code, Indonesian, English)
    let cases = [
        (
            ("POST", "/api/v1/patients", desk.as_str(), Some(bad_nik)),
            422,
            "validation_failed",
            "NIK: NIK terdiri dari tepat 16 angka",
            "NIK: a NIK has exactly 16 digits",
        ),
        (
            ("GET", nobody, desk.as_str(), None),
            404,
            "not_found",
            "Tiket tidak ditemukan.",
            "ticket not found",
        ),
        (
            ("POST", serve.as_str(), desk.as_str(), None),
            409,
            "invalid_transition",
            "Tidak bisa melayani tiket yang menunggu (panggil dulu).",
            "cannot serve a ticket that is waiting (call it first)",
        ),
        // A refusal the framework makes on its own (a method the path does not take).
        (
            ("DELETE", "/api/v1/tickets", desk.as_str(), None),
            405,
            "method_not_allowed",
            "Alamat ini tidak menerima metode ini (header Allow menyebut yang diterima).",
            "this path does not take this method (the Allow header lists those it takes)",
        ),
    ];
    for (request, status, code, id, en) in cases {
        let what = format!("{} {}", request.0, request.1);
        for (lang, expect, tag) in [
            (Some("id-ID,id;q=0.9,en;q=0.8"), id, "id"),
            (Some("en-GB,en;q=0.9"), en, "en"),
            (Some("fr-FR"), id, "id"),
            (None, id, "id"),
        ] {
            let got = ask(&client, &demo, lang, request.clone()).await;
            assert_eq!(
                (got.0, got.2["code"].as_str(), got.2["message"].as_str()),
                (status, Some(code), Some(expect)),
                "{what} in {lang:?}: {}",
                got.2
            );
            assert_eq!(got.1, tag, "{what} in {lang:?}: Content-Language");
        }
    }
    // Nothing was changed by the refusals: the ticket still waits.
    let t = crate::util::get(
        &client,
        &demo,
        &desk,
        nobody
            .replace(
                "00000000-0000-4000-8000-000000000000",
                ticket["id"].as_str().unwrap(),
            )
            .as_str(),
    )
    .await;
    assert_eq!(t["status"], "waiting");
    demo.stop();
}
