"""The Digitaal Portaal access service: creates the Chalice app and registers the blueprints."""

from chalice import Chalice

from chalicelib import api
from chalicelib.api.errors import guard_pages
from chalicelib.settings import stage

# A deployed function without its stage stops here, at start, before it serves a single request.
stage()

app = Chalice(app_name="digitaal-portaal", configure_logs=False)
# API Gateway decodes a base64 (binary) answer only when the request's first Accept type is a binary
# media type; browsers ask for pictures with image/avif or image/webp first, hence the wildcard.
app.api.binary_types.append("image/*")
for module, url_prefix in api.registrations():
    app.register_blueprint(module.blueprint, url_prefix=url_prefix or None)
guard_pages(app)
