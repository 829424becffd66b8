"""One controller per resource of the JSON API."""
