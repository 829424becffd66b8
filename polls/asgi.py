"""The ASGI application for servers: ``uvicorn polls.asgi:app``; settings from the environment."""

from polls.app import create_app

app = create_app(serving=True)
