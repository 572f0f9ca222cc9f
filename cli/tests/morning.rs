//! A clinic's morning on the real `medicloud demo` process, over HTTP: the kiosk, the
//! registration desk (Loket 1 and 2), the doctor's room, the laboratory and the
//! pharmacy, the waiting-room display and the patients' status pages. After each step
//! the whole board is compared with a table of what staff would see.

use crate::util::DemoProcess;
use serde_json::{Value, json};

/// One morning's actors, talking to one demo node.
struct Morning {
    demo: DemoProcess,
    client: reqwest::Client,
    desk: String,
    doctor: String,
}

impl Morning {
    async fn start(dir: &std::path::Path) -> Self {
        let demo = DemoProcess::start(dir);
        let client = reqwest::Client::new();
        let desk = demo.login(&client, "desk").await;
        let doctor = demo.login(&client, "doctor").await;
        Self {
            demo,
            client,
            desk,
            doctor,
        }
    }

    async fn send(
        &self,
        method: &str,
        path: &str,
        token: &str,
        body: Option<Value>,
    ) -> (u16, Value) {
        let url = self.demo.url(path);
        let req = match method {
            "GET" => self.client.get(url),
            _ => self.client.post(url),
        };
        let req = match body {
            Some(b) => req.json(&b),
            None => req,
        };
        let res = req.bearer_auth(token).send().await.unwrap();
        let status = res.status().as_u16();
        (status, res.json().await.unwrap_or(Value::Null))
    }

    /// A walk-in ticket at the kiosk, in a priority lane or none.
    async fn kiosk(&self, service: &str, priority: Option<&str>) -> Value {
        let body = json!({ "service": service, "priority": priority });
        let (status, t) = self
            .send("POST", "/api/v1/tickets", &self.demo.kiosk, Some(body))
            .await;
        assert_eq!(status, 201, "{t}");
        t
    }

    /// "Call next" at `counter`; the ticket called, or the error code.
    async fn call_next(&self, token: &str, counter: &str) -> Result<String, String> {
        let path = format!("/api/v1/counters/{counter}/call-next");
        match self.send("POST", &path, token, None).await {
            (200, t) => Ok(t["label"].as_str().unwrap().to_owned()),
            (_, e) => Err(e["code"].as_str().unwrap_or("?").to_owned()),
        }
    }

    /// A step on ticket `id`; its view afterwards (a transfer: the continuation's).
    async fn act(&self, token: &str, id: &str, action: &str, body: Option<Value>) -> Value {
        let path = format!("/api/v1/tickets/{id}/{action}");
        let (status, t) = self.send("POST", &path, token, body).await;
        assert_eq!(status, 200, "{action} {id}: {t}");
        t
    }

    /// The ticket `counter` holds now.
    async fn held(&self, counter: &str) -> Value {
        let (_, tickets) = self.send("GET", "/api/v1/tickets", &self.desk, None).await;
        let held: Vec<Value> = tickets
            .as_array()
            .unwrap()
            .iter()
            .filter(|t| {
                t["counter"] == counter
                    && matches!(t["status"].as_str(), Some("called" | "serving"))
            })
            .cloned()
            .collect();
        assert_eq!(held.len(), 1, "{counter} holds {held:?}");
        held[0].clone()
    }

    /// Every ticket of the day as staff see it: "label service step status counter",
    /// in label then service order.
    async fn board(&self) -> Vec<String> {
        let (_, tickets) = self.send("GET", "/api/v1/tickets", &self.desk, None).await;
        let s = |t: &Value, k: &str| t[k].as_str().unwrap_or("-").to_owned();
        let mut rows: Vec<String> = tickets
            .as_array()
            .unwrap()
            .iter()
            .map(|t| {
                [
                    s(t, "label"),
                    s(t, "service"),
                    s(t, "step"),
                    s(t, "status"),
                    s(t, "counter"),
                ]
                .join(" ")
            })
            .collect();
        rows.sort();
        rows
    }

    async fn expect(&self, when: &str, table: &[&str]) {
        assert_eq!(self.board().await, table, "the board {when}");
    }

    /// What the waiting-room display lists: "label counter → next", newest first.
    async fn display(&self) -> Vec<String> {
        let (_, calls) = self
            .send("GET", "/api/v1/calls", &self.demo.display, None)
            .await;
        calls
            .as_array()
            .unwrap()
            .iter()
            .map(|c| match c["next_id"].as_str() {
                Some(next) => format!(
                    "{} {} → {next}",
                    c["label"].as_str().unwrap(),
                    c["counter_name"].as_str().unwrap()
                ),
                None => format!(
                    "{} {}",
                    c["label"].as_str().unwrap(),
                    c["counter_name"].as_str().unwrap()
                ),
            })
            .collect()
    }

    /// The patient's status page (no token).
    async fn status_page(&self, id: &str) -> Value {
        let res = self
            .client
            .get(self.demo.url(&format!("/api/v1/public/tickets/{id}")))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200);
        res.json().await.unwrap()
    }
}

