// The check page before a client confirms, refuses or revokes an authorization: one POST, then the
// list with the outcome. The check page is replaced in the history: Back never offers a done change.
"use strict";
document.addEventListener("DOMContentLoaded", function () {
  const form = document.getElementById("change-form");
  if (!form) { return; }
  Portal.bindForm(form, function () { Portal.next(form.dataset.done); });
});
