"""Domain operations over the database. Every query lives here; nothing here imports Litestar."""
