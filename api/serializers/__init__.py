"""Input and output shapes of the public API resources (the partner API keeps its own)."""
