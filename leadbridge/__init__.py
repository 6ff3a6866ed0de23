"""The composition root: app, settings, auth, HTTP and websocket transport, CLI; may import every layer."""
