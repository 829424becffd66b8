"""The worker-facing form: question kinds, the web form pages, and (later) Telegram and Zalo."""
