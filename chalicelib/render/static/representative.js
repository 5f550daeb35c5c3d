// Vertegenwoordigersportaal: the firm's list, registering one authorization, and the bulk import:
// ask the API for an upload form, send the CSV straight to S3, then follow the job until it ends.
"use strict";

document.addEventListener("DOMContentLoaded", function () {
  const MAX_BYTES = 10 * 1024 * 1024;
  const POLL_MS = 1000;
  const filter = document.getElementById("status-filter");
  const list = AuthorizationTable.create({
    path: function (cursor) {
      const query = new URLSearchParams();
      if (filter.value) { query.set("status", filter.value); }
      if (cursor) { query.set("cursor", cursor); }
      const text = query.toString();
      return "/api/v1/representative/authorizations" + (text ? "?" + text : "");
    },
  });
  filter.addEventListener("change", function () { list.load(true); });
  list.load(true);

  const single = document.getElementById("single-form");
  const singleDone = document.getElementById("single-done");
  single.addEventListener("input", function () { singleDone.hidden = true; });
  Portal.bindForm(single, function () {
    single.reset();
    singleDone.hidden = false;
    Portal.announce(singleDone.textContent);
    list.load(true);
  });

  const form = document.getElementById("import-form");
  const status = document.getElementById("import-status");
  const state = document.getElementById("import-state");
  const progress = document.getElementById("import-progress");
  const progressText = document.getElementById("import-progress-text");
  const counts = document.getElementById("import-counts");
  const reason = document.getElementById("import-reason");
  const errors = document.getElementById("import-errors");
  const dryRunNote = document.getElementById("import-dry-run-note");
  let importId = null;

  function fill(template, values) {
    return Object.keys(values).reduce(function (text, name) {
      return text.split("{" + name + "}").join(String(values[name]));
    }, template);
  }

  function show(job) {
    const label = status.dataset["status" + job.status.split("_").map(function (word) {
      return word.charAt(0).toUpperCase() + word.slice(1);
    }).join("")] || job.status;
    if (state.textContent !== label) {
      state.textContent = label;
      Portal.announce(label);
    }
    status.hidden = false;
    status.dataset.state = job.status;
    progress.max = Math.max(job.total, 1);
    progress.value = job.processed;
    progressText.textContent = fill(status.dataset.textProgress, job);
    const finished = job.status === "done" || job.status === "failed";
    counts.textContent = finished ? fill(status.dataset.textCounts, job) : "";
    dryRunNote.hidden = !(finished && job.dry_run);
    reason.hidden = job.status !== "failed";
    reason.textContent = job.reason_message || "";
    errors.hidden = !job.errors_csv;
    if (job.errors_csv) { errors.href = job.errors_csv; }
  }

  function wait(ms) { return new Promise(function (resolve) { window.setTimeout(resolve, ms); }); }

  async function follow(id) {
    for (;;) {
      const result = await Portal.api("GET", "/api/v1/representative/imports/" + encodeURIComponent(id));
      if (!result.ok) { Portal.showError(form, result.data && result.data.error); return; }
      show(result.data);
      if (result.data.status === "done" || result.data.status === "failed") {
        if (!result.data.dry_run) { list.load(true); }
        return;
      }
      await wait(POLL_MS);
    }
  }

  // The report link is short-lived: fetch a fresh one when it is used.
  errors.addEventListener("click", async function (event) {
    if (!importId) { return; }
    event.preventDefault();
    const result = await Portal.api("GET", "/api/v1/representative/imports/" + encodeURIComponent(importId));
    if (result.ok && result.data.errors_csv) { window.location.assign(result.data.errors_csv); }
  });

  form.addEventListener("submit", async function (event) {
    event.preventDefault();
    Portal.clearErrors(form);
    const file = document.getElementById("import-file").files[0];
    if (!file) { Portal.showError(form, { field: "file", code: "choose_file" }); return; }
    if (file.size > MAX_BYTES) { Portal.showError(form, { field: "file", code: "too_large" }); return; }
    const button = form.querySelector("button[type=submit]");
    button.disabled = true;
    try {
      const dryRun = document.getElementById("import-dry-run").checked;
      const started = await Portal.api("POST", "/api/v1/representative/imports", { dry_run: dryRun });
      if (!started.ok) { Portal.showError(form, started.data && started.data.error); return; }
      importId = started.data.import_id;
      show({ status: "waiting_for_upload", total: 0, processed: 0, imported: 0, skipped: 0, failed: 0,
             errors_csv: null, dry_run: dryRun });
      Portal.announce(form.dataset.textUploading);
      const upload = new FormData();
      Object.keys(started.data.upload.fields).forEach(function (name) {
        upload.append(name, started.data.upload.fields[name]);
      });
      upload.append("file", file);  // S3 wants the file as the last field
      const sent = await fetch(started.data.upload.url, { method: "POST", body: upload });
      if (!sent.ok) { Portal.showError(form, { field: "file", code: "upload_failed" }); return; }
      await follow(importId);
    } catch (e) {
      Portal.showError(form, { field: "file", code: "upload_failed" });
    } finally {
      button.disabled = false;
    }
  });
});
