// Shared page behaviour: JSON calls to the API, errors shown next to the field that caused them,
// logout, the session-expiry warning, copying a shown secret. No inline script
// anywhere (the Content-Security-Policy forbids it); every text comes from the page's catalogue via
// data-* attributes.
"use strict";

window.Portal = (function () {
  const SESSION_PATH = "/api/v1/session";

  function text(name) {
    return document.body.dataset[name] || "";
  }

  // Progress and outcomes that are not tied to one field, for screen readers (role=status).
  function announce(message) {
    const region = document.getElementById("live-status");
    if (!region) { return; }
    region.textContent = "";
    window.setTimeout(function () { region.textContent = message; }, 50);
  }

  async function api(method, path, body) {
    const options = { method: method, credentials: "same-origin", headers: { Accept: "application/json" } };
    if (method !== "GET") {
      options.headers["Content-Type"] = "application/json";
      options.body = JSON.stringify(body || {});
    }
    const response = await fetch(path, options);
    let data = null;
    if (response.status !== 204) {
      try { data = await response.json(); } catch (e) { data = null; }
    }
    if (sessionWatch.active()) { sessionWatch.afterRequest(path, response.status, data); }
    return { status: response.status, ok: response.ok, data: data };
  }

  // A form with an error summary (templates/error_summary.html) shows its errors with form_errors.js;
  // a part of a page without one (a row's button) gets the API's sentence in its .form-error.
  function clearErrors(form) {
    if (window.PortalErrors && PortalErrors.handles(form)) { PortalErrors.clear(form); return; }
    form.querySelectorAll(".field-error").forEach(function (el) { el.hidden = true; el.textContent = ""; });
    form.querySelectorAll("[aria-invalid]").forEach(function (el) { el.removeAttribute("aria-invalid"); });
    const general = form.querySelector(".form-error");
    if (general) { general.hidden = true; general.textContent = ""; }
  }

  // The one field a person fills in on this form (a code, a username), if there is just one.
  function onlyField(form) {
    const fields = Array.prototype.filter.call(form.querySelectorAll("input, select, textarea"), function (input) {
      return input.name && input.type !== "hidden" && input.type !== "checkbox" && !input.closest("[hidden]");
    });
    return fields.length === 1 ? fields[0] : null;
  }

  // An error without a field (a wrong code) belongs to the form's only field when it has one; the
  // field gets focus and the message is announced too (focus alone says nothing if it was there).
  function showError(form, error) {
    if (window.PortalErrors && PortalErrors.handles(form)) { PortalErrors.show(form, error); return; }
    const message = (error && error.message) || text("textNetworkError");
    const named = error && error.field && form.querySelector("[name='" + error.field + "']");
    const field = named || (error && !error.field ? onlyField(form) : null);
    if (field) {
      field.setAttribute("aria-invalid", "true");
      const slot = form.querySelector("#" + field.id + "-error");
      if (slot) {
        slot.textContent = message;
        slot.hidden = false;
        const described = (field.getAttribute("aria-describedby") || "").split(" ").filter(Boolean);
        if (described.indexOf(slot.id) < 0) { described.unshift(slot.id); }
        field.setAttribute("aria-describedby", described.join(" "));
        field.focus();
        announce(message);
        return;
      }
    }
    const general = form.querySelector(".form-error");
    if (general) { general.textContent = message; general.hidden = false; }
  }

  function formData(form) {
    const data = {};
    form.querySelectorAll("input, select, textarea").forEach(function (input) {
      if (!input.name) { return; }
      if (input.type === "checkbox") { data[input.name] = input.checked; }
      else { data[input.name] = input.value; }
    });
    return data;
  }

  // Submit a form with data-api to the API; onSuccess gets the response data.
  function bindForm(form, onSuccess, transform) {
    form.addEventListener("submit", async function (event) {
      event.preventDefault();
      clearErrors(form);
      const button = form.querySelector("button[type=submit]");
      if (button) { button.disabled = true; }
      try {
        let body = formData(form);
        if (transform) { body = transform(body); }
        const result = await api("POST", form.dataset.api, body);
        if (result.ok) { await onSuccess(result.data || {}, result); }
        else { showError(form, result.data && result.data.error); }
      } catch (e) {
        showError(form, e && e.field ? e : null);  // a check in the page's own script names its field and code
      } finally {
        if (button) { button.disabled = false; }
      }
    });
  }

  // Go on to the next step without leaving this page in the history: Back then never returns to a
  // form whose code was already used.
  function next(url) {
    window.location.replace(url);
  }

  async function logout(reason) {
    sessionWatch.forget();
    try { await api("POST", "/api/v1/auth/logout", {}); } catch (e) { /* the page below says so anyway */ }
    next("/logged-out" + (typeof reason === "string" ? "?reason=" + reason : ""));
  }

  // ------------------------------------------------------------ session-expiry warning
  // The server ends a session after 15 idle minutes and records activity at most once per
  // `activity_interval`; after any other request its record may be that much older, so the page's
  // estimate subtracts it and warns early rather than late. Tabs share their estimate.
  const sessionWatch = (function () {
    const WARN_MS = 2 * 60 * 1000;
    const STORE = "portal.session";
    let timing = null;  // {idleEnd, absoluteEnd, idleTimeout, interval} in ms
    let timer = null;
    let absoluteAcknowledged = false;

    function dialog() { return document.getElementById("session-expiry"); }
    function active() { return Boolean(document.body && document.body.dataset.sessionWatch === "on"); }

    function load() {
      try { return JSON.parse(window.localStorage.getItem(STORE) || "null"); } catch (e) { return null; }
    }

    function save() {
      try { window.localStorage.setItem(STORE, JSON.stringify(timing)); } catch (e) { /* private mode */ }
    }

    function forget() {
      timing = null;
      try { window.localStorage.removeItem(STORE); } catch (e) { /* private mode */ }
    }

    // Another tab of the same session may have seen later activity: take the later idle end.
    function merge() {
      const shared = load();
      const sameSession = shared && timing && shared.level === timing.level &&
        Math.abs(shared.absoluteEnd - timing.absoluteEnd) < 5000;
      if (sameSession && shared.idleEnd > timing.idleEnd) { timing.idleEnd = shared.idleEnd; }
    }

    function fromStatus(status) {
      const now = Date.now();
      timing = {
        level: status.level,
        idleEnd: now + status.idle_expires_in * 1000,
        absoluteEnd: now + status.absolute_expires_in * 1000,
        idleTimeout: status.idle_timeout * 1000,
        interval: status.activity_interval * 1000,
      };
      save();
    }

    // A password-only session has a fixed end, rendered into its page: the API's session status
    // serves full sessions only, and nothing can extend a partial one.
    function fromPage() {
      const seconds = Number(document.body.dataset.sessionEndsIn);
      fromStatus({ level: "partial", idle_expires_in: seconds, absolute_expires_in: seconds,
                   idle_timeout: 0, activity_interval: 0 });
    }

    async function refresh() {
      const result = await api("GET", SESSION_PATH);
      if (result.ok && result.data) { fromStatus(result.data); }
      return result.ok;
    }

    function afterRequest(path, status, data) {
      if (status === 401 && data && data.error && data.error.code === "not_authenticated") {
        expire("ended");
        return;
      }
      if (timing && timing.level === "partial" && status === 200 && data && data.next === "done") {
        // The second factor or the activation succeeded on this page: the session is a full one now.
        refresh();
        return;
      }
      if (timing && path !== SESSION_PATH && status < 500) {
        timing.idleEnd = Math.max(timing.idleEnd, Date.now() + timing.idleTimeout - timing.interval);
        save();
      }
    }

    function clock(ms) {
      const seconds = Math.max(0, Math.ceil(ms / 1000));
      return Math.floor(seconds / 60) + ":" + String(seconds % 60).padStart(2, "0");
    }

    function show(left, absolute) {
      const box = dialog();
      if (!box) { return; }
      const template = absolute ? box.dataset.absolute : box.dataset.idle;
      box.querySelector("#session-expiry-text").textContent = template.replace("{time}", clock(left));
      box.querySelector("[data-session-action=stay]").hidden = absolute;
      box.querySelector("[data-session-action=close]").hidden = !absolute;
      if (!box.open) {
        box.showModal();
        box.querySelector(absolute ? "[data-session-action=close]" : "[data-session-action=stay]").focus();
      }
    }

    function hide() {
      const box = dialog();
      if (box && box.open) { box.close(); }
    }

    function expire(reason) {
      if (timer) { window.clearInterval(timer); timer = null; }
      logout(reason);
    }

    function tick() {
      if (!timing) { return; }
      merge();
      const now = Date.now();
      const absolute = timing.absoluteEnd <= timing.idleEnd;
      const end = Math.min(timing.idleEnd, timing.absoluteEnd);
      const warn = end - now <= WARN_MS;
      if (now >= end) { expire(absolute ? "ended" : "idle"); }
      else if (warn && !(absolute && absoluteAcknowledged)) { show(end - now, absolute); }
      else { hide(); }
    }

    async function stay() {
      if (await refresh()) {
        hide();
        announce(dialog().dataset.extended);
      }
    }

    function start() {
      const box = dialog();
      if (box) {
        box.querySelector("[data-session-action=stay]").addEventListener("click", stay);
        box.querySelector("[data-session-action=close]").addEventListener("click", function () {
          absoluteAcknowledged = true;
          hide();
        });
        box.querySelector("[data-session-action=logout]").addEventListener("click", function () { logout(); });
        // Escape means the person is there: the same as staying logged in.
        box.addEventListener("cancel", function (event) {
          event.preventDefault();
          if (box.querySelector("[data-session-action=stay]").hidden) { absoluteAcknowledged = true; hide(); }
          else { stay(); }
        });
      }
      const ready = document.body.dataset.sessionEndsIn ? Promise.resolve(fromPage()) : refresh();
      ready.then(function () { timer = window.setInterval(tick, 1000); });
    }

    return { active: active, start: start, afterRequest: afterRequest, forget: forget };
  })();

  // ------------------------------------------------------------ copying

  // <button data-copy="element-id">: copies that element's text (the manual-entry secret).
  async function copyFrom(button) {
    const source = document.getElementById(button.dataset.copy);
    const value = source ? (source.dataset.copyValue || source.textContent).trim() : "";
    try {
      await navigator.clipboard.writeText(value);
      announce(text("textCopied"));
    } catch (e) {
      if (source) { window.getSelection().selectAllChildren(source); }
      announce(text("textCopyFailed"));
    }
  }

  // ------------------------------------------------------------ tables on small screens

  // Tables of three or more columns are shown one block per row on a phone (portal.css); each cell
  // gets its column's name to show beside it, also for rows a page's script adds later. The explicit
  // roles keep the table a table for screen readers once CSS changes how it is displayed.
  function stackTables() {
    document.querySelectorAll("table").forEach(function (table) {
      const headers = Array.prototype.map.call(table.querySelectorAll("thead th"), function (th) {
        return th.textContent.trim();
      });
      if (headers.length < 3) { return; }
      table.classList.add("stacked");
      table.setAttribute("role", "table");
      table.querySelectorAll("thead, tbody").forEach(function (group) { group.setAttribute("role", "rowgroup"); });
      table.querySelectorAll("tr").forEach(function (row) {
        row.setAttribute("role", "row");
        Array.prototype.forEach.call(row.children, function (cell, index) {
          const header = cell.tagName === "TH" && cell.closest("thead");
          cell.setAttribute("role", header ? "columnheader" : cell.tagName === "TH" ? "rowheader" : "cell");
          if (!header) { cell.dataset.label = headers[index] || ""; }
        });
      });
    });
  }

  function watchTables() {
    stackTables();
    let pending = false;
    new MutationObserver(function (mutations) {
      const rowsChanged = mutations.some(function (mutation) {
        return mutation.target.closest && mutation.target.closest("table");
      });
      if (rowsChanged && !pending) {
        pending = true;
        window.requestAnimationFrame(function () { pending = false; stackTables(); });
      }
    }).observe(document.body, { childList: true, subtree: true });
  }

  // ------------------------------------------------------------ page start

  // A page restored from the back/forward cache shows the state of before: never a used code.
  window.addEventListener("pageshow", function (event) {
    if (!event.persisted) { return; }
    document.querySelectorAll("input[autocomplete='one-time-code']").forEach(function (input) { input.value = ""; });
    window.location.reload();
  });

  document.addEventListener("DOMContentLoaded", function () {
    const button = document.getElementById("logout-button");
    if (button) { button.addEventListener("click", function () { logout(); }); }
    document.querySelectorAll("button[data-copy]").forEach(function (copyButton) {
      copyButton.addEventListener("click", function () { copyFrom(copyButton); });
    });
    watchTables();
    if (sessionWatch.active()) { sessionWatch.start(); }
  });

  return {
    api: api, bindForm: bindForm, showError: showError, clearErrors: clearErrors, logout: logout, next: next,
    announce: announce, formData: formData,
  };
})();
