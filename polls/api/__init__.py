"""The JSON API, version 1: controllers, request and response shapes, guards."""
