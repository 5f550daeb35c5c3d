// Machtigingen: every authorization on the taxpayer's CRIB, with confirm and revoke.
"use strict";

document.addEventListener("DOMContentLoaded", function () {
  const card = document.getElementById("client-authorizations");
  const done = document.getElementById("client-done");
  let list = null;

  async function change(item, action) {
    Portal.clearErrors(card);
    done.hidden = true;
    if (action === "revoke" && !window.confirm(card.dataset.textRevokeQuestion)) { return; }
    const result = await Portal.api("POST", "/api/v1/authorizations/" + encodeURIComponent(item.id) + "/" + action, {});
    if (!result.ok) { Portal.showError(card, result.data && result.data.error); return; }
    done.textContent = action === "confirm" ? card.dataset.textConfirmed : card.dataset.textRevoked;
    done.hidden = false;
    Portal.announce(done.textContent);
    list.load(true);
  }

  function button(item, action, label, primary) {
    const element = document.createElement("button");
    element.type = "button";
    element.className = "button small" + (primary ? " primary" : " danger");
    element.textContent = label;
    element.addEventListener("click", function () { change(item, action); });
    return element;
  }

  list = AuthorizationTable.create({
    path: function (cursor) {
      return "/api/v1/authorizations" + (cursor ? "?cursor=" + encodeURIComponent(cursor) : "");
    },
    actions: function (item, texts) {
      const buttons = [];
      if (item.status === "pending") { buttons.push(button(item, "confirm", texts.textConfirm, true)); }
      if (item.status === "pending" || item.status === "active") {
        buttons.push(button(item, "revoke", texts.textRevoke, false));
      }
      return buttons;
    },
  });
  list.load(true);
});
