"""Short codes, QR codes and posters: how a poll reaches a wall or a chat."""
