// Passkey ceremonies shared by the account settings and the login's second step: the options the
// server sent become navigator.credentials arguments (base64url fields to bytes), the browser's
// answer becomes JSON (bytes to base64url) and goes back to the server, which checks everything.
"use strict";

window.Passkeys = (function () {
  function toBytes(text) {
    const base64 = text.replace(/-/g, "+").replace(/_/g, "/") + "===".slice((text.length + 3) % 4);
    return Uint8Array.from(atob(base64), function (c) { return c.charCodeAt(0); });
  }

  function toText(buffer) {
    let binary = "";
    new Uint8Array(buffer).forEach(function (byte) { binary += String.fromCharCode(byte); });
    return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }

  function descriptors(list) {
    return (list || []).map(function (item) { return Object.assign({}, item, { id: toBytes(item.id) }); });
  }

  const prepare = {
    create: function (options) {
      return Object.assign({}, options, {
        challenge: toBytes(options.challenge),
        user: Object.assign({}, options.user, { id: toBytes(options.user.id) }),
        excludeCredentials: descriptors(options.excludeCredentials),
      });
    },
    get: function (options) {
      return Object.assign({}, options, {
        challenge: toBytes(options.challenge), allowCredentials: descriptors(options.allowCredentials),
      });
    },
  };

  function asJSON(credential) {
    const response = credential.response;
    const answer = { clientDataJSON: toText(response.clientDataJSON) };
    if (response.attestationObject) {
      answer.attestationObject = toText(response.attestationObject);
      answer.transports = response.getTransports ? response.getTransports() : [];
    } else {
      answer.authenticatorData = toText(response.authenticatorData);
      answer.signature = toText(response.signature);
      if (response.userHandle) { answer.userHandle = toText(response.userHandle); }
    }
    return {
      id: credential.id, rawId: toText(credential.rawId), type: credential.type, response: answer,
      clientExtensionResults: credential.getClientExtensionResults(),
      authenticatorAttachment: credential.authenticatorAttachment || undefined,
    };
  }

  // On submit of `form`: POST data-options (with `optionsBody` of the form's fields), run the
  // browser's `kind` ceremony ("create" or "get"), POST its answer to data-api (`resultBody`).
  function bindCeremony(form, kind, optionsBody, resultBody, onSuccess) {
    form.addEventListener("submit", async function (event) {
      event.preventDefault();
      Portal.clearErrors(form);
      if (!window.PublicKeyCredential || !navigator.credentials) {
        Portal.showError(form, { message: form.dataset.unsupported });
        return;
      }
      const button = form.querySelector("button[type=submit]");
      button.disabled = true;
      try {
        const fields = Portal.formData(form);
        const options = await Portal.api("POST", form.dataset.options, optionsBody(fields));
        if (!options.ok) { Portal.showError(form, options.data && options.data.error); return; }
        let credential;
        try {
          credential = await navigator.credentials[kind]({ publicKey: prepare[kind](options.data.publicKey) });
        } catch (e) {
          Portal.showError(form, { message: form.dataset.cancelled });
          return;
        }
        const result = await Portal.api("POST", form.dataset.api, resultBody(fields, asJSON(credential)));
        if (result.ok) { onSuccess(result.data || {}); }
        else { Portal.showError(form, result.data && result.data.error); }
      } catch (e) {
        Portal.showError(form, null);
      } finally {
        button.disabled = false;
      }
    });
  }

  return { bindCeremony: bindCeremony };
})();
