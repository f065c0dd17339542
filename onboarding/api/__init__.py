"""The REST API under /api/ (Django REST framework), its OpenAPI schema and browsable docs."""
