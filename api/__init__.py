"""The public and partner REST API (`/api/v1/`): one module per resource, its serializers,
the Idempotency-Key support, its own urls.py. Views are thin: a serializer, one call into a
service or selector, an output serializer; errors are answered by `core.api`."""
