// Vertegenwoordigersportaal: the firm's list, registering one authorization, and the bulk import
// (import_upload.js).
"use strict";

document.addEventListener("DOMContentLoaded", function () {
  const filter = document.getElementById("status-filter");
  const search = document.getElementById("list-search");
  const sort = document.getElementById("list-sort");
  const shown = document.getElementById("list-shown");
  const exportLink = document.getElementById("list-export");

  // Search and sort act on the rows loaded so far ("Meer laden" adds the next page); the export has
  // the whole list.
  function arrange(body) {
    const rows = Array.prototype.slice.call(body.querySelectorAll("tr"));
    const key = sort.value === "newest" ? null : "sort" + sort.value.split("_").map(function (word) {
      return word.charAt(0).toUpperCase() + word.slice(1);
    }).join("");
    rows.sort(function (a, b) {
      if (!key) { return Number(a.dataset.position) - Number(b.dataset.position); }
      return a.dataset[key].localeCompare(b.dataset[key]) || Number(a.dataset.position) - Number(b.dataset.position);
    });
    const words = search.value.trim().toLowerCase().split(/\s+/).filter(Boolean);
    let visible = 0;
    rows.forEach(function (tr) {
      const text = tr.textContent.toLowerCase();
      tr.hidden = !words.every(function (word) { return text.indexOf(word) >= 0; });
      if (!tr.hidden) { visible += 1; }
      body.appendChild(tr);
    });
    shown.textContent = words.length ? shown.dataset.text.replace("{shown}", visible).replace("{loaded}", rows.length) : "";
  }

  const list = AuthorizationTable.create({
    loaded: arrange,
    path: function (cursor) {
      const query = new URLSearchParams();
      if (filter.value) { query.set("status", filter.value); }
      if (cursor) { query.set("cursor", cursor); }
      const text = query.toString();
      return "/api/v1/representative/authorizations" + (text ? "?" + text : "");
    },
  });
  filter.addEventListener("change", function () {
    exportLink.href = "/representative/authorizations.csv" + (filter.value ? "?status=" + encodeURIComponent(filter.value) : "");
    list.load(true);
  });
  const table = document.querySelector("#authorizations tbody");
  search.addEventListener("input", function () { arrange(table); });
  sort.addEventListener("change", function () { arrange(table); });
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
