// Set a password from a reset or activation link.
"use strict";

document.addEventListener("DOMContentLoaded", function () {
  const form = document.getElementById("set-password-form");
  const token = LinkToken.take();
  if (!token) {
    form.hidden = true;
    document.getElementById("link-missing").hidden = false;
    return;
  }
  Portal.bindForm(form, function () {
    form.hidden = true;
    document.getElementById("password-set").hidden = false;
  }, function (body) {
    const repeat = form.querySelector("[name=new_password_repeat]");
    if (body.new_password !== body.new_password_repeat) {
      throw { field: "new_password_repeat", message: repeat.dataset.mismatch };
    }
    return { token: token, new_password: body.new_password };
  });
});
