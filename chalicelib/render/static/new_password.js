// A new password typed twice: the repeat stays in the browser (the API takes the password once).
"use strict";

window.NewPassword = {
  // The request body without the repeat; throws a field error (shown by Portal.bindForm) on a mismatch.
  checked: function (form, body) {
    if (body.new_password && !body.new_password_repeat) {
      throw { field: "new_password_repeat", code: "missing" };
    }
    if (body.new_password !== body.new_password_repeat) {
      throw { field: "new_password_repeat", code: "mismatch" };
    }
    delete body.new_password_repeat;
    return body;
  }
};
