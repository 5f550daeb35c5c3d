// Shared page behaviour: JSON calls to the API, errors shown next to the field that caused them,
// logout. No inline script anywhere (the Content-Security-Policy forbids it).
"use strict";

window.Portal = (function () {
  async function api(method, path, body) {
    const options = { method: method, credentials: "same-origin", headers: { "Accept": "application/json" } };
    if (method !== "GET") {
      options.headers["Content-Type"] = "application/json";
      options.body = JSON.stringify(body || {});
    }
    const response = await fetch(path, options);
    let data = null;
    if (response.status !== 204) {
      try { data = await response.json(); } catch (e) { data = null; }
    }
    return { status: response.status, ok: response.ok, data: data };
  }

  function clearErrors(form) {
    form.querySelectorAll(".field-error").forEach(function (el) { el.hidden = true; el.textContent = ""; });
    form.querySelectorAll("[aria-invalid]").forEach(function (el) { el.removeAttribute("aria-invalid"); });
    const general = form.querySelector(".form-error");
    if (general) { general.hidden = true; general.textContent = ""; }
  }

  function showError(form, error) {
    const message = (error && error.message) || document.documentElement.dataset.genericError || "Error";
    const field = error && error.field && form.querySelector("[name='" + error.field + "']");
    if (field) {
      field.setAttribute("aria-invalid", "true");
      const slot = form.querySelector("#" + field.id + "-error");
      if (slot) {
        slot.textContent = message;
        slot.hidden = false;
        field.setAttribute("aria-describedby", slot.id);
        field.focus();
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
        showError(form, null);
      } finally {
        if (button) { button.disabled = false; }
      }
    });
  }

  async function logout() {
    await api("POST", "/api/v1/auth/logout", {});
    window.location.assign("/logged-out");
  }

  document.addEventListener("DOMContentLoaded", function () {
    const button = document.getElementById("logout-button");
    if (button) { button.addEventListener("click", logout); }
  });

  return { api: api, bindForm: bindForm, showError: showError, clearErrors: clearErrors, logout: logout };
})();
