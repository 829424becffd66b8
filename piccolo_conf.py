"""Piccolo's configuration: the engine named by ``DATABASE_URL`` and the apps.

The app itself builds its engine from ``polls.settings.Settings`` and calls
``polls.db.activate``; this module serves Piccolo's own command line
(``piccolo migrations ...``).
"""

from piccolo.conf.apps import AppRegistry

from polls.db import engine_for_url
from polls.settings import database_url_from_env

DB = engine_for_url(database_url_from_env())

APP_REGISTRY = AppRegistry(apps=["polls.piccolo_app"])
