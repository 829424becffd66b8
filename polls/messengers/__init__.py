"""Clients and webhook checks for the messengers: Telegram (Bot API, Mini App launch data)."""
