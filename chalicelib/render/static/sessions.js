// Sessions overview: end one other session, or all of them.
"use strict";

document.addEventListener("DOMContentLoaded", function () {
  const card = document.querySelector(".card");
  async function end(path) {
    Portal.clearErrors(card);
    const result = await Portal.api("DELETE", path, {});
    if (result.ok) { window.location.reload(); }
    else { Portal.showError(card, result.data && result.data.error); }
  }
  document.querySelectorAll(".end-session").forEach(function (button) {
    button.addEventListener("click", function () {
      end("/api/v1/account/sessions/" + encodeURIComponent(button.dataset.sessionId));
    });
  });
  const all = document.getElementById("end-others");
  if (all) { all.addEventListener("click", function () { end("/api/v1/account/sessions"); }); }
});
