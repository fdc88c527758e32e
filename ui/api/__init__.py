"""Shopwise REST API: schemas, service (the only caller of the engine), routes, auth, limits,
metrics, and `create_app(services, keys, config)`. Heavy imports (FastAPI) stay in the modules
that need them; `ui.api.auth` imports only SQLAlchemy so the CLI and the web UI can use it."""
