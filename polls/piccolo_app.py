"""Piccolo's view of the ``polls`` app: its tables and where its migrations live."""

import os

from piccolo.conf.apps import AppConfig

from polls.tables import TABLES

APP_CONFIG = AppConfig(
    app_name="polls",
    migrations_folder_path=os.path.join(os.path.dirname(__file__), "piccolo_migrations"),
    table_classes=list(TABLES),
    migration_dependencies=[],
    commands=[],
)
