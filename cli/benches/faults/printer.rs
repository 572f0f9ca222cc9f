//! `fault.printer_outage`: kiosks keep taking tickets while the virtual printer is
//! switched off (its process gone), then comes back out of paper, then is refilled.
//! Every ticket is issued at once throughout, the desk sees each fault, nothing prints
//! while the paper is out, and after the refill every job has printed — each once, but
//! for the one job the printer may have stored as it was switched off, whose answer was
//! lost with it and which the spool sends again (at least once, never lost; counted by
//! label in the printer's output files).

use crate::util::{
    DemoProcess, PrinterProcess, label_counts, printed_in, wait_for_fault, wait_for_idle_spool,
};
use crate::{Report, Run};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// Kiosks taking tickets at once.
const KIOSKS: usize = 4;

/// Waits until `count` ticket requests are answered.
async fn until_answered(answered: &AtomicUsize, count: usize) {
    while answered.load(Ordering::SeqCst) < count {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

pub async fn run(run: Run) -> anyhow::Result<Report> {
    let total = run.size(120, 36);
    // Each kiosk pauses between tickets, so the burst outlasts the printer's changes.
    let pause = Duration::from_millis(if run.quick { 60 } else { 80 });
    let dir = tempfile::tempdir()?;
    let out = dir.path().join("printed");
    let printer = PrinterProcess::start(&out);
    let addr = printer.addr.clone();
    let demo = DemoProcess::start_env(
        &dir.path().join("node"),
        &["--printer", addr.as_str()],
        &[("RUST_LOG", "error")],
    );
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(20))
        .build()?;
    let desk = demo.login(&client, "desk").await;

    // The kiosks take tickets while fewer than `budget` are issued; the budget is raised
    // step by step, so each change of the printer happens with requests in flight.
    let (answered, budget) = (
        Arc::new(AtomicUsize::new(0)),
        Arc::new(AtomicUsize::new(total / 2)),
    );
    let next = Arc::new(AtomicUsize::new(0));
    let kiosks: Vec<_> = (0..KIOSKS)
        .map(|_| {
            let (client, answered, budget, next) = (
                client.clone(),
                answered.clone(),
                budget.clone(),
                next.clone(),
            );
            let (url, token) = (demo.url("/api/v1/tickets"), demo.kiosk.clone());
            tokio::spawn(async move {
                let mut taken = Vec::new();
                let mut slowest = Duration::ZERO;
                let mut refused = 0;
                loop {
                    let i = next.load(Ordering::SeqCst);
                    if i >= total {
                        break;
                    }
                    if i >= budget.load(Ordering::SeqCst)
                        || next
                            .compare_exchange(i, i + 1, Ordering::SeqCst, Ordering::SeqCst)
                            .is_err()
                    {
                        tokio::time::sleep(Duration::from_millis(5)).await;
                        continue;
                    }
                    let service = ["A", "B", "C", "L", "F"][i % 5];
                    let started = Instant::now();
                    let res = client
                        .post(&url)
                        .bearer_auth(&token)
                        .json(&json!({ "service": service }))
                        .send()
                        .await;
                    slowest = slowest.max(started.elapsed());
                    match res {
                        Ok(res) if res.status() == 201 => {
                            let t: Value = res.json().await.unwrap_or_default();
                            let s = |k: &str| t[k].as_str().unwrap_or_default().to_owned();
                            taken.push((s("label"), s("id")));
                        }
                        _ => refused += 1,
                    }
                    answered.fetch_add(1, Ordering::SeqCst);
                    tokio::time::sleep(pause).await;
                }
                (taken, slowest, refused)
            })
        })
        .collect();

    // A third in: the printer is switched off.
    until_answered(&answered, total / 3).await;
    drop(printer);
    // The job the printer had stored when it went (if its answer was lost with it, the
    // spool sends it again: the one duplicate a switched-off printer may cause).
    let stored_at_switch_off = printed_in(&out).pop();
    let unreachable = wait_for_fault(&client, &demo, &desk, "unreachable").await;
    budget.store(total * 5 / 6, Ordering::SeqCst);
    // Two thirds in: it is switched on again, out of paper.
    until_answered(&answered, total * 2 / 3).await;
    let printer = PrinterProcess::start_on(&out, &addr);
    printer.set_mode("paper-out");
    let paper = wait_for_fault(&client, &demo, &desk, "paper").await;
    // The spool sends one job at a time and has now seen the paper run out: a job that
    // was on its way before has been stored (or refused) by now.
    let paper_out_at = printer.printed().len();
    budget.store(total, Ordering::SeqCst);

    let mut ids = HashMap::new();
    let (mut slowest, mut refused) = (Duration::ZERO, 0);
    for kiosk in kiosks {
        let (taken, slow, r) = kiosk.await?;
        ids.extend(taken);
        slowest = slowest.max(slow);
        refused += r;
    }
    let during_paper_out = printer.printed().len();

    let labels: Vec<String> = ids.keys().cloned().collect();
    let refilled = Instant::now();
    printer.set_mode("ok");
    printer.wait_for(labels.len()).await;
    let drained = refilled.elapsed();
    // With the spool empty nothing more is sent: a duplicate would be here by now.
    wait_for_idle_spool(&client, &demo, &desk).await;
    let printed = printer.printed();
    let counts = label_counts(&printed, &labels);
    let missing: Vec<&String> = counts
        .iter()
        .filter(|(_, n)| **n == 0)
        .map(|(l, _)| l)
        .collect();
    let twice: Vec<&String> = counts
        .iter()
        .filter(|(_, n)| **n > 1)
        .map(|(l, _)| l)
        .collect();
    // At most one label twice, and only the one stored as the printer was switched off.
    let twice_explained = match twice.as_slice() {
        [] => true,
        [label] => {
            counts[*label] == 2
                && stored_at_switch_off
                    .as_deref()
                    .is_some_and(|last| last.contains(label.as_str()))
        }
        _ => false,
    };
    // What the spool thinks of a job that never printed.
    let mut spool_says = Vec::new();
    for label in &missing {
        let url = demo.url(&format!("/api/v1/tickets/{}", ids[*label]));
        let t: Value = client
            .get(url)
            .bearer_auth(&desk)
            .send()
            .await?
            .json()
            .await?;
        spool_says.push(format!(
            "{label} ({})",
            t["print"]["status"].as_str().unwrap_or("?")
        ));
    }
    demo.stop();

    let mut report = Report::default();
    report.measure(
        "fault.printer_outage.drain",
        drained.as_secs_f64(),
        "s",
        &format!(
            "{} jobs waiting through a switched-off then paper-out printer: from the refill until all printed",
            labels.len().saturating_sub(during_paper_out)
        ),
    );
    report.count(format!("{total} tickets, {} issued", labels.len()));
    report.measure(
        "fault.printer_outage.slowest_issue",
        slowest.as_secs_f64() * 1_000.0,
        "ms",
        "the slowest ticket issue while the printer was switched off, out of paper and refilled",
    );
    report.count(format!("{} files printed", printed.len()));
    report.count(format!(
        "{} never printed{}, {} printed twice{}",
        missing.len(),
        if spool_says.is_empty() {
            String::new()
        } else {
            format!(" [{}: the spool's word for it]", spool_says.join(", "))
        },
        twice.len(),
        if twice.is_empty() {
            ""
        } else if twice_explained {
            " (the job stored as the printer was switched off, its answer lost: sent again)"
        } else {
            ""
        }
    ));
    report.count(format!(
        "{} printed while out of paper",
        during_paper_out.saturating_sub(paper_out_at)
    ));
    report.check(refused == 0, format!("{refused} tickets refused"));
    report.check(
        unreachable.contains("unreachable"),
        format!("switched off, the API said {unreachable:?}"),
    );
    report.check(
        paper.contains("paper"),
        format!("out of paper, the API said {paper:?}"),
    );
    report.check(
        during_paper_out == paper_out_at,
        "a job printed while the paper was out",
    );
    report.check(missing.is_empty(), "a job never printed");
    report.check(
        twice_explained,
        format!("printed twice beyond the job the switch-off cut short: {twice:?}"),
    );
    report.check(
        printed.len() == labels.len() + twice.len(),
        format!(
            "{} files printed for {} tickets",
            printed.len(),
            labels.len()
        ),
    );
    Ok(report)
}
