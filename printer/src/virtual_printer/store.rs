//! Job files: `NNNNNN.png`, `NNNNNN.txt`, then `NNNNNN.bin`.

use std::path::Path;

use super::{Job, Shared};
use crate::render;

/// The number after the highest `NNNNNN.bin` in `dir` (1 for an empty dir).
pub(crate) async fn highest_job(dir: &Path) -> std::io::Result<u64> {
    let mut entries = tokio::fs::read_dir(dir).await?;
    let mut highest = 0;
    while let Some(entry) = entries.next_entry().await? {
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if let Some(n) = name
            .strip_suffix(".bin")
            .and_then(|n| n.parse::<u64>().ok())
        {
            highest = highest.max(n);
        }
    }
    Ok(highest + 1)
}

pub(crate) async fn store(shared: &Shared, number: u64, bytes: Vec<u8>) -> std::io::Result<()> {
    let stem = format!("{number:06}");
    let job = Job {
        number,
        bin: shared.out.join(format!("{stem}.bin")),
        txt: shared.out.join(format!("{stem}.txt")),
        png: shared.out.join(format!("{stem}.png")),
        bytes,
    };
    let paper = shared.paper;
    let job = tokio::task::spawn_blocking(move || -> std::io::Result<Job> {
        std::fs::write(&job.png, render::to_png(&job.bytes, paper.dots()))?;
        std::fs::write(&job.txt, render::to_text(&job.bytes, paper.columns()))?;
        std::fs::write(&job.bin, &job.bytes)?;
        Ok(job)
    })
    .await
    .map_err(std::io::Error::other)??;
    tracing::info!(
        number,
        bytes = job.bytes.len(),
        "virtual printer job stored"
    );
    let count = {
        let mut jobs = shared
            .jobs
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        jobs.push(job);
        jobs.len()
    };
    shared.job_count.send_replace(count);
    Ok(())
}
