// "Dit was ik niet": after the person confirmed on this page, the account is secured and the page says
// what happened (its session is gone by then, so it cannot be loaded again).
"use strict";

document.addEventListener("DOMContentLoaded", function () {
  const confirmCard = document.getElementById("not-me-confirm");
  const done = document.getElementById("not-me-done");
  const button = document.getElementById("not-me-button");
  button.addEventListener("click", async function () {
    Portal.clearErrors(confirmCard);
    button.disabled = true;
    const events = confirmCard.dataset.events ? confirmCard.dataset.events.split(",") : [];
    try {
      const result = await Portal.api("POST", "/api/v1/account/activity/not-me", { events: events });
      if (!result.ok) {
        Portal.showError(confirmCard, result.data && result.data.error);
        button.disabled = false;
        return;
      }
      const password = document.getElementById("not-me-password");
      password.textContent = result.data.reset_link_sent
        ? password.dataset.template.replace("{email}", result.data.email) : password.dataset.noLink;
      const reference = document.getElementById("not-me-reference");
      reference.textContent = reference.dataset.template.replace("{reference}", result.data.reference);
      confirmCard.hidden = true;
      done.hidden = false;
      document.title = done.dataset.title;
      done.querySelector("h1").focus();
    } catch (e) {
      Portal.showError(confirmCard, null);
      button.disabled = false;
    }
  });
});
