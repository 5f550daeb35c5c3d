// Machtigingen: every authorization on the taxpayer's CRIB. A pending one can be checked and confirmed
// or refused, an active one revoked: each link leads to a check page that shows what the change is
// about first, and names its authorization for screen readers (the visible label is the same on
// every row).
"use strict";

document.addEventListener("DOMContentLoaded", function () {
  const card = document.getElementById("client-authorizations");
  const table = document.getElementById("authorizations");

  function period(item) {
    const day = function (iso) { return iso.split("-").reverse().join("-"); };
    const template = item.end_date ? table.dataset.textRange : table.dataset.textOpen;
    return template.replace("{start}", day(item.start_date)).replace("{end}", item.end_date ? day(item.end_date) : "");
  }

  function link(item, change, primary) {
    const element = document.createElement("a");
    element.className = "button small" + (primary ? " primary" : " danger");
    element.href = "/authorizations/" + encodeURIComponent(item.id) + "/" + change;
    element.textContent = card.dataset["textCheck" + change.charAt(0).toUpperCase() + change.slice(1)];
    const named = document.createElement("span");
    named.className = "visually-hidden";
    named.textContent = ": " + card.dataset.textNamed
      .replace("{tax_type}", item.tax_type + " — " + item.tax_type_name)
      .replace("{firm}", item.firm_name || item.representative_crib)
      .replace("{period}", period(item));
    element.appendChild(named);
    return element;
  }

  const list = AuthorizationTable.create({
    path: function (cursor) {
      return "/api/v1/authorizations" + (cursor ? "?cursor=" + encodeURIComponent(cursor) : "");
    },
    actions: function (item) {
      if (item.status === "pending") { return [link(item, "confirm", true), link(item, "reject", false)]; }
      if (item.status === "active") { return [link(item, "revoke", false)]; }
      return [];
    },
  });
  list.load(true);
});
