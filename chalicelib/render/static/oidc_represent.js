// Client chooser of an adviser logging in to a tax application: the choice joins the kept request.
"use strict";

document.addEventListener("DOMContentLoaded", function () {
  const card = document.getElementById("oidc-represent");
  card.querySelectorAll(".choose-client").forEach(function (button) {
    button.addEventListener("click", async function () {
      Portal.clearErrors(card);
      const crib = button.dataset.clientCrib || null;
      const result = await Portal.api("POST", "/api/v1/oidc/representation", { client_crib: crib });
      if (result.ok) { Portal.next(result.data.next); }
      else { Portal.showError(card, result.data && result.data.error); }
    });
  });
});
