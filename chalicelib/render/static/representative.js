// Vertegenwoordigersportaal: the firm's list, registering one authorization, and the bulk import
// (import_upload.js).
"use strict";

document.addEventListener("DOMContentLoaded", function () {
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

  ImportUpload.bind(document.getElementById("import-form"), {
    start: "/api/v1/representative/imports",
    status: "/api/v1/representative/imports/",
    body: function (form) { return { dry_run: form.querySelector("[name=dry_run]").checked }; },
    done: function (job) { if (!job.dry_run) { list.load(true); } },
    history: "/representative",
  });
});
