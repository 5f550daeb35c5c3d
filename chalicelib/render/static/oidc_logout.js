// Logout asked for by a tax application without naming the session: confirmed by the visitor here.
"use strict";

document.addEventListener("DOMContentLoaded", function () {
  const card = document.getElementById("oidc-logout");
  document.getElementById("oidc-logout-confirm").addEventListener("click", async function () {
    const result = await Portal.api("POST", "/api/v1/auth/logout", {});
    if (result.ok) { Portal.next("/logged-out"); }
    else { Portal.showError(card, result.data && result.data.error); }
  });
});
