//! The cloud's OpenAPI document: served, and exactly the router's routes, with the
//! refusals the server really gives among each operation's answers.

use crate::util::{Db, server};
use medicloud_sync::wire;
use serde_json::{Value, json};
use std::collections::BTreeSet;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const ADMIN: &str = "test-admin-token";

async fn document(base: &str) -> Value {
    let res = reqwest::get(format!("{base}/openapi.json")).await.unwrap();
    assert_eq!(res.status(), 200);
    assert!(
        res.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/json")
    );
    let text = res.text().await.unwrap();
    serde_json::from_str(&text).expect("the document is JSON")
}

/// The statuses the document gives `method path`.
fn documented(doc: &Value, method: &str, path: &str) -> BTreeSet<String> {
    doc["paths"][path][method]["responses"]
        .as_object()
        .unwrap_or_else(|| panic!("{method} {path} is not in the document"))
        .keys()
        .cloned()
        .collect()
}

#[tokio::test]
async fn the_document_is_served_and_names_every_route_of_the_router() {
    let db = Db::sqlite().await;
    let base = server(&db, ADMIN).await;
    let doc = document(&base).await;
    assert_eq!(doc["openapi"], "3.1.0");
    let in_document: BTreeSet<(String, String)> = doc["paths"]
        .as_object()
        .unwrap()
        .iter()
        .flat_map(|(path, item)| {
            item.as_object()
                .unwrap()
                .keys()
                .map(move |method| (method.to_uppercase(), path.clone()))
        })
        .collect();
    let routes = medicloud_cloud::api::routes();
    let in_router: BTreeSet<(String, String)> = routes
        .iter()
        .map(|(method, path)| (method.to_string(), (*path).to_owned()))
        .collect();
    assert_eq!(in_document, in_router);
    // The list is the router's: each route is answered by its handler, not the fallback
    // (404 `no such route`) nor as a method the path does not take (405).
    let client = reqwest::Client::new();
    for (method, path) in &routes {
        let url = format!(
            "{base}{}",
            path.replace("{id}", &uuid::Uuid::new_v4().to_string())
        );
        let res = client
            .request(method.clone(), url)
            .json(&json!({}))
            .send()
            .await
            .unwrap();
        let status = res.status().as_u16();
        let body = res.text().await.unwrap();
        let fallback = status == 404 && body.contains("no such route");
        assert!(
            status != 405 && !fallback,
            "{method} {path}: {status} {body}"
        );
        let documented = documented(&doc, &method.as_str().to_lowercase(), path);
        assert!(
            documented.contains(&status.to_string()),
            "{method} {path}: {status} not documented"
        );
    }
    db.drop_now().await;
}

/// Sends `head` and `body` as they are and reads the answer's status and headers.
async fn raw(base: &str, head: &str, body: &[u8]) -> (u16, String) {
    let addr = base.strip_prefix("http://").unwrap();
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    stream.write_all(head.as_bytes()).await.unwrap();
    stream.write_all(body).await.unwrap();
    let mut answer = vec![0; 4096];
    let n = stream.read(&mut answer).await.unwrap();
    let answer = String::from_utf8_lossy(&answer[..n]).into_owned();
    let status = answer.split(' ').nth(1).unwrap().parse().unwrap();
    (status, answer)
}

#[tokio::test]
async fn the_sync_routes_refusals_before_the_body_are_json_and_documented() {
    let db = Db::sqlite().await;
    let base = server(&db, ADMIN).await;
    let doc = document(&base).await;
    let enrol = documented(&doc, "post", wire::ENROL);
    let exchange = documented(&doc, "post", wire::EXCHANGE);

    // No length: 411, before the body is read.
    let (status, answer) = raw(
        &base,
        &format!(
            "POST {} HTTP/1.1\r\nHost: cloud\r\nContent-Type: application/json\r\n\
             Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n",
            wire::ENROL
        ),
        b"2\r\n{}\r\n0\r\n\r\n",
    )
    .await;
    assert_eq!(status, 411, "{answer}");
    assert!(answer.contains(r#""code":"bad_request""#), "{answer}");
    assert!(enrol.contains("411"));
    // A length beyond the limit: 413 without a byte of the body sent.
    let (status, answer) = raw(
        &base,
        &format!(
            "POST {} HTTP/1.1\r\nHost: cloud\r\nContent-Type: application/json\r\n\
             Content-Length: {}\r\nConnection: close\r\n\r\n",
            wire::EXCHANGE,
            wire::MAX_BODY + 1
        ),
        b"",
    )
    .await;
    assert_eq!(status, 413, "{answer}");
    assert!(answer.contains(r#""code":"payload_too_large""#), "{answer}");
    assert!(exchange.contains("413"));
    // No device secret: 401 before a body that is not even JSON is read.
    let client = reqwest::Client::new();
    let res = client
        .post(format!("{base}{}", wire::EXCHANGE))
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 401);
    assert_eq!(res.json::<Value>().await.unwrap()["code"], "unauthorized");
    // Beyond the burst from one address: 429 with Retry-After, and JSON.
    let burst = medicloud_cloud::api::SYNC_RATE_BURST as usize;
    let mut limited = None;
    for _ in 0..burst * 4 {
        let res = client
            .post(format!("{base}{}", wire::RESERVE))
            .bearer_auth("not-a-device-secret")
            .json(&json!({}))
            .send()
            .await
            .unwrap();
        if res.status() == 429 {
            limited = Some(res);
            break;
        }
        assert_eq!(res.status(), 401);
    }
    let res = limited.expect("429 after the burst");
    let wait: u64 = res.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(wait >= 1, "Retry-After: {wait}");
    assert_eq!(res.json::<Value>().await.unwrap()["code"], "rate_limited");
    assert!(documented(&doc, "post", wire::RESERVE).contains("429"));
    // No secret at all costs nothing and is not counted: still 401.
    let res = client
        .post(format!("{base}{}", wire::RESERVE))
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 401);
    assert_eq!(
        doc["components"]["responses"]["RateLimited"]["headers"]["Retry-After"]["schema"]["type"],
        "integer"
    );
    // The admin's routes are not rate limited.
    let res = client
        .get(format!(
            "{base}/admin/v1/clinics/{}/devices",
            uuid::Uuid::new_v4()
        ))
        .bearer_auth(ADMIN)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    db.drop_now().await;
}

#[tokio::test]
async fn a_whole_number_written_with_a_fraction_is_an_integer_as_the_document_says() {
    let db = Db::sqlite().await;
    let base = server(&db, ADMIN).await;
    let client = reqwest::Client::new();
    let res = client
        .post(format!("{base}/admin/v1/clinics"))
        .bearer_auth(ADMIN)
        .json(&json!({"name": "Klinik Sehat"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    let clinic = res.json::<Value>().await.unwrap()["id"].clone();
    let codes = format!(
        "{base}/admin/v1/clinics/{}/enrolment-codes",
        clinic.as_str().unwrap()
    );
    for (hours, status) in [
        (json!(0.0), 201),
        (json!(48.0), 201),
        (json!(2.5), 422),
        (json!(-1), 422),
    ] {
        let res = client
            .post(&codes)
            .bearer_auth(ADMIN)
            .json(&json!({"valid_hours": hours}))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), status, "valid_hours: {hours}");
    }
    db.drop_now().await;
}
