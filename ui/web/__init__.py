"""The web product: shopper chat, customer-service console and reports, in one Gradio app.

`app.build_web_ui(services, keys)` builds it; `app.mount_web_ui(fastapi_app, services, keys)` mounts
it into the REST API's app (`shopwise serve`). The modules without "gradio" in their imports
(chips, cards, why, access, trace, profile_view, reports_index) are plain functions tested
without a browser.
"""
