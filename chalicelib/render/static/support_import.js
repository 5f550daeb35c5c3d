// The desk's import on a firm's behalf (support_import.html): the same upload and progress as the
// firm's own page, through the admin API with a reason.
"use strict";
document.addEventListener("DOMContentLoaded", function () {
  const form = document.getElementById("import-form");
  if (!form) { return; }
  const path = "/api/v1/admin/representatives/" + encodeURIComponent(form.dataset.username) + "/imports";
  ImportUpload.bind(form, {
    start: path,
    status: path + "/",
    body: function () {
      return {
        dry_run: form.querySelector("[name=dry_run]").checked,
        signed_forms_received: form.querySelector("[name=signed_forms_received]").checked,
        reason: form.querySelector("[name=reason]").value,
      };
    },
  });
});
