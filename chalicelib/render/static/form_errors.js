// Errors on a form, the way people read them: a summary at the top (role=alert, focused, a link to each
// field that needs attention), a sentence next to each of those fields (aria-invalid, aria-describedby),
// and "Fout: " before the page title while errors show. The API names fields and codes
// (error.errors: [{field, code, reason}]); the words for each pair come from the page
// (templates/error_summary.html, render/form_errors.py), never a field name or a code.
// A refusal counted on the lockout also says how long to wait or how many attempts are left.
"use strict";

window.PortalErrors = (function () {
  const FORM_LEVEL = "_";
  const LOCKOUT_CODES = ["invalid_credentials", "invalid_code", "passkey_refused", "account_locked", "account_blocked"];

  function handles(form) { return Boolean(form && form.querySelector(".error-summary")); }

  function specOf(summary) {
    if (!summary.portalSpec) {
      try { summary.portalSpec = JSON.parse(summary.dataset.messages || "{}"); } catch (e) { summary.portalSpec = {}; }
      summary.portalSpec.fields = summary.portalSpec.fields || {};
      summary.portalSpec.reasons = summary.portalSpec.reasons || {};
    }
    return summary.portalSpec;
  }

  function lockoutTexts(summary) {
    if (!summary.dataset.lockout) { return null; }
    try { return JSON.parse(summary.dataset.lockout); } catch (e) { return null; }
  }

  // "1 minuut" / "5 minuten": the `.one` text for exactly one, the `.other` text otherwise.
  function counted(texts, key, n) {
    return (texts[key + (n === 1 ? ".one" : ".other")] || "").replace("{n}", String(n));
  }

  function fields(form) {
    return Array.prototype.filter.call(form.querySelectorAll("input, select, textarea"), function (input) {
      return input.name && input.type !== "hidden" && !input.closest("[hidden]");
    });
  }

  function fieldNamed(form, name) {
    return fields(form).filter(function (input) { return input.name === name; })[0] || null;
  }

  // The field a refusal without a field belongs to: the form's designated one, else its only one.
  function formLevelField(form, spec) {
    const designated = spec.target && fieldNamed(form, spec.target);
    if (designated) { return designated; }
    const all = fields(form).filter(function (input) { return input.type !== "checkbox"; });
    return all.length === 1 ? all[0] : null;
  }

  // [{field, code, reason}] of a refusal: the API's list, else the one field it names, else the form.
  function itemsOf(error) {
    if (!error) { return [{ field: FORM_LEVEL, code: "network" }]; }
    if (Array.isArray(error.errors) && error.errors.length) { return error.errors; }
    if (error.field) {
      return [{ field: error.field, code: error.code === "invalid_request" ? "invalid" : error.code,
                reason: error.reason, message: error.message }];
    }
    return [{ field: FORM_LEVEL, code: error.code, message: error.message }];
  }

  // The body check refused the form: required fields left empty that the API checks only later (the
  // code a re-check asks once 2FA is active) are named now too, so one try shows everything to fix.
  function withEmptyRequired(form, error, items) {
    if (!error || error.code !== "invalid_request" || !Array.isArray(error.errors)) { return items; }
    const named = items.map(function (item) { return item.field; });
    fields(form).forEach(function (input) {
      const empty = input.type === "checkbox" ? !input.checked : !input.value.trim();
      if (input.required && empty && named.indexOf(input.name) < 0) {
        items.push({ field: input.name, code: "missing" });
        named.push(input.name);
      }
    });
    // In the order of the form, as the person reads it (a refusal of the form as a whole first).
    const order = fields(form).map(function (input) { return input.name; });
    return items.map(function (item, index) { return { item: item, index: index }; }).sort(function (a, b) {
      return (order.indexOf(a.item.field) - order.indexOf(b.item.field)) || (a.index - b.index);
    }).map(function (entry) { return entry.item; });
  }

  function wordsFor(summary, spec, item, error) {
    if (!item.code && item.message) { return item.message; }  // a check of the page's own script, in its words
    if (item.reason && spec.reasons[item.reason]) { return spec.reasons[item.reason]; }
    const byField = spec.fields[item.field] || spec.fields[FORM_LEVEL] || {};
    const own = byField[item.code] || (spec.fields[FORM_LEVEL] || {})[item.code];
    if (own) { return own; }
    if (item.code === "network") { return document.body.dataset.textNetworkError || summary.dataset.fallback; }
    if (item.field === FORM_LEVEL && error && error.message) { return error.message; }
    return byField.invalid || summary.dataset.fallback;
  }

  // What the lockout adds to a refusal: the wait, the attempts left, or what unblocks the account.
  function lockoutWords(texts, error) {
    if (!texts || !error || LOCKOUT_CODES.indexOf(error.code) < 0) { return []; }
    const words = [];
    if (error.code === "account_blocked") { return words; }  // its own sentence says what unblocks it
    if (error.blocked) {
      words.push(texts.blocked);
    } else if (error.retry_after) {
      if (error.code !== "account_locked") { words.push(texts.locked_now); }
      words.push(counted(texts, "wait", Math.max(1, Math.ceil(error.retry_after / 60))));
    } else if (typeof error.attempts_left === "number" && error.attempts_left > 0 && error.attempts_left <= 2) {
      words.push(counted(texts, error.next_lock === "blocked" ? "attempts_block" : "attempts_lock", error.attempts_left));
    }
    return words.filter(Boolean);
  }

  function describe(field, slot) {
    const described = (field.getAttribute("aria-describedby") || "").split(" ").filter(Boolean);
    if (described.indexOf(slot.id) < 0) { described.unshift(slot.id); }
    field.setAttribute("aria-describedby", described.join(" "));
  }

  function slotOf(form, field) {
    return field.id ? form.querySelector("#" + CSS.escape(field.id) + "-error") : null;
  }

  function setTitle(summary, on) {
    if (on) {
      if (!document.body.dataset.errorTitleOriginal) { document.body.dataset.errorTitleOriginal = document.title; }
      document.title = summary.dataset.titlePrefix + document.body.dataset.errorTitleOriginal;
    } else if (document.body.dataset.errorTitleOriginal && !document.querySelector(".error-summary:not([hidden])")) {
      document.title = document.body.dataset.errorTitleOriginal;
      delete document.body.dataset.errorTitleOriginal;
    }
  }

  function clear(form) {
    form.querySelectorAll(".field-error").forEach(function (el) { el.hidden = true; el.textContent = ""; });
    form.querySelectorAll("[aria-invalid]").forEach(function (el) { el.removeAttribute("aria-invalid"); });
    const summary = form.querySelector(".error-summary");
    if (summary) {
      summary.hidden = true;
      summary.querySelector(".error-summary-list").textContent = "";
      const help = summary.querySelector(".error-summary-help");
      if (help) { help.hidden = true; }
    }
    setTitle(summary, false);
  }

  function show(form, error) {
    const summary = form.querySelector(".error-summary");
    const spec = specOf(summary);
    clear(form);
    const list = summary.querySelector(".error-summary-list");
    const extra = lockoutWords(lockoutTexts(summary), error);
    const atField = {};
    withEmptyRequired(form, error, itemsOf(error).slice()).forEach(function (item, index) {
      const field = item.field === FORM_LEVEL ? formLevelField(form, spec) : fieldNamed(form, item.field) ||
        (spec.fields[item.field] ? null : formLevelField(form, spec));
      let words = wordsFor(summary, spec, item, error);
      if (index === 0 && extra.length) { words = [words].concat(extra).join(" "); }
      const entry = document.createElement("li");
      if (field && field.id) {
        const link = document.createElement("a");
        link.href = "#" + field.id;
        link.textContent = words;
        link.addEventListener("click", function (event) {
          event.preventDefault();
          field.focus();
          const label = form.querySelector("label[for='" + CSS.escape(field.id) + "']");
          (label || field).scrollIntoView({ block: "center" });
        });
        entry.appendChild(link);
        field.setAttribute("aria-invalid", "true");
        const slot = slotOf(form, field);
        if (slot) {
          atField[slot.id] = (atField[slot.id] ? atField[slot.id] + " " : "") + words;
          slot.textContent = atField[slot.id];
          slot.hidden = false;
          describe(field, slot);
        }
      } else {
        entry.textContent = words;
      }
      list.appendChild(entry);
    });
    const help = summary.querySelector(".error-summary-help");
    if (help && error && (extra.length || error.code === "account_locked" || error.code === "account_blocked")) {
      help.hidden = false;
    }
    summary.hidden = false;
    setTitle(summary, true);
    summary.focus();
  }

  return { handles: handles, show: show, clear: clear };
})();
