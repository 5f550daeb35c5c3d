// A bulk import from the page, for the firm's own page and the support desk's alike: ask the API for an
// upload form, send the CSV straight to S3, then follow the job until it ends and show its outcome, its
// counts, the first refused rows and the report (import_status.html holds the elements).
"use strict";

window.ImportUpload = (function () {
  const MAX_BYTES = 10 * 1024 * 1024;
  const POLL_MS = 1000;

  function fill(template, values) {
    return Object.keys(values).reduce(function (text, name) {
      return text.split("{" + name + "}").join(String(values[name]));
    }, template);
  }

  function wait(ms) { return new Promise(function (resolve) { window.setTimeout(resolve, ms); }); }

  // options: start (POST path), status (path the import id is appended to), body(form) -> request body,
  // done(job) after the import ended, history (a page whose #import-history is shown fresh afterwards).
  function bind(form, options) {
    const status = document.getElementById("import-status");
    const state = document.getElementById("import-state");
    const progress = document.getElementById("import-progress");
    const progressText = document.getElementById("import-progress-text");
    const counts = document.getElementById("import-counts");
    const reason = document.getElementById("import-reason");
    const errors = document.getElementById("import-errors");
    const dryRunNote = document.getElementById("import-dry-run-note");
    const outcome = document.getElementById("import-outcome");
    const errorRows = document.getElementById("import-error-rows");
    let importId = null;

    // The first refused rows, under the outcome; the report has them all.
    function showErrorRows(job) {
      const rows = job.error_rows || [];
      const body = errorRows.querySelector("tbody");
      body.textContent = "";
      rows.forEach(function (error) {
        const tr = document.createElement("tr");
        [error.row, error.column, error.message, error.value].forEach(function (value) {
          const td = document.createElement("td");
          td.textContent = value;
          tr.appendChild(td);
        });
        body.appendChild(tr);
      });
      document.getElementById("import-error-rows-note").textContent =
        fill(status.dataset.textErrorsShown, { shown: rows.length, failed: job.failed });
      errorRows.hidden = rows.length === 0;
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
      // A trial import checks and registers nothing: its counts say "gecontroleerd".
      const countsText = job.dry_run ? status.dataset.textCountsDryRun : status.dataset.textCounts;
      counts.textContent = finished ? fill(countsText, job) : "";
      dryRunNote.hidden = !(finished && job.dry_run);
      outcome.hidden = !job.outcome;
      if (job.outcome && outcome.textContent !== job.outcome) {
        outcome.textContent = job.outcome;
        outcome.focus();
        Portal.announce(job.outcome);
      }
      reason.hidden = job.status !== "failed";
      reason.textContent = job.reason_message || "";
      errors.hidden = !job.errors_csv;
      if (job.errors_csv) { errors.href = job.errors_csv; }
      showErrorRows(job);
    }

    // The history is the server's: fetched again once an import has ended.
    async function refreshHistory() {
      const current = document.getElementById("import-history");
      if (!options.history || !current) { return; }
      const response = await fetch(options.history, { credentials: "same-origin" });
      if (!response.ok) { return; }
      const page = new DOMParser().parseFromString(await response.text(), "text/html");
      const fresh = page.getElementById("import-history");
      if (fresh) { current.replaceWith(document.importNode(fresh, true)); }
    }

    async function follow(id) {
      for (;;) {
        const result = await Portal.api("GET", options.status + encodeURIComponent(id));
        if (!result.ok) { Portal.showError(form, result.data && result.data.error); return; }
        show(result.data);
        if (result.data.status === "done" || result.data.status === "failed") {
          if (options.done) { options.done(result.data); }
          refreshHistory();
          return;
        }
        await wait(POLL_MS);
      }
    }

    // The report link is short-lived: fetch a fresh one when it is used.
    errors.addEventListener("click", async function (event) {
      if (!importId) { return; }
      event.preventDefault();
      const result = await Portal.api("GET", options.status + encodeURIComponent(importId));
      if (result.ok && result.data.errors_csv) { window.location.assign(result.data.errors_csv); }
    });

    form.addEventListener("submit", async function (event) {
      event.preventDefault();
      Portal.clearErrors(form);
      const file = form.querySelector("input[type=file]").files[0];
      if (!file) { Portal.showError(form, { field: "file", code: "choose_file", message: form.dataset.textChooseFile }); return; }
      if (file.size > MAX_BYTES) { Portal.showError(form, { field: "file", code: "too_large", message: form.dataset.textTooLarge }); return; }
      const button = form.querySelector("button[type=submit]");
      button.disabled = true;
      try {
        const request = options.body(form);
        const started = await Portal.api("POST", options.start, request);
        if (!started.ok) { Portal.showError(form, started.data && started.data.error); return; }
        importId = started.data.import_id;
        show({ status: "waiting_for_upload", total: 0, processed: 0, imported: 0, skipped: 0, failed: 0,
               errors_csv: null, dry_run: request.dry_run, outcome: null, error_rows: [] });
        Portal.announce(form.dataset.textUploading);
        const upload = new FormData();
        Object.keys(started.data.upload.fields).forEach(function (name) {
          upload.append(name, started.data.upload.fields[name]);
        });
        upload.append("file", file);  // S3 wants the file as the last field
        const sent = await fetch(started.data.upload.url, { method: "POST", body: upload });
        if (!sent.ok) { Portal.showError(form, { field: "file", code: "upload_failed", message: form.dataset.textUploadFailed }); return; }
        await follow(importId);
      } catch (e) {
        Portal.showError(form, { field: "file", code: "upload_failed", message: form.dataset.textUploadFailed });
      } finally {
        button.disabled = false;
      }
    });
  }

  return { bind: bind };
})();
