// The desk's connected applications: registering one posts JSON to the admin API (URIs one per line,
// the JWKS as JSON) and shows the client id and, once, the secret; disabling one reloads with a notice.
"use strict";
document.addEventListener("DOMContentLoaded", function () {
  function lines(value) {
    return (value || "").split(/\r?\n/).map(function (line) { return line.trim(); })
      .filter(function (line) { return line.length > 0; });
  }

  const register = document.getElementById("client-register");
  if (register) {
    Portal.bindForm(register, function (data) {
      const shown = document.getElementById("client-registered");
      document.getElementById("registered-client-id").textContent = data.client_id;
      document.getElementById("registered-client-secret").textContent = data.client_secret || "";
      shown.querySelectorAll("[data-secret]").forEach(function (el) { el.hidden = !data.client_secret; });
      register.hidden = true;
      shown.hidden = false;
      shown.focus();
    }, function (body) {
      const client = {
        name: body.name, redirect_uris: lines(body.redirect_uris),
        post_logout_redirect_uris: lines(body.post_logout_redirect_uris),
        token_endpoint_auth_method: register.querySelector("[name=token_endpoint_auth_method]:checked").value,
        reason: body.reason,
        scopes: Array.prototype.map.call(register.querySelectorAll("[name=scope]:checked"),
                                         function (box) { return box.value; })
      };
      if (body.backchannel_logout_uri) { client.backchannel_logout_uri = body.backchannel_logout_uri.trim(); }
      if ((body.jwks || "").trim()) {
        try { client.jwks = JSON.parse(body.jwks); } catch (e) {
          throw { field: "jwks", message: document.getElementById("client-jwks").dataset.invalid };
        }
      }
      return client;
    });
  }

  document.querySelectorAll("form.client-disable").forEach(function (form) {
    Portal.bindForm(form, function () {
      window.location.assign(window.location.pathname + "?done=disabled");
    });
  });
});