fn id(t: &Value) -> String {
    t["id"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn a_morning_through_registration_the_poli_the_laboratory_and_the_pharmacy() {
    let dir = tempfile::tempdir().unwrap();
    let m = Morning::start(dir.path()).await;

    // 07:30: four patients take numbers at the kiosk; Bu Sri (elderly) in her lane.
    let budi = m.kiosk("A", None).await;
    let ani = m.kiosk("A", None).await;
    let sri = m.kiosk("A", Some("elderly")).await;
    let dewi = m.kiosk("B", None).await;
    m.expect(
        "after the kiosk",
        &[
            "A-001 A registration waiting -",
            "A-002 A registration waiting -",
            "A-003 A registration waiting -",
            "B-001 B registration waiting -",
        ],
    )
    .await;
    let page = m.status_page(&id(&budi)).await;
    assert_eq!(
        (page["step_name_id"].as_str(), page["position"].as_u64()),
        (Some("Pendaftaran"), Some(2)),
        "Budi's page: registration, behind Bu Sri's lane"
    );

    // The doctor is early: nobody has been registered, so the room calls nobody.
    assert_eq!(
        m.call_next(&m.doctor, "ruang-umum").await,
        Err("queue_empty".into())
    );

    // Loket 1 registers Bu Sri first (her lane), then Budi; "complete" sends each on to
    // the room with the same number.
    assert_eq!(m.call_next(&m.desk, "loket-1").await, Ok("A-003".into()));
    let at_room = m.act(&m.desk, &id(&sri), "complete", None).await;
    assert_eq!(
        (
            at_room["label"].as_str(),
            at_room["status"].as_str(),
            at_room["step"].as_str()
        ),
        (Some("A-003"), Some("waiting"), Some("room"))
    );
    assert_eq!(
        m.display().await,
        ["A-003 Loket 1 → Ruang Periksa Umum"],
        "the display says where Bu Sri goes"
    );
    assert_eq!(m.call_next(&m.desk, "loket-1").await, Ok("A-001".into()));
    m.act(&m.desk, &id(&budi), "serve", None).await;
    m.act(&m.desk, &id(&budi), "complete", None).await;
    // Loket 2 calls Ani, who is not there.
    assert_eq!(m.call_next(&m.desk, "loket-2").await, Ok("A-002".into()));
    m.act(&m.desk, &id(&ani), "no-show", None).await;
    m.expect(
        "after registration",
        &[
            "A-001 A room waiting -",
            "A-002 A registration no_show loket-2",
            "A-003 A room waiting -",
            "B-001 B registration waiting -",
        ],
    )
    .await;
    let page = m.status_page(&id(&sri)).await;
    assert_eq!(
        (page["step_name_id"].as_str(), page["position"].as_u64()),
        (Some("Ruang Periksa Umum"), Some(1)),
        "Bu Sri's page: first in front of the room"
    );
    let (_, services) = m.send("GET", "/api/v1/services", &m.desk, None).await;
    let poli = services
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["code"] == "A")
        .unwrap();
    let per_step: Vec<(String, u64)> = poli["step_queues"]
        .as_array()
        .unwrap()
        .iter()
        .map(|q| {
            (
                q["step"].as_str().unwrap().to_owned(),
                q["waiting"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(per_step, [("registration".into(), 0), ("room".into(), 2)]);

    // The doctor sees Bu Sri and sends her to the laboratory: same number.
    assert_eq!(
        m.call_next(&m.doctor, "ruang-umum").await,
        Ok("A-003".into())
    );
    m.act(&m.doctor, &id(&sri), "serve", None).await;
    let at_lab = m
        .act(
            &m.doctor,
            &id(&sri),
            "transfer",
            Some(json!({"service": "L"})),
        )
        .await;
    assert_eq!(at_lab["label"].as_str(), Some("A-003"));
    let page = m.status_page(&id(&sri)).await;
    assert_eq!(
        (
            page["status"].as_str(),
            page["next"]["service_name_id"].as_str(),
            page["next"]["label"].as_str()
        ),
        (Some("transferred"), Some("Laboratorium"), Some("A-003")),
        "her first ticket's page names where the visit goes on"
    );
    assert_eq!(
        m.display().await[0],
        "A-003 Ruang Periksa Umum → Laboratorium",
        "the display says where she goes now"
    );
    // Budi next: the doctor finishes him in the room, the last step of his visit.
    assert_eq!(
        m.call_next(&m.doctor, "ruang-umum").await,
        Ok("A-001".into())
    );
    m.act(&m.doctor, &id(&budi), "complete", None).await;

    // The laboratory calls Bu Sri, then sends her on to the pharmacy, which finishes.
    assert_eq!(m.call_next(&m.desk, "lab").await, Ok("A-003".into()));
    let at_pharmacy = m
        .act(
            &m.desk,
            &id(&at_lab),
            "transfer",
            Some(json!({"service": "F"})),
        )
        .await;
    assert_eq!(m.call_next(&m.desk, "farmasi").await, Ok("A-003".into()));
    m.act(&m.desk, &id(&at_pharmacy), "complete", None).await;

    // Ani comes back: the desk requeues her, behind Dewi, who has waited all along.
    m.act(&m.desk, &id(&ani), "requeue", None).await;
    assert_eq!(m.call_next(&m.desk, "loket-2").await, Ok("B-001".into()));
    // Dewi's dental visit goes on to the dental room, not Poli Umum's.
    m.act(&m.desk, &id(&dewi), "complete", None).await;
    assert_eq!(m.call_next(&m.desk, "loket-2").await, Ok("A-002".into()));
    assert_eq!(m.held("loket-2").await["label"], "A-002");
    m.act(&m.desk, &id(&ani), "complete", None).await;
    assert_eq!(
        m.call_next(&m.doctor, "ruang-umum").await,
        Ok("A-002".into())
    );
    assert_eq!(
        m.call_next(&m.doctor, "ruang-gigi").await,
        Ok("B-001".into())
    );

    m.expect(
        "at the end of the morning",
        &[
            "A-001 A room done ruang-umum",
            "A-002 A room called ruang-umum",
            "A-003 A room transferred ruang-umum",
            "A-003 F - done farmasi",
            "A-003 L - transferred lab",
            "B-001 B room called ruang-gigi",
        ],
    )
    .await;
    // Budi's status page says his visit is over.
    let page = m.status_page(&id(&budi)).await;
    assert_eq!(page["status"], "done");
}
