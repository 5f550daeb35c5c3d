// The list of authorizations on both portals: pages from the API (cursor), one row per
// authorization, texts from the table's data-* attributes, content set as text (never as HTML).
"use strict";

window.AuthorizationTable = (function () {
  function day(iso) {
    const parts = iso.split("-");
    return parts[2] + "-" + parts[1] + "-" + parts[0];
  }

  function capitalized(word) {
    return word.charAt(0).toUpperCase() + word.slice(1);
  }

  function create(options) {
    const table = document.getElementById("authorizations");
    const body = table.querySelector("tbody");
    const more = document.getElementById("list-more");
    const empty = document.getElementById("list-empty");
    const failed = document.getElementById("list-error");
    const columns = table.dataset.columns.split(" ");
    let cursor = null;

    // The period's text with each date in its own span, so a line may break between the dates only.
    function period(item) {
      const template = item.end_date ? table.dataset.textRange : table.dataset.textOpen;
      const dates = { "{start}": day(item.start_date), "{end}": item.end_date ? day(item.end_date) : "" };
      const holder = document.createElement("span");
      template.split(/(\{start\}|\{end\})/).forEach(function (part) {
        if (dates[part] !== undefined) {
          const date = document.createElement("span");
          date.className = "date";
          date.textContent = dates[part];
          holder.appendChild(date);
        } else if (part) {
          holder.appendChild(document.createTextNode(part));
        }
      });
      return holder;
    }

    function badge(status) {
      const span = document.createElement("span");
      span.className = "badge " + status;
      span.textContent = table.dataset["status" + capitalized(status)] || status;
      return span;
    }

    const content = {
      client_crib: function (item) { return item.client_crib; },
      client_name: function (item) { return item.client_name; },
      firm: function (item) { return (item.firm_name || "") + " (CRIB " + item.representative_crib + ")"; },
      tax_type: function (item) { return item.tax_type + " — " + item.tax_type_name; },
      period: period,
      status: function (item) { return badge(item.status); },
      reference: function (item) { return item.reference; },
      actions: function (item) {
        const holder = document.createElement("div");
        holder.className = "actions";
        (options.actions ? options.actions(item, table.dataset) : []).forEach(function (button) { holder.appendChild(button); });
        return holder;
      },
    };

    let position = 0;
    function row(item) {
      const tr = document.createElement("tr");
      tr.dataset.authorizationId = item.id;
      // What a page may sort the rows by: the API's order (newest first) and the raw values.
      tr.dataset.position = String(position++);
      tr.dataset.sortClientCrib = item.client_crib;
      tr.dataset.sortClientName = (item.client_name || "").toLowerCase();
      tr.dataset.sortStartDate = item.start_date;
      tr.dataset.sortStatus = item.status;
      columns.forEach(function (column) {
        const td = document.createElement("td");
        td.className = "column-" + column;
        const value = content[column](item);
        if (value instanceof Node) { td.appendChild(value); }
        else { td.textContent = value === null || value === undefined || value === "" ? "—" : value; }
        tr.appendChild(td);
      });
      return tr;
    }

    async function load(reset) {
      if (reset) { cursor = null; body.textContent = ""; }
      failed.hidden = true;
      const result = await Portal.api("GET", options.path(cursor));
      if (!result.ok) { failed.hidden = false; return; }
      result.data.items.forEach(function (item) { body.appendChild(row(item)); });
      cursor = result.data.cursor;
      more.hidden = !cursor;
      empty.hidden = body.children.length > 0;
      if (options.loaded) { options.loaded(body); }
    }

    more.addEventListener("click", function () { load(false); });
    return { load: load };
  }

  return { create: create };
})();
